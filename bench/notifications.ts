/**
 * Notifications: the latency from an order's placement in the sandbox to its row in the book (p50, p95), with
 * ORDER_CHANGE notifications on (SQS on moto, orderSync still scheduled) and with polling alone, for a steady trickle
 * and a burst of orders. Everything runs under Amazon's usage plans time-scaled ×SCALE (the sandbox in xSCALE mode, the
 * limiter at SCALE, the orderSync interval, its overlap and Amazon's 2-minute search lag divided by SCALE), so a
 * figure that is all waiting (polling, getOrder tokens) is SCALE times shorter here than on Amazon; SQS, Temporal and
 * PostgreSQL times are not scaled. Last line: `RESULT notifications <trickle p95 s> <polling trickle p95 s ×SCALE>`.
 *   npx ts-node --transpile-only bench/notifications.ts [--trickle 60] [--burst 1000] [--scale 60]
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import { processedNotificationCounts } from '../book/notifications';
import { subscribeAccount } from '../cli/notification-subscriptions';
import { loadConfig } from '../lib/config';
import { startMoto } from '../lib/moto';
import { startSandbox } from '../sandbox';
import { SandboxAdmin } from '../sandbox/admin-client';
import { applySchedules } from '../workers/schedules';
import { createConnectorWorker } from '../workers/worker';
import { machine, option } from './support/args';
import { AccountSpec, createAccounts, US } from './support/connector';
import { freshDatabase, runBench, startTemporal, writeWorkflowBundle } from './support/processes';

const TRICKLE = Number(option('--trickle') ?? 60);
const BURST = Number(option('--burst') ?? 1000);
const SCALE = Number(option('--scale') ?? 60);
const SECRET = process.env.CONNECTOR_SECRET_KEY ?? '4f'.repeat(32);
process.env.CONNECTOR_SECRET_KEY = SECRET;

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

const NOTIFIED: AccountSpec = { id: 'notified', sellerId: 'A7BENCHNOTIFY1', region: 'na', marketplaceIds: [US] };
const POLLED: AccountSpec = { id: 'polled', sellerId: 'A7BENCHPOLLED1', region: 'na', marketplaceIds: [US] };

const fixture = JSON.parse(
  fs.readFileSync(path.join(__dirname, '../test/fixtures/orders/us-fbm-gift-promotions.json'), 'utf8'),
);
let serial = 0;
function newOrder(prefix: string) {
  const id = `${prefix}-${String(++serial).padStart(7, '0')}-${String(Date.now()).slice(-7)}`;
  const now = new Date().toISOString();
  const fulfillment = {
    ...fixture.fulfillment,
    shipByWindow: { earliestDateTime: now, latestDateTime: new Date(Date.now() + 72 * 3_600_000).toISOString() },
  };
  return { ...fixture, orderId: id, createdTime: now, lastUpdatedTime: now, fulfillment };
}

runBench(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-notifications-'));
  const moto = await startMoto({ logFile: path.join(dir, 'moto.log') });
  Object.assign(process.env, moto.env);
  const database = await freshDatabase('connector_bench_notifications', undefined, 20);
  const temporal = await startTemporal({ logFile: path.join(dir, 'temporal.log') });
  const sandbox = await startSandbox({
    port: 0,
    rateLimits: `x${SCALE}`,
    minBeforeLagSeconds: 120 / SCALE,
  });
  const admin = new SandboxAdmin(sandbox.url);
  await createAccounts(database.db, admin, sandbox.url, [NOTIFIED, POLLED]);
  const interval = Math.round(300 / SCALE);
  const config = loadConfig({
    ...process.env,
    ORDER_SYNC_INTERVAL: `${interval}s`, // the default 5 min, time-scaled
    ORDER_SYNC_OVERLAP: `${Math.round(600 / SCALE)}s`,
    STOCK_SYNC_INTERVAL: '24h',
    FBA_STOCK_SYNC_INTERVAL: '24h',
    TEMPORAL_TASK_QUEUE: `bench-notifications-${Date.now()}`,
    LOG_LEVEL: 'warn',
  });
  const worker = await createConnectorWorker({
    config,
    db: database.db,
    temporalAddress: temporal.address,
    workflowBundle: { codePath: await writeWorkflowBundle(path.join(dir, 'bundle.js')) },
    rateSpeedup: SCALE,
    notifications: { waitTimeSeconds: 20, refreshMs: 1_000 },
    orderSyncSearchLagMs: 120_000 / SCALE,
  });
  const running = worker.run();
  const sqs = new SQSClient({});
  try {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: 'bench-orders' }));
    const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    await subscribeAccount(database.db, config, { accountId: NOTIFIED.id, queueArn: attrs.Attributes!.QueueArn! });
    await applySchedules(worker.client, database.db, config);
    await new Promise((r) => setTimeout(r, 2_000)); // the consumer's first read of the subscriptions

    /** Places orders (all at once, or one every `everyMs`) and returns each one's placement → book delay, in s. */
    const phase = async (account: AccountSpec, count: number, everyMs?: number) => {
      const placed = new Map<string, number>();
      if (everyMs) {
        const t0 = Date.now();
        for (let i = 0; i < count; i++) {
          const due = t0 + i * everyMs;
          if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
          const order = newOrder(account.id === NOTIFIED.id ? '113' : '114');
          placed.set(order.orderId, Date.now());
          await admin.addOrders(account.sellerId, [order]);
        }
      } else {
        const orders = Array.from({ length: count }, () => newOrder(account.id === NOTIFIED.id ? '113' : '114'));
        for (let i = 0; i < orders.length; i += 250) {
          const chunk = orders.slice(i, i + 250);
          const at = Date.now();
          chunk.forEach((o) => placed.set(o.orderId, at));
          await admin.addOrders(account.sellerId, chunk);
        }
      }
      const ids = [...placed.keys()];
      const deadline = Date.now() + 900_000;
      let rows: Array<{ amazon_order_id: string; created_at: Date }> = [];
      while (Date.now() < deadline) {
        rows = await database.db('sale_orders').whereIn('amazon_order_id', ids).select('amazon_order_id', 'created_at');
        if (rows.length === ids.length) break;
        await new Promise((r) => setTimeout(r, 250));
      }
      if (rows.length < ids.length) throw new Error(`${account.id}: ${ids.length - rows.length} orders never arrived`);
      const delays = rows.map((r) => (new Date(r.created_at).getTime() - placed.get(r.amazon_order_id)!) / 1000);
      return { n: count, p50: quantile(delays, 0.5), p95: quantile(delays, 0.95), max: Math.max(...delays) };
    };

    const everyMs = 1000; // a trickle: one order a second (one a minute on Amazon's clock at ×60)
    const results = [
      { mode: 'notifications', load: 'trickle', ...(await phase(NOTIFIED, TRICKLE, everyMs)) },
      { mode: 'polling alone', load: 'trickle', ...(await phase(POLLED, TRICKLE, everyMs)) },
      { mode: 'notifications', load: 'burst', ...(await phase(NOTIFIED, BURST)) },
      { mode: 'polling alone', load: 'burst', ...(await phase(POLLED, BURST)) },
    ];
    const handled = await processedNotificationCounts(database.db, { accountId: NOTIFIED.id });
    const getOrders = (await admin.stats()).operations.getOrder?.calls ?? 0;
    console.log(
      `placement → book latency; usage plans, orderSync interval (${interval}s), overlap and search lag time-scaled ×${SCALE}`,
    );
    console.log('mode            load      orders   p50 s   p95 s   max s   (polling p95 ×scale: on Amazon’s clock)');
    for (const r of results)
      console.log(
        `${r.mode.padEnd(15)} ${r.load.padEnd(8)} ${String(r.n).padStart(7)} ${r.p50.toFixed(2).padStart(7)} ${r.p95.toFixed(2).padStart(7)} ${r.max.toFixed(2).padStart(7)}${r.mode === 'polling alone' ? `   (${((r.p95 * SCALE) / 60).toFixed(1)} min)` : ''}`,
      );
    console.log(`notifications handled: ${JSON.stringify(handled)}; getOrder calls: ${getOrders}`);
    console.log(machine());
    console.log(`RESULT notifications ${results[0].p95.toFixed(2)} ${(results[1].p95 * SCALE).toFixed(0)}`);
  } finally {
    sqs.destroy();
    await worker.close();
    await running.catch(() => undefined);
    await sandbox.close();
    await temporal.stop();
    await database.drop();
    await moto.stop();
  }
});
