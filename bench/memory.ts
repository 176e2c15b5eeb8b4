/**
 * Memory: N open FBM order workflows (10,000; --quick 2,000) imported and waiting for their shipment; the worker's RSS
 * (target ≤ 400 MB) and the Temporal dev server's, sampled every second during the import and after it settles.
 *   npm run bench -- memory [--quick] [--orders N] [--cache N]
 * The worker runs in its own process (with --compiled: dist/, as `connector worker` runs, no TypeScript compiler in
 * memory) with the Dockerfile's MALLOC_ARENA_MAX and NODE_OPTIONS; limits off. Prints a table and
 * `RESULT memory <worker RSS MB settled> <dev server RSS MB settled>`.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Runtime } from '@temporalio/worker';
import { SandboxAdmin } from '../sandbox/admin-client';
import { WORKER_DEFAULTS } from '../workers/worker';
import { machine, option } from './support/args';
import {
  connectClient,
  countSaleOrders,
  createAccounts,
  formatTable,
  log,
  seconds,
  startOrderSyncs,
  TWO_ACCOUNTS,
  waitUntil,
} from './support/connector';
import {
  freshDatabase,
  rssMb,
  startSandboxChild,
  startTemporal,
  startWorkerChild,
  writeWorkflowBundle,
  runBench,
} from './support/processes';

const QUEUE = 'bench-memory';

/** The memory settings the production image runs the worker with: the Dockerfile's MALLOC_ARENA_MAX and NODE_OPTIONS. */
function dockerfileEnv(): Record<string, string> {
  const dockerfile = fs.readFileSync(path.join(__dirname, '..', 'Dockerfile'), 'utf8');
  const env: Record<string, string> = {};
  for (const [, name, value] of dockerfile.matchAll(/^ENV (MALLOC_ARENA_MAX|NODE_OPTIONS)=(.*)$/gm))
    env[name] = value.replace(/^"(.*)"$/, '$1');
  return env;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const n = Number(option('--orders') ?? (quick ? 2000 : 10_000));
  const cache = option('--cache');
  const workerEnv: Record<string, string> = JSON.parse(option('--worker-env') ?? JSON.stringify(dockerfileEnv()));
  process.env.CONNECTOR_SECRET_KEY ??= '5b'.repeat(32);
  Runtime.install({ shutdownSignals: [] });
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-memory-'));
  const database = await freshDatabase('connector_bench_memory');
  const temporal = await startTemporal({ logFile: path.join(runDir, 'temporal.log') });
  const sandbox = await startSandboxChild({ rateLimits: 'off', seed: 31 }, path.join(runDir, 'sandbox.log'));
  const { client, close } = await connectClient(temporal.address);
  let worker: Awaited<ReturnType<typeof startWorkerChild>> | undefined;
  let sampler: NodeJS.Timeout | undefined;
  try {
    const admin = new SandboxAdmin(sandbox.url);
    await createAccounts(database.db, admin, sandbox.url, TWO_ACCOUNTS);
    const workerOptions = cache ? { maxCachedWorkflows: Number(cache) } : {};
    worker = await startWorkerChild(
      {
        databaseUrl: database.url,
        temporalAddress: temporal.address,
        taskQueue: QUEUE,
        secretKey: process.env.CONNECTOR_SECRET_KEY!,
        bundlePath: await writeWorkflowBundle(path.join(runDir, 'bundle.js')),
        workerOptions,
        // As the Dockerfile runs it (malloc arenas, V8 heap limits); --worker-env '{}' to compare without.
        extraEnv: workerEnv,
        compiled: process.argv.includes('--compiled'),
      },
      path.join(runDir, 'worker.log'),
    );
    const w = worker;
    const idle = { worker: rssMb(w.pid), server: rssMb(temporal.process.pid!) };
    const peak = { ...idle };
    sampler = setInterval(() => {
      peak.worker = Math.max(peak.worker, rssMb(w.pid));
      peak.server = Math.max(peak.server, rssMb(temporal.process.pid!));
    }, 1000);

    // FBM orders, none pending or cancelled; about 15 % come already shipped (they wait for the PII purge instead),
    // so 20 % more are generated than must wait for their shipment.
    const per = Math.ceil((n * 1.2) / TWO_ACCOUNTS.length);
    for (const [i, a] of TWO_ACCOUNTS.entries()) {
      await admin.generateOrders(a.sellerId, {
        count: per,
        seed: 90 + i,
        fbaShare: 0,
        pendingShare: 0,
        cancelledShare: 0,
      });
    }
    const expected = per * TWO_ACCOUNTS.length;
    log(`importing ${expected} FBM orders`);
    const started = Date.now();
    const syncs = await startOrderSyncs(client, QUEUE, TWO_ACCOUNTS, `memory-${started}`);
    await syncs.results();
    const done = await waitUntil(async () => (await countSaleOrders(database.db)) >= expected, 60 * 60_000, 1000);
    const importMs = Date.now() - started;
    if (!done) throw new Error(`only ${await countSaleOrders(database.db)} of ${expected} orders were imported`);
    // Settled: every order workflow past its import (its state set), the cache full, a few GC cycles later.
    const running = () =>
      client.workflow.count(`WorkflowType = "order" AND ExecutionStatus = "Running" AND OrderState != "new"`);
    await waitUntil(async () => (await running()).count >= expected, 10 * 60_000, 2000);
    await new Promise((r) => setTimeout(r, 15_000));
    const settled = { worker: rssMb(w.pid), server: rssMb(temporal.process.pid!) };
    w.child.kill('SIGUSR2');
    await new Promise((r) => setTimeout(r, 500));
    const usage = /WORKER MEMORY (.*)/.exec(fs.readFileSync(path.join(runDir, 'worker.log'), 'utf8'))?.[1];
    const mb = (x: number) => `${(x / 2 ** 20).toFixed(0)} MB`;
    const heap = usage ? JSON.parse(usage) : undefined;
    const open = (await running()).count;
    const waiting = Number(
      (await database.db('sale_orders').whereIn('state', ['confirmed', 'partially_shipped']).count({ n: '*' }))[0].n,
    );
    const rows = [
      {
        process: 'worker',
        'idle MB': idle.worker.toFixed(0),
        'peak MB': peak.worker.toFixed(0),
        'settled MB': settled.worker.toFixed(0),
      },
      {
        process: 'temporal dev server',
        'idle MB': idle.server.toFixed(0),
        'peak MB': peak.server.toFixed(0),
        'settled MB': settled.server.toFixed(0),
      },
    ];
    const cacheSize = cache ?? WORKER_DEFAULTS.maxCachedWorkflows;
    const title =
      `memory: ${open} open order workflows, ${waiting} of them waiting for their shipment, imported in ${seconds(importMs)} s; ` +
      `worker ${process.argv.includes('--compiled') ? 'dist/' : 'ts-node'}, maxCachedWorkflows ${cacheSize}, env ${JSON.stringify(workerEnv)} (${machine()})`;
    process.stdout.write(`\n${formatTable(title, rows)}`);
    if (heap)
      process.stdout.write(
        `worker main thread: V8 heap ${mb(heap.heapUsed)} used of ${mb(heap.heapTotal)}, external ${mb(heap.external)}\n`,
      );
    if (waiting < n) process.stdout.write(`(only ${waiting} waiting for shipment: fewer than the ${n} asked for)\n`);
    process.stdout.write(`RESULT memory ${settled.worker.toFixed(0)} ${settled.server.toFixed(0)}\n`);
  } finally {
    if (sampler) clearInterval(sampler);
    await worker?.stop();
    await close();
    await sandbox.stop();
    await temporal.stop();
    await database.drop();
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

runBench(main);
