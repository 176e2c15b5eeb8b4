import { Runtime } from '@temporalio/worker';
import { createDb } from '../db';
import { loadConfig } from '../lib/config';
import { logger } from '../lib/logger';
import { requireCodec } from '../lib/payload-codec';
import { databaseUrl, temporalAddress, useRunningDemoKey } from '../lib/runtime';
import { serveConnectorMetrics, temporalRuntimeMetrics } from '../servers/metrics';
import { freePort } from '../lib/temporal-cli';
import { startWebhookDeliveries } from './schedules';
import { createConnectorWorker } from './worker';

/** `connector worker`: one worker process against TEMPORAL_ADDRESS and DATABASE_URL, stopped by SIGINT/SIGTERM. */
export async function runWorkerProcess(): Promise<void> {
  const config = loadConfig();
  useRunningDemoKey(config);
  requireCodec(); // a worker without a payload key would accept and write payloads in clear: refuse to start
  // Shutdown is ours to drive: close connections after the worker drains.
  // Temporal's own metrics on an internal port: /metrics (CONNECTOR_METRICS_PORT) serves them after ours.
  const runtimeMetrics = temporalRuntimeMetrics(await freePort());
  Runtime.install({ shutdownSignals: [], telemetryOptions: runtimeMetrics.telemetryOptions });
  const db = createDb(databaseUrl(config), { max: 20 });
  const { metrics, server: metricsServer } = await serveConnectorMetrics({
    config,
    db,
    runtimeMetricsUrl: runtimeMetrics.url,
    logger,
  }).catch(async (err) => {
    await db.destroy();
    throw err;
  });
  const connector = await createConnectorWorker({
    config,
    db,
    temporalAddress: temporalAddress(config),
    rateSpeedup: config.SPAPI_RATE_SPEEDUP,
    metrics,
  }).catch(async (err) => {
    await metricsServer.close(); // an open server would keep the failed process alive
    await db.destroy();
    throw err;
  });
  await startWebhookDeliveries(connector.client, db, config);
  const stop = () => connector.worker.shutdown();
  process.once('SIGINT', stop);
  process.once('SIGTERM', stop);
  logger.info({ taskQueue: config.TEMPORAL_TASK_QUEUE, metrics: metricsServer.url }, 'worker started');
  try {
    await connector.run();
  } finally {
    await connector.close();
    await metricsServer.close();
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
