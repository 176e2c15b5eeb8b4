/**
 * Child-process entry: the connector's worker as `connector worker` runs it (workers/worker.ts), but loading a prebuilt
 * workflow bundle (WORKFLOW_BUNDLE) so that a restart takes seconds, not a webpack build. Prints `WORKER READY` once
 * polling; SIGTERM drains and exits, SIGKILL is what the fault suite sends.
 */
import fs from 'fs';
import inspector from 'inspector';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { createDb } from '../../db';
import { loadConfig } from '../../lib/config';
import { logger } from '../../lib/logger';
import { createConnectorWorker } from '../../workers/worker';
import { stopWhenOrphaned } from './orphan-guard';

/** WORKER_CPU_PROFILE=<file>: a V8 CPU profile of the whole run, written at shutdown (open it in Chrome's DevTools). */
function startProfiler(file: string | undefined): () => Promise<void> {
  if (!file) return async () => {};
  const session = new inspector.Session();
  session.connect();
  session.post('Profiler.enable', () => session.post('Profiler.start'));
  return () =>
    new Promise((resolve) =>
      session.post('Profiler.stop', (err, result) => {
        if (!err) fs.writeFileSync(file, JSON.stringify(result.profile));
        session.disconnect();
        resolve();
      }),
    );
}

async function main(): Promise<void> {
  const stopProfiler = startProfiler(process.env.WORKER_CPU_PROFILE);
  Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('WARN') });
  const config = loadConfig();
  const db = createDb(config.DATABASE_URL!, { max: Number(process.env.DB_POOL_MAX ?? 20) });
  const connector = await createConnectorWorker({
    config,
    db,
    temporalAddress: config.TEMPORAL_ADDRESS!,
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    workflowBundle: { codePath: process.env.WORKFLOW_BUNDLE! },
    rateSpeedup: Number(process.env.SPAPI_RATE_SPEEDUP ?? 0),
    workerOptions: {
      shutdownGraceTime: '2 seconds',
      shutdownForceTime: '5 seconds',
      ...JSON.parse(process.env.WORKER_OPTIONS ?? '{}'),
    },
  });
  process.once('SIGTERM', () => connector.worker.shutdown());
  // SIGUSR2: one line of memory figures (the memory benchmark reads it next to the RSS).
  process.on('SIGUSR2', () => process.stdout.write(`WORKER MEMORY ${JSON.stringify(process.memoryUsage())}\n`));
  stopWhenOrphaned(() => connector.worker.shutdown());
  const running = connector.run();
  process.stdout.write('WORKER READY\n');
  try {
    await running;
  } finally {
    await connector.close();
    await db.destroy();
    await stopProfiler();
  }
}

main().then(
  () => process.exit(0),
  (err) => {
    logger.error({ err }, 'worker failed');
    process.exit(1);
  },
);
