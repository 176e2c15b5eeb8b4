/**
 * The Book API v1 under a book of 10,000 open FBM orders: (1) the pick list, GET /v1/deliveries walked in pages of 100
 * (p50, p95 per page); (2) PUT /v1/stock with 10,000 rows (wall time of each call); (3) a shipment POST until Amazon's
 * answer, against a sandbox at Amazon's real confirmShipment rate (2/s, burst 10) with the worker's limiter at x1
 * (p50, p95), one shipment after another as a WMS posts them. The API runs in this process, the worker and the sandbox
 * in their own. Last line: `RESULT api <deliveries p95 ms> <PUT 10,000 rows s> <shipment p95 s>`.
 *   npx ts-node --transpile-only bench/api.ts [--orders 10000] [--rows 10000] [--shipments 40]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createToken, SCOPES } from '../book/api-tokens';
import type { Db } from '../db';
import { importProducts } from '../book/products';
import { SandboxAdmin } from '../sandbox/admin-client';
import { startApiServer } from '../servers/api';
import { machine, option } from './support/args';
import { fixtureImporter, insertBareAccount } from './support/book';
import {
  connectClient,
  createAccounts,
  formatTable,
  log,
  percentile,
  startOrderSyncs,
  US,
  waitUntil,
} from './support/connector';
import {
  freshDatabase,
  runBench,
  startSandboxChild,
  startTemporal,
  startWorkerChild,
  writeWorkflowBundle,
} from './support/processes';

const ORDERS = Number(option('--orders') ?? 10_000);
const ROWS = Number(option('--rows') ?? 10_000);
const SHIPMENTS = Number(option('--shipments') ?? 40);
const SECRET = process.env.CONNECTOR_SECRET_KEY ?? '4f'.repeat(32);
process.env.CONNECTOR_SECRET_KEY = SECRET;
const QUEUE = `bench-api-${Date.now()}`;
const SHIPPER = { id: 'api-shop', sellerId: 'A7BENCHAPI001', region: 'na' as const, marketplaceIds: [US] };

const ms = (t0: bigint) => Number(process.hrtime.bigint() - t0) / 1e6;
const sorted = (values: number[]) => [...values].sort((a, b) => a - b);

runBench(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-api-'));
  const database = await freshDatabase('connector_bench_api', undefined, 20);
  const { db } = database;
  const temporal = await startTemporal({ logFile: path.join(dir, 'temporal.log') });
  const sandbox = await startSandboxChild({ rateLimits: 'real', seed: 17 }, path.join(dir, 'sandbox.log'));
  const { client, close } = await connectClient(temporal.address);
  let worker: Awaited<ReturnType<typeof startWorkerChild>> | undefined;
  const api = await startApiServer({ db, temporal: async () => client, taskQueue: QUEUE, port: 0 });
  try {
    // The book: ORDERS open FBM orders of an account no worker serves, latest ship dates spread over 10 days.
    await insertBareAccount(db, 'bench', 'A0BENCHAPI');
    const ids = Array.from({ length: ORDERS }, (_, i) => `114-${String(i).padStart(7, '0')}-0000001`);
    log(`importing ${ORDERS} FBM orders into the book`);
    const importMs = await fixtureImporter(db, 'bench')(ids, (order, i) => {
      const latest = new Date(Date.now() + (1 + (i % 240)) * 3_600_000).toISOString();
      order.fulfillment.shipByWindow = { earliestDateTime: new Date().toISOString(), latestDateTime: latest };
      return order;
    });
    const open = Number((await db('deliveries').where({ state: 'open' }).count({ n: '*' }))[0].n);
    log(`imported in ${(importMs / 1000).toFixed(1)} s; ${open} open deliveries`);
    // What autovacuum does within a minute of a load this size: without statistics (state = 'open' priced as rare) the
    // planner may sort a bitmap scan's 5,000 rows rather than walk the pick list's index (docs/benchmarks.md).
    await db.raw('ANALYZE');
    const token = (await createToken(db, { name: 'bench', scopes: [...SCOPES] })).secret;
    const reader = (await createToken(db, { name: 'bench-reader', scopes: ['read'] })).secret;
    const call = async (method: string, url: string, secret: string, body?: unknown) => {
      const res = await fetch(`${api.url}${url}`, {
        method,
        headers: { authorization: `Bearer ${secret}`, ...(body ? { 'content-type': 'application/json' } : {}) },
        body: body === undefined ? undefined : JSON.stringify(body),
      });
      const json: any = await res.json();
      if (res.status >= 300 && !(res.status === 202 && json.amazon))
        throw new Error(`${method} ${url}: ${res.status} ${JSON.stringify(json).slice(0, 300)}`);
      return { status: res.status, json };
    };

    // (1) The pick list: three walks over every page of 100, the first a warm-up.
    const pages: Record<string, number[]> = { read: [], pii: [] };
    for (let walk = 0; walk < 3; walk++) {
      for (const [scope, secret] of [
        ['read', reader],
        ['pii', token],
      ] as const) {
        let cursor: string | null = null;
        let seen = 0;
        do {
          const t0 = process.hrtime.bigint();
          const { json } = await call('GET', `/v1/deliveries?limit=100${cursor ? `&cursor=${cursor}` : ''}`, secret);
          if (walk > 0) pages[scope].push(ms(t0));
          seen += json.items.length;
          cursor = json.nextCursor;
        } while (cursor);
        if (seen < open) throw new Error(`the walk saw ${seen} deliveries of ${open}`);
      }
    }

    // The pick list's statement itself, as the API sent it for a page halfway through the walk, under EXPLAIN ANALYZE.
    const plan = await explainPickList(db, (cursor) => call('GET', `/v1/deliveries?limit=100${cursor}`, reader), open);

    // (2) Counted stock in: ROWS products, three PUTs of all rows (each changes every quantity).
    await importProducts(db, {
      products: Array.from({ length: ROWS }, (_, i) => ({ sku: `BENCH-${String(i).padStart(6, '0')}`, name: `P${i}` })),
    });
    const puts: number[] = [];
    for (let run = 0; run < 3; run++) {
      const items = Array.from({ length: ROWS }, (_, i) => ({
        sku: `BENCH-${String(i).padStart(6, '0')}`,
        quantity: 10 + run + (i % 7),
      }));
      const t0 = process.hrtime.bigint();
      const { json } = await call('PUT', '/v1/stock', token, { items });
      puts.push(ms(t0));
      if (json.moved !== ROWS) throw new Error(`PUT moved ${json.moved} of ${ROWS}`);
    }

    // (3) Shipments until Amazon's answer: SHIPMENTS FBM orders synced from the sandbox, then shipped one by one.
    const admin = new SandboxAdmin(sandbox.url);
    await createAccounts(db, admin, sandbox.url, [SHIPPER]);
    const bundlePath = await writeWorkflowBundle(path.join(dir, 'bundle.js'));
    worker = await startWorkerChild(
      {
        databaseUrl: database.url,
        temporalAddress: temporal.address,
        taskQueue: QUEUE,
        secretKey: SECRET,
        bundlePath,
        rateSpeedup: 1,
        logLevel: 'warn',
      },
      path.join(dir, 'worker.log'),
    );
    // Some generated orders are cancelled or shipped by Amazon's data set: half as many again to have SHIPMENTS open.
    await admin.generateOrders(SHIPPER.sellerId, {
      count: Math.ceil(SHIPMENTS * 1.5),
      seed: 17,
      pendingShare: 0,
      fbaShare: 0,
      marketplaceIds: [US],
    });
    const syncs = await startOrderSyncs(client, QUEUE, [SHIPPER], `api-${Date.now()}`);
    await syncs.results();
    const toShip = () =>
      db('sale_orders as o')
        .join('deliveries as d', 'd.order_id', 'o.id')
        .where({ 'o.account_id': SHIPPER.id, 'd.state': 'open' })
        .distinct('o.amazon_order_id')
        .pluck('o.amazon_order_id');
    await waitUntil(async () => (await toShip()).length >= SHIPMENTS, 120_000);
    const orders: string[] = (await toShip()).slice(0, SHIPMENTS);
    log(`shipping ${orders.length} orders one by one`);
    await admin.clearStats();
    const shipments: number[] = [];
    const answers: Record<string, number> = {};
    for (const [i, amazonOrderId] of orders.entries()) {
      const t0 = process.hrtime.bigint();
      const { json } = await call('POST', `/v1/orders/${amazonOrderId}/shipments`, token, {
        carrier: 'UPS',
        trackingNumber: `1ZAPIBENCH${i}`,
      });
      shipments.push(ms(t0));
      answers[json.amazon] = (answers[json.amazon] ?? 0) + 1;
    }
    const stats = (await admin.stats()).operations.confirmShipment;

    const row = (what: string, values: number[], unit: 's' | 'ms', target: string) => {
      const v = sorted(values);
      const f = (x: number) => (unit === 's' ? (x / 1000).toFixed(3) : x.toFixed(1));
      return {
        what,
        n: v.length,
        [`p50`]: f(percentile(v, 50)),
        p95: f(percentile(v, 95)),
        max: f(v[v.length - 1]),
        unit,
        target,
      };
    };
    console.log(
      formatTable(`Book API v1, ${open} open FBM orders in the book (${machine()})`, [
        row('GET /v1/deliveries, page of 100, read', pages.read, 'ms', 'p95 ≤ 50 ms'),
        row('GET /v1/deliveries, page of 100, pii', pages.pii, 'ms', '—'),
        row(`PUT /v1/stock, ${ROWS} rows`, puts, 's', '≤ 1 s'),
        row('POST shipment until Amazon answers', shipments, 's', 'p95 ≤ 2 s'),
      ]),
    );
    console.log(`the pick list's statement, a page halfway (EXPLAIN ANALYZE):\n${plan}`);
    console.log(
      `shipments: ${JSON.stringify(answers)}; confirmShipment calls ${stats?.calls ?? 0}, 429s ${stats?.['429'] ?? 0} (sandbox at Amazon's rate: 2/s, burst 10)`,
    );
    console.log(
      `RESULT api ${percentile(sorted(pages.read), 95).toFixed(1)} ${(Math.max(...puts) / 1000).toFixed(3)} ${(percentile(sorted(shipments), 95) / 1000).toFixed(3)}`,
    );
  } finally {
    await api.close();
    await worker?.stop(5_000);
    await close();
    await sandbox.stop();
    await temporal.stop();
    await database.drop();
  }
});

/** The page's SQL and bindings as knex sent them (its first statement, on deliveries), run again under EXPLAIN ANALYZE. */
async function explainPickList(db: Db, get: (cursor: string) => Promise<{ json: any }>, open: number): Promise<string> {
  let cursor = '';
  for (let page = 0; page < Math.floor(open / 200); page++) cursor = `&cursor=${(await get(cursor)).json.nextCursor}`;
  let statement: { sql: string; bindings: unknown[] } | undefined;
  const listen = (q: { sql: string; bindings: unknown[] }) => {
    if (!statement && q.sql.includes('"deliveries" as "d"')) statement = q;
  };
  db.on('query', listen);
  await get(cursor).finally(() => db.off('query', listen));
  if (!statement) throw new Error("the pick list's statement was not seen");
  const { rows } = await db.raw(
    `EXPLAIN (ANALYZE, BUFFERS) ${statement.sql.replace(/\$\d+/g, '?')}`,
    statement.bindings as any[],
  );
  return rows.map((r: any) => `  ${r['QUERY PLAN']}`).join('\n');
}
