import { Runtime } from '@temporalio/worker';
import { createDb } from '../db';
import { databaseUrl, temporalAddress } from '../cli/context';
import { loadConfig } from '../lib/config';
import { logger } from '../lib/logger';
import { createConnectorWorker } from './worker';

/** `connector worker`: one worker process against TEMPORAL_ADDRESS and DATABASE_URL, stopped by SIGINT/SIGTERM. */
export async function runWorkerProcess(): Promise<void> {
  const config = loadConfig();
  // Shutdown is ours to drive: close connections after the worker drains.
  Runtime.install({ shutdownSignals: [] });
  const db = createDb(databaseUrl(config), { max: 20 });
  const connector = await createConnectorWorker({ config, db, temporalAddress: temporalAddress(config) });
  const stop = () => connector.worker.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE }, 'worker started');
  try {
    await connector.run();
  } finally {
    await connector.close();
    await db.destroy();
    logger.info('worker stopped');
  }
}

if (require.main === module) {
  runWorkerProcess().catch((err) => {
    logger.error({ err }, 'worker failed');
    process.exit(1);
  });
}
