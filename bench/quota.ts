/**
 * Quota efficiency: the sandbox enforces Amazon's usage plans 60 times faster (x60), the connector's shared limiter runs
 * at the same speed (rateSpeedup 60). Two accounts, from an empty database:
 *   1. N orders (3,000; --quick 600) imported: searchOrders is the bottleneck (the import reads each order's payload
 *      from the search page, so there is no getOrder per order);
 *   2. M shipments (1,000; --quick 200) sent as shipmentDone signals and confirmed (confirmShipment, one per package).
 * Each operation's bucket is first emptied through the connector's own client (a steady-state account whose burst is
 * spent: where the quota binds); --no-prime starts from full buckets instead.
 * Achieved = (calls − 1) ÷ (last call − first call) per seller, from the sandbox's request log; allowed = the plan's
 * rate × the speed-up. At x60 confirmShipment allows 120 calls/s per seller, more than 2 cores can drive through order
 * workflows: a third phase confirms M more at x<K> (--confirm-speedup, default 2), where the quota is what binds.
 * Prints a table and `RESULT quota <searchOrders x60> <confirmShipment x60> <confirmShipment xK>`.
 *   npm run bench -- quota [--quick] [--no-prime] [--confirm-speedup K]
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Runtime } from '@temporalio/worker';
import type { Client } from '@temporalio/client';
import { SpApiClients } from '../activities/spapi/clients';
import { SpApi } from '../activities/spapi/gateway';
import { RateLimiter } from '../activities/spapi/rate-limiter';
import { USAGE_PLANS } from '../lib/amazon-facts';
import type { Db } from '../db';
import { keyringFromEnv } from '../lib/secrets';
import { SandboxAdmin } from '../sandbox/admin-client';
import { orderWorkflowId } from '../workflows/ids';
import { machine, option } from './support/args';
import {
  connectClient,
  createAccounts,
  formatTable,
  log,
  Row,
  seconds,
  startOrderSyncs,
  TWO_ACCOUNTS,
  waitUntil,
} from './support/connector';
import {
  freshDatabase,
  startSandboxChild,
  startTemporal,
  startWorkerChild,
  writeWorkflowBundle,
  runBench,
} from './support/processes';
import { achievedRates, loggedCalls } from './support/sandbox-log';

const QUEUE = 'bench-quota';
const SPEEDUP = 60;
let speedup = SPEEDUP; // the confirm phase at x<K> changes it

/** Spends a bucket on both sides: `burst` calls through the connector's limiter and client (their answers do not matter). */
async function prime(spapi: SpApi, operation: 'searchOrders' | 'confirmShipment'): Promise<void> {
  const yearAgo = Date.now() - 400 * 86_400_000;
  await Promise.all(
    TWO_ACCOUNTS.map(async (a) => {
      for (let i = 0; i < USAGE_PLANS[operation].burst; i++) {
        const req =
          operation === 'searchOrders'
            ? {
                operation,
                endpoint: 'orders',
                query: {
                  marketplaceIds: a.marketplaceIds,
                  lastUpdatedAfter: new Date(yearAgo).toISOString(),
                  lastUpdatedBefore: new Date(yearAgo + 3_600_000).toISOString(),
                },
              }
            : {
                operation,
                endpoint: 'orders',
                version: 'v0',
                path: { orderId: '000-0000000-0000000' },
                body: { packageDetail: {}, marketplaceId: a.marketplaceIds[0] },
              };
        await spapi.call(a.id, req).catch(() => undefined);
      }
    }),
  );
}

function rateRow(
  label: string,
  operation: string,
  logFile: string,
  since: number,
  stats: any,
  wallMs: number,
  extra: Row,
): { row: Row; ratio: number } {
  const rates = achievedRates(loggedCalls(logFile, operation, since));
  const allowed = USAGE_PLANS[operation].rate * speedup;
  const ratio = Math.min(...rates.map((r) => r.perSecond / allowed));
  const s = stats.operations[operation] ?? { calls: 0, '429': 0, '5xx': 0 };
  return {
    ratio,
    row: {
      phase: label,
      speed: `x${speedup}`,
      operation,
      calls: s.calls,
      '429s': s['429'],
      '429 %': s.calls ? ((100 * s['429']) / s.calls).toFixed(2) : '0.00',
      'achieved/s per seller': rates.map((r) => r.perSecond.toFixed(3)).join(' / '),
      'allowed/s': Number(allowed.toPrecision(4)),
      'achieved ÷ allowed': ratio.toFixed(3),
      'wall s': seconds(wallMs),
      ...extra,
    },
  };
}

