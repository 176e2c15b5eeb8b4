/**
 * Engine overhead: N orders imported end to end (sandbox over HTTP → orderSync → order workflows → PostgreSQL) against N
 * runs of `trivial` (one activity, one tiny UPDATE) on the same Temporal server and worker, in the same run.
 *   npm run bench -- engine [--quick] [--orders 2000]
 * Rate limits off on both sides. Prints a table and `RESULT engine <orders/s ÷ trivial/s>`; also p50/p95 from an
 * order appearing in the sandbox (the admin call that adds it) to its sales order committed (sale_orders.created_at).
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { Runtime } from '@temporalio/worker';
import { SandboxAdmin } from '../sandbox/admin-client';
import {
  connectClient,
  createAccounts,
  formatTable,
  log,
  percentile,
  Row,
  seconds,
  startOrderSyncs,
  TWO_ACCOUNTS,
  waitUntil,
  countSaleOrders,
} from './support/connector';
import {
  cpuSeconds,
  freshDatabase,
  rssMb,
  startSandboxChild,
  startTemporal,
  startWorkerChild,
  writeWorkflowBundle,
  runBench,
} from './support/processes';
import { machine, option } from './support/args';

const QUEUE = 'bench-engine';

async function runTrivial(client: import('@temporalio/client').Client, n: number): Promise<number> {
  const started = Date.now();
  let next = 0;
  const one = async () => {
    while (next < n) {
      const i = next++;
      await client.workflow.execute('trivial', { taskQueue: QUEUE, workflowId: `trivial-${started}-${i}`, args: [] });
    }
  };
  // As many in flight as the order path has (orderSync dispatches 16 at a time per account): the server is the limit.
  await Promise.all(Array.from({ length: 32 }, one));
  return Date.now() - started;
}

async function main(): Promise<void> {
  const quick = process.argv.includes('--quick');
  const n = Number(option('--orders') ?? (quick ? 300 : 2000));
  process.env.CONNECTOR_SECRET_KEY ??= '5b'.repeat(32);
  Runtime.install({ shutdownSignals: [] });
  const runDir = fs.mkdtempSync(path.join(os.tmpdir(), 'bench-engine-'));
  const database = await freshDatabase('connector_bench_engine');
  const temporal = await startTemporal({ logFile: path.join(runDir, 'temporal.log') });
  const sandbox = await startSandboxChild({ rateLimits: 'off', seed: 11 }, path.join(runDir, 'sandbox.log'));
  const { client, close } = await connectClient(temporal.address);
  let worker: Awaited<ReturnType<typeof startWorkerChild>> | undefined;
  try {
    const admin = new SandboxAdmin(sandbox.url);
    await createAccounts(database.db, admin, sandbox.url, TWO_ACCOUNTS);
    const bundlePath = await writeWorkflowBundle(
      path.join(runDir, 'bundle.js'),
      require.resolve('./support/workflows'),
    );
    worker = await startWorkerChild(
      {
        databaseUrl: database.url,
        temporalAddress: temporal.address,
        taskQueue: QUEUE,
        secretKey: process.env.CONNECTOR_SECRET_KEY!,
        bundlePath,
        compiled: process.argv.includes('--compiled'),
        workerOptions: JSON.parse(option('--worker-options') ?? '{}'),
        extraEnv: process.env.WORKER_CPU_PROFILE ? { WORKER_CPU_PROFILE: process.env.WORKER_CPU_PROFILE } : {},
      },
      path.join(runDir, 'worker.log'),
    );

    // CPU seconds each process spends on a phase: says whether the worker or the server bounds it.
    const pids = { worker: worker.pid, server: temporal.process.pid!, sandbox: sandbox.pid, bench: process.pid };
    const cpu = () =>
      Object.fromEntries(Object.entries(pids).map(([k, pid]) => [k, cpuSeconds(pid)])) as Record<
        keyof typeof pids,
        number
      >;
    const spent = (from: ReturnType<typeof cpu>) => {
      const now = cpu();
      return Object.entries(now)
        .map(([k, v]) => `${k} ${(v - from[k as keyof typeof pids]).toFixed(1)}`)
        .join(', ');
    };
    log(`trivial: ${n} runs`);
    let mark = cpu();
    const trivialMs = await runTrivial(client, n);
    const trivialCpu = spent(mark);
    mark = cpu();

    log(`orders: ${n} over ${TWO_ACCOUNTS.length} accounts`);
    const per = Math.ceil(n / TWO_ACCOUNTS.length);
    for (const [i, a] of TWO_ACCOUNTS.entries()) {
      await admin.generateOrders(a.sellerId, { count: i === 0 ? per : n - per, seed: 40 + i, pendingShare: 0 });
    }
    const appeared = new Date();
    const syncs = await startOrderSyncs(client, QUEUE, TWO_ACCOUNTS, `engine-${appeared.getTime()}`);
    const done = await waitUntil(async () => (await countSaleOrders(database.db)) >= n, 30 * 60_000, 200);
    await syncs.results();
    if (!done) throw new Error(`only ${await countSaleOrders(database.db)} of ${n} orders were imported in 30 minutes`);
    const committed = await database.db('sale_orders').select('created_at', 'state', 'attention_reason');
    const last = Math.max(...committed.map((r) => new Date(r.created_at).getTime()));
    const latencies = committed.map((r) => new Date(r.created_at).getTime() - appeared.getTime()).sort((a, b) => a - b);
    const flagged = committed.filter((r) => r.state === 'needs_attention').length;
    const importMs = last - appeared.getTime();
    const ordersCpu = spent(mark);

    const trivialRate = n / (trivialMs / 1000);
    const orderRate = n / (importMs / 1000);
    const rows: Row[] = [
      {
        run: `trivial × ${n}`,
        'wall s': seconds(trivialMs),
        'per s': trivialRate.toFixed(1),
        'p50 s': '',
        'p95 s': '',
        flagged: '',
      },
      {
        run: `orders × ${n}`,
        'wall s': seconds(importMs),
        'per s': orderRate.toFixed(1),
        'p50 s': seconds(percentile(latencies, 50)),
        'p95 s': seconds(percentile(latencies, 95)),
        flagged,
      },
    ];
    process.stdout.write(
      `\n${formatTable(`engine: ${n} orders end to end vs ${n} trivial workflows, limits off (${machine()})`, rows)}`,
    );
    process.stdout.write(
      `CPU s, trivial: ${trivialCpu}\nCPU s, orders: ${ordersCpu} (until the last order and the syncs ended)\n`,
    );
    process.stdout.write(
      `worker RSS ${rssMb(worker.pid).toFixed(0)} MB, dev server RSS ${rssMb(temporal.process.pid!).toFixed(0)} MB\n`,
    );
    process.stdout.write(`RESULT engine ${(orderRate / trivialRate).toFixed(3)}\n`);
  } finally {
    await worker?.stop();
    await close();
    await sandbox.stop();
    await temporal.stop();
    await database.drop();
    fs.rmSync(runDir, { recursive: true, force: true });
  }
}

runBench(main);
