/**
 * Lookups at 200,000 orders, with the indexes of migration 007 and without them, in one run: an order by its Amazon id
 * alone (every `ship`, `orders show`, API call), `orders list` newest first, the PII purge's "contact still used"
 * check and the delivery lines of an order line. Prints p50/p95 per lookup and the plan's access path;
 * last line `RESULT lookup <p95 with> <p95 without>` (ms, the order-id lookup).
 *
 *   npx ts-node --transpile-only bench/order-lookup.ts [--orders 200000] [--samples 500]
 */
import { findOrder, listOrders } from '../book/orders';
import * as lookupIndexes from '../db/migrations/20261203_007_lookup_indexes';
import { machine, option } from './support/args';
import { freshDatabase, runBench } from './support/processes';
import type { Db } from '../db';

const ORDERS = Number(option('--orders') ?? 200_000);
const SAMPLES = Number(option('--samples') ?? 500);

/** 200,000 orders of one account, each with a contact, a delivery address, a line, a delivery and its line. */
async function seed(db: Db): Promise<void> {
  await db('seller_accounts').insert({
    id: 'bench',
    seller_id: 'A0BENCHLOOKUP1',
    region: 'na',
    client_id: 'c',
    client_secret_enc: 'x',
    refresh_token_enc: 'x',
    secret_key_id: 'k1',
  });
  await db.raw(
    `INSERT INTO partners (account_id, type, match_key, name)
     SELECT 'bench', 'contact', 'buyer:' || g, 'Buyer ' || g FROM generate_series(1, ?) g`,
    [ORDERS],
  );
  await db.raw(
    `INSERT INTO sale_orders (account_id, amazon_order_id, marketplace_id, channel, amazon_status, state, currency,
                              purchase_date, partner_id, delivery_address_id, amount_total)
     SELECT 'bench', lpad((100 + g % 900)::text, 3, '0') || '-' || lpad(g::text, 7, '0') || '-' || lpad((g * 7919 % 10000000)::text, 7, '0'),
            'ATVPDKIKX0DER', 'FBM', 'UNSHIPPED', 'confirmed', 'USD', now() - g * interval '1 minute', p.id, p.id, 10
     FROM generate_series(1, ?) g JOIN partners p ON p.match_key = 'buyer:' || g`,
    [ORDERS],
  );
  await db.raw(
    `INSERT INTO sale_order_lines (order_id, line_key, sequence, kind, name, quantity)
     SELECT id, 'item:1', 1, 'product', 'Mug', 1 FROM sale_orders`,
  );
  await db.raw(`INSERT INTO deliveries (order_id, ref, state) SELECT id, 'main', 'open' FROM sale_orders`);
  await db.raw(
    `INSERT INTO delivery_lines (delivery_id, order_line_id, quantity)
     SELECT d.id, l.id, 1 FROM deliveries d JOIN sale_order_lines l ON l.order_id = d.order_id`,
  );
  await db.raw('ANALYZE');
}

interface Lookup {
  name: string;
  run(db: Db, i: number): Promise<unknown>;
  /** The statement whose plan is shown. */
  explain(db: Db, i: number): Promise<string>;
}

const orderIds: string[] = [];
const plan = async (db: Db, sql: string, bindings: unknown[]) => {
  const { rows } = await db.raw(`EXPLAIN ${sql}`, bindings as any[]);
  const nodes = rows.map((r: any) => r['QUERY PLAN'] as string).join(' ');
  return (/(Index Only Scan|Index Scan|Bitmap Index Scan|Seq Scan)/.exec(nodes) ?? ['?'])[0];
};

const LOOKUPS: Lookup[] = [
  {
    name: 'order by Amazon id alone',
    run: (db, i) => findOrder(db, { amazonOrderId: orderIds[i % orderIds.length] }),
    explain: (db, i) =>
      plan(db, 'SELECT id FROM sale_orders WHERE amazon_order_id = ? LIMIT 2', [orderIds[i % orderIds.length]]),
  },
  {
    name: 'orders list, newest 100',
    run: (db) => listOrders(db, { limit: 100 }),
    explain: (db) => plan(db, 'SELECT * FROM sale_orders ORDER BY purchase_date DESC, id DESC LIMIT 100', []),
  },
  {
    name: 'purge: contact still used',
    run: (db, i) =>
      db('sale_orders')
        .whereNull('pii_purged_at')
        .andWhere((q) => q.where({ partner_id: i + 1 }).orWhere({ delivery_address_id: i + 1 }))
        .first('id'),
    explain: (db, i) =>
      plan(
        db,
        'SELECT id FROM sale_orders WHERE pii_purged_at IS NULL AND (partner_id = ? OR delivery_address_id = ?) LIMIT 1',
        [i + 1, i + 1],
      ),
  },
  {
    name: 'delivery lines of an order line',
    run: (db, i) =>
      db('delivery_lines')
        .where({ order_line_id: i + 1 })
        .first('id'),
    explain: (db, i) => plan(db, 'SELECT id FROM delivery_lines WHERE order_line_id = ? LIMIT 1', [i + 1]),
  },
];

async function measure(db: Db): Promise<Array<{ name: string; p50: number; p95: number; access: string }>> {
  const out = [];
  for (const lookup of LOOKUPS) {
    const times: number[] = [];
    for (let i = 0; i < SAMPLES; i++) {
      const k = (i * 7_919) % ORDERS;
      const t = process.hrtime.bigint();
      await lookup.run(db, k);
      times.push(Number(process.hrtime.bigint() - t) / 1e6);
    }
    times.sort((a, b) => a - b);
    const at = (q: number) => times[Math.min(times.length - 1, Math.floor(q * times.length))];
    out.push({ name: lookup.name, p50: at(0.5), p95: at(0.95), access: await lookup.explain(db, 17) });
  }
  return out;
}

runBench(async () => {
  const database = await freshDatabase('connector_bench_lookup');
  try {
    const { db } = database;
    process.stderr.write(`seeding ${ORDERS} orders...\n`);
    await seed(db);
    orderIds.push(...(await db('sale_orders').orderByRaw('random()').limit(SAMPLES).pluck('amazon_order_id')));
    const withIndexes = await measure(db);
    await lookupIndexes.down(db);
    await db.raw('ANALYZE');
    const without = await measure(db);
    const ms = (n: number) => n.toFixed(2).padStart(8);
    console.log(`${ORDERS} orders, ${SAMPLES} lookups each (ms)`);
    console.log(
      'lookup                              with: p50      p95  access          without: p50      p95  access',
    );
    withIndexes.forEach((w, i) => {
      const o = without[i];
      console.log(
        `${w.name.padEnd(34)} ${ms(w.p50)} ${ms(w.p95)}  ${w.access.padEnd(18)} ${ms(o.p50)} ${ms(o.p95)}  ${o.access}`,
      );
    });
    console.log(machine());
    console.log(`RESULT lookup ${withIndexes[0].p95.toFixed(2)} ${without[0].p95.toFixed(2)}`);
  } finally {
    await database.drop();
  }
});