async function shipAll(client: Client, db: Db, count: number): Promise<{ sent: number }> {
  const perAccount = Math.floor(count / TWO_ACCOUNTS.length);
  const picks: Array<{ accountId: string; amazonOrderId: string }> = [];
  for (const a of TWO_ACCOUNTS) {
    const rows = await db('sale_orders')
      .where({ account_id: a.id, channel: 'FBM', state: 'confirmed' })
      .orderBy('id')
      .limit(perAccount)
      .select('amazon_order_id');
    picks.push(...rows.map((r) => ({ accountId: a.id, amazonOrderId: r.amazon_order_id as string })));
  }
  let next = 0;
  const one = async () => {
    while (next < picks.length) {
      const p = picks[next++];
      await client.workflow
        .getHandle(orderWorkflowId(p.accountId, p.amazonOrderId))
        .signal('shipmentDone', { carrier: 'UPS', trackingNumber: `1ZBENCH${next}` });
    }
  };
  await Promise.all(Array.from({ length: 32 }, one));
  return { sent: picks.length };
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const primeBuckets = !process.argv.includes('--no-prime');
  const orders = Number(option('--orders') ?? (quick ? 600 : 3000));
  const shipments = Number(option('--shipments') ?? (quick ? 200 : 1000));
  process.env.CONNECTOR_SECRET_KEY ??= '5b'.repeat(32);
  Runtime.install({ shutdownSignals: [] });
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-quota-'));
  const sandboxLog = path.join(runDir, 'sandbox.log');
  const database = await freshDatabase('connector_bench_quota');
  const temporal = await startTemporal({ logFile: path.join(runDir, 'temporal.log') });
  const sandbox = await startSandboxChild({ rateLimits: `x${SPEEDUP}`, seed: 21 }, sandboxLog, 'debug');
  const { client, close } = await connectClient(temporal.address);
  let worker: Awaited<ReturnType<typeof startWorkerChild>> | undefined;
  try {
    const admin = new SandboxAdmin(sandbox.url);
    await createAccounts(database.db, admin, sandbox.url, TWO_ACCOUNTS);
    const bundlePath = await writeWorkflowBundle(path.join(runDir, 'bundle.js'));
    // The worker's limiter runs at the sandbox's speed, as it must against Amazon (x1).
    const startWorker = () =>
      startWorkerChild(
        {
          databaseUrl: database.url,
          temporalAddress: temporal.address,
          taskQueue: QUEUE,
          secretKey: process.env.CONNECTOR_SECRET_KEY!,
          bundlePath,
          rateSpeedup: speedup,
          compiled: process.argv.includes('--compiled'),
        },
        path.join(runDir, `worker-x${speedup}.log`),
      );
    worker = await startWorker();
    let spapi = new SpApi(new SpApiClients(database.db, keyringFromEnv()), new RateLimiter(database.db, { speedup }));
    const per = Math.floor(orders / TWO_ACCOUNTS.length);
    // 80 % FBM: enough open orders for both shipment phases.
    for (const [i, a] of TWO_ACCOUNTS.entries())
      await admin.generateOrders(a.sellerId, { count: per, seed: 70 + i, pendingShare: 0, fbaShare: 0.2 });
    const expected = per * TWO_ACCOUNTS.length;

    if (primeBuckets) await prime(spapi, 'searchOrders');
    await admin.clearStats();
    const importStart = Date.now();
    log(`import: ${expected} orders over ${TWO_ACCOUNTS.length} accounts (x${SPEEDUP})`);
    const syncs = await startOrderSyncs(client, QUEUE, TWO_ACCOUNTS, `quota-${importStart}`);
    const synced = await syncs.results();
    const count = async (where: Record<string, unknown> = {}) =>
      Number((await database.db('sale_orders').where(where).count({ n: '*' }))[0].n);
    await waitUntil(async () => (await count()) >= expected, 10 * 60_000);
    const importMs = Date.now() - importStart;
    const flagged = await count({ state: 'needs_attention' });
    const failed = expected - (await count()) + flagged;
    const imported = rateRow('import', 'searchOrders', sandboxLog, importStart, await admin.stats(), importMs, {
      orders: expected,
      pages: synced.reduce((n, r) => n + r.pages, 0),
      failed,
    });

    const confirmed = async () =>
      Number((await database.db('deliveries').where({ confirmation_state: 'confirmed' }).count({ n: '*' }))[0].n);
    const rejected = async () =>
      Number((await database.db('deliveries').where({ confirmation_state: 'rejected' }).count({ n: '*' }))[0].n);
    const shipPhase = async (label: string) => {
      if (primeBuckets) await prime(spapi, 'confirmShipment');
      await admin.clearStats();
      const before = await confirmed();
      const shipStart = Date.now();
      log(`${label}: ${shipments} shipmentDone signals at x${speedup}`);
      const { sent } = await shipAll(client, database.db, shipments);
      await waitUntil(async () => (await confirmed()) - before >= sent, 15 * 60_000);
      const failed = sent - ((await confirmed()) - before) + (await rejected());
      return rateRow(label, 'confirmShipment', sandboxLog, shipStart, await admin.stats(), Date.now() - shipStart, {
        orders: sent,
        pages: '',
        failed,
      });
    };
    const shipped = await shipPhase('shipments');
    // The same at a speed the engine can outrun: there the limiter, not the engine, sets the pace.
    speedup = Number(option('--confirm-speedup') ?? 2);
    await admin.setConfig({ rateLimits: `x${speedup}` });
    await worker.stop();
    worker = await startWorker();
    spapi = new SpApi(new SpApiClients(database.db, keyringFromEnv()), new RateLimiter(database.db, { speedup }));
    const slower = await shipPhase('shipments');

    const title = `quota: sandbox and limiter at the same speed, ${primeBuckets ? 'buckets spent first' : 'buckets full'} (${machine()})`;
    process.stdout.write(`\n${formatTable(title, [imported.row, shipped.row, slower.row])}`);
    process.stdout.write(
      `RESULT quota ${imported.ratio.toFixed(3)} ${shipped.ratio.toFixed(3)} ${slower.ratio.toFixed(3)}\n`,
    );
  } finally {
    await worker?.stop();
    await close();
    await sandbox.stop();
    await temporal.stop();
    await database.drop();
    if (process.env.BENCH_KEEP_LOGS) process.stderr.write(`logs kept in ${runDir}\n`);
    else fs.rmSync(runDir, { recursive: true, force: true });
  }
}

runBench(main);
