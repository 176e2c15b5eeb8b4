/**
 * Events: (1) webhook delivery to a local receiver: events per second delivered, and the delay from an event's commit
 * to its receipt (p50, p95), for a steady stream and a burst; (2) the outbox's cost on the import: importOrder's
 * throughput (8 concurrent callers, fixture payloads as after a search) with its events and with `emit` stubbed out,
 * in one run. Last line: `RESULT events <delivered/s> <p95 delay s> <import cost %>`.
 *   npx ts-node --transpile-only bench/events.ts [--events 3000] [--orders 1500]
 */
import fs from 'node:fs';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import type { Client } from '@temporalio/client';
import { Client as TemporalClient, Connection } from '@temporalio/client';
import * as events from '../book/events';
import { createWebhook } from '../book/webhooks';
import { createDataConverter } from '../lib/payload-codec';
import { keyringFromEnv } from '../lib/secrets';
import { startWebhookDelivery } from '../lib/workflow-client';
import { machine, option } from './support/args';
import { fixtureImporter, insertBareAccount } from './support/book';
import { freshDatabase, runBench, startTemporal, startWorkerChild, writeWorkflowBundle } from './support/processes';

const EVENTS = Number(option('--events') ?? 3000);
const ORDERS = Number(option('--orders') ?? 1500);
const SECRET = process.env.CONNECTOR_SECRET_KEY ?? '4f'.repeat(32);
process.env.CONNECTOR_SECRET_KEY = SECRET;

const quantile = (values: number[], q: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))];
};

async function delivery(db: any, temporalAddress: string, taskQueue: string) {
  const received = new Map<string, number>();
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.set(req.headers['webhook-id'] as string, Date.now());
      res.writeHead(204).end();
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', () => r()));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const connection = await Connection.connect({ address: temporalAddress });
  const client: Client = new TemporalClient({ connection, dataConverter: createDataConverter() });
  const webhook = await createWebhook(db, { keyring: keyringFromEnv(), url, types: ['*'] });
  await startWebhookDelivery(client, { taskQueue, endpointId: webhook.id, retryForMs: 86_400_000 });
  const committed = new Map<string, number>();
  const emitOne = async (i: number, tag: string) => {
    let sequence = 0;
    await db.transaction(async (trx: any) => {
      await events.emit(trx, [
        {
          type: 'order.cancelled',
          account: 'bench',
          amazonOrderId: `${tag}-${i}`,
          data: { previousState: null, link: '/x' },
        },
      ]);
      sequence = Number((await trx('events').max({ s: 'sequence' }).first()).s);
    });
    committed.set(`evt_${sequence}`, Date.now());
  };
  const phase = async (name: string, n: number, ratePerS: number | undefined) => {
    const before = committed.size;
    const t0 = Date.now();
    if (ratePerS) {
      for (let i = 0; i < n; i++) {
        const due = t0 + (i * 1000) / ratePerS;
        if (due > Date.now()) await new Promise((r) => setTimeout(r, due - Date.now()));
        void emitOne(i, name);
      }
    } else {
      for (let i = 0; i < n; i += 8)
        await Promise.all(Array.from({ length: Math.min(8, n - i) }, (_, k) => emitOne(i + k, name)));
    }
    const ids = () => [...committed.keys()].slice(before);
    const deadline = Date.now() + 600_000;
    while (Date.now() < deadline && (committed.size - before < n || ids().some((id) => !received.has(id))))
      await new Promise((r) => setTimeout(r, 100));
    const delays = ids().map((id) => (received.get(id)! - committed.get(id)!) / 1000);
    const first = Math.min(...ids().map((id) => committed.get(id)!));
    const last = Math.max(...ids().map((id) => received.get(id)!));
    return { name, n, perSecond: n / ((last - first) / 1000), p50: quantile(delays, 0.5), p95: quantile(delays, 0.95) };
  };
  const steady = await phase('steady', Math.min(EVENTS, 1500), 100);
  const burst = await phase('burst', EVENTS, undefined);
  await connection.close();
  server.close();
  return [steady, burst];
}

async function importCost(db: any) {
  await insertBareAccount(db, 'bench', 'A0BENCHEVENTS');
  const importOrders = fixtureImporter(db, 'bench');
  const run = async (tag: string) => {
    const ids = Array.from({ length: ORDERS }, (_, i) => `${tag}-${String(i).padStart(7, '0')}-0000001`);
    return ORDERS / ((await importOrders(ids)) / 1000);
  };
  await run('111'); // warm-up: caches, JIT, the first inserts of each table
  const original = events.emit;
  const results = { with: 0, without: 0 };
  // Alternate, twice each, so that drift of the machine falls on both.
  for (const [k, tag] of [
    ['with', '112'],
    ['without', '113'],
    ['with', '114'],
    ['without', '115'],
  ] as const) {
    (events as any).emit = k === 'with' ? original : async () => {};
    results[k] += (await run(tag)) / 2;
  }
  (events as any).emit = original;
  return results;
}

runBench(async () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-events-'));
  const database = await freshDatabase('connector_bench_events', undefined, 20);
  const temporal = await startTemporal({ logFile: path.join(dir, 'temporal.log') });
  const taskQueue = `bench-events-${Date.now()}`;
  const bundlePath = await writeWorkflowBundle(path.join(dir, 'bundle.js'));
  const worker = await startWorkerChild(
    {
      databaseUrl: database.url,
      temporalAddress: temporal.address,
      taskQueue,
      secretKey: SECRET,
      bundlePath,
      logLevel: 'warn',
      extraEnv: { CONNECTOR_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1/32' },
    },
    path.join(dir, 'worker.log'),
  );
  try {
    const phases = await delivery(database.db, temporal.address, taskQueue);
    const cost = await importCost(database.db);
    console.log('webhook delivery to a local receiver (one endpoint; delay = commit → receipt)');
    console.log('phase    events   delivered/s   p50 delay s   p95 delay s');
    for (const p of phases)
      console.log(
        `${p.name.padEnd(8)} ${String(p.n).padStart(6)} ${p.perSecond.toFixed(1).padStart(13)} ${p.p50.toFixed(3).padStart(13)} ${p.p95.toFixed(3).padStart(13)}`,
      );
    const costPct = ((cost.without - cost.with) / cost.without) * 100;
    console.log(
      `importOrder, ${ORDERS} orders × 2, 8 concurrent: ${cost.with.toFixed(1)}/s with the outbox, ${cost.without.toFixed(1)}/s without: cost ${costPct.toFixed(1)} %`,
    );
    console.log(machine());
    console.log(`RESULT events ${phases[1].perSecond.toFixed(0)} ${phases[0].p95.toFixed(3)} ${costPct.toFixed(1)}`);
  } finally {
    await worker.stop(5_000);
    await temporal.stop();
    await database.drop();
  }
});
