/**
 * The console's To ship page with 10,000 open deliveries in the book: how long the server takes to render its first
 * page (50 deliveries, recipients included: the token has every scope), measured by the server itself (the
 * Server-Timing header of each answer) and as the round trip over loopback. Target: p95 ≤ 200 ms server side.
 * Last line `RESULT console <p95 server ms> <p95 round trip ms>`.
 *
 *   npx ts-node --transpile-only bench/console.ts [--deliveries 10000] [--samples 300]
 */
import crypto from 'node:crypto';
import { createToken, SCOPES } from '../book/api-tokens';
import { startApiServer } from '../servers/api';
import { machine, option } from './support/args';
import { freshDatabase, runBench } from './support/processes';
import type { Db } from '../db';

const DELIVERIES = Number(option('--deliveries') ?? 10_000);
const SAMPLES = Number(option('--samples') ?? 300);

/** N FBM orders of one account, each with a delivery address, two product lines and one open delivery. */
async function seed(db: Db): Promise<void> {
  await db('seller_accounts').insert({
    id: 'bench',
    seller_id: 'A0BENCHCONSOLE',
    region: 'na',
    client_id: 'c',
    client_secret_enc: 'x',
    refresh_token_enc: 'x',
    secret_key_id: 'k1',
  });
  await db.raw(`INSERT INTO products (sku, name) SELECT 'SKU-' || g, 'Product ' || g FROM generate_series(1, 500) g`);
  await db.raw(
    `INSERT INTO partners (account_id, type, match_key, name, street, city, postal_code, country_code)
     SELECT 'bench', 'delivery', 'ship:' || g, 'Recipient ' || g, g || ' Main St', 'Seattle', '98115', 'US'
     FROM generate_series(1, ?) g`,
    [DELIVERIES],
  );
  // Latest ship dates spread over the next 10 days; a tenth already at risk.
  await db.raw(
    `INSERT INTO sale_orders (account_id, amazon_order_id, marketplace_id, channel, amazon_status, state, currency,
                              purchase_date, delivery_address_id, amount_total, latest_ship_date, ship_by_status,
                              ship_service_level)
     SELECT 'bench', '113-' || lpad(g::text, 7, '0') || '-' || lpad((g * 7919 % 10000000)::text, 7, '0'),
            'ATVPDKIKX0DER', 'FBM', 'UNSHIPPED', 'confirmed', 'USD', now() - interval '1 day', p.id, 10,
            now() + (g * 86400.0 / ? * 10) * interval '1 second', CASE WHEN g % 10 = 0 THEN 'ship_risk' END, 'Standard'
     FROM generate_series(1, ?) g JOIN partners p ON p.match_key = 'ship:' || g`,
    [DELIVERIES, DELIVERIES],
  );
  await db.raw(
    `INSERT INTO sale_order_lines (order_id, line_key, sequence, kind, sku, name, quantity)
     SELECT o.id, 'item:' || k, k, 'product', 'SKU-' || ((o.id * k) % 500 + 1), 'Product', k
     FROM sale_orders o CROSS JOIN generate_series(1, 2) k`,
  );
  await db.raw(
    `INSERT INTO deliveries (order_id, ref, state, latest_ship_date) SELECT id, 'main', 'open', latest_ship_date FROM sale_orders`,
  );
  await db.raw(
    `INSERT INTO delivery_lines (delivery_id, order_line_id, product_id, sku, quantity)
     SELECT d.id, l.id, p.id, l.sku, l.quantity FROM deliveries d
     JOIN sale_order_lines l ON l.order_id = d.order_id JOIN products p ON p.sku = l.sku`,
  );
  await db.raw('ANALYZE');
}

const percentile = (sorted: number[], q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];

runBench(async () => {
  // The API's webhook routes want a key at start-up; this bench seals nothing.
  process.env.CONNECTOR_SECRET_KEY ??= crypto.randomBytes(32).toString('hex');
  const database = await freshDatabase('connector_bench_console');
  const api = await startApiServer({
    db: database.db,
    temporal: async () => {
      throw new Error('the To ship page needs no Temporal');
    },
    port: 0,
  });
  try {
    const { db } = database;
    process.stderr.write(`seeding ${DELIVERIES} open deliveries...\n`);
    await seed(db);
    const token = await createToken(db, { name: 'bench', scopes: [...SCOPES] });
    const login = await fetch(`${api.url}/login`, {
      method: 'POST',
      redirect: 'manual',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams({ token: token.secret }).toString(),
    });
    const cookie = /connector_session=[^;]+/.exec(login.headers.get('set-cookie') ?? '')?.[0];
    if (!cookie) throw new Error(`login failed: ${login.status}`);

    const server: number[] = [];
    const roundTrip: number[] = [];
    let rows = 0;
    for (let i = 0; i < SAMPLES + 20; i++) {
      const t = process.hrtime.bigint();
      const res = await fetch(`${api.url}/`, { headers: { cookie } });
      const body = await res.text();
      const elapsed = Number(process.hrtime.bigint() - t) / 1e6;
      if (res.status !== 200) throw new Error(`GET / answered ${res.status}`);
      if (i < 20) continue; // warm-up: JIT, pool connections
      rows = (body.match(/aria-label="Ship /g) ?? []).length;
      server.push(Number(/app;dur=([\d.]+)/.exec(res.headers.get('server-timing') ?? '')?.[1]));
      roundTrip.push(elapsed);
    }
    server.sort((a, b) => a - b);
    roundTrip.sort((a, b) => a - b);
    const ms = (n: number) => n.toFixed(1).padStart(7);
    console.log(`To ship, first page (${rows} deliveries shown of ${DELIVERIES} open), ${SAMPLES} requests (ms)`);
    console.log('                 p50      p95      max');
    console.log(`server      ${ms(percentile(server, 0.5))}  ${ms(percentile(server, 0.95))}  ${ms(server.at(-1)!)}`);
    console.log(
      `round trip  ${ms(percentile(roundTrip, 0.5))}  ${ms(percentile(roundTrip, 0.95))}  ${ms(roundTrip.at(-1)!)}`,
    );
    console.log(`target: p95 ≤ 200 ms server side: ${percentile(server, 0.95) <= 200 ? 'met' : 'NOT met'}`);
    console.log(machine());
    console.log(`RESULT console ${percentile(server, 0.95).toFixed(1)} ${percentile(roundTrip, 0.95).toFixed(1)}`);
  } finally {
    await api.close();
    await database.drop();
  }
});
