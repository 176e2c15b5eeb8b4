import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, NativeConnection, Worker, WorkerOptions } from '@temporalio/worker';
import type { Db } from '../db';
import { createWebhookDeliveryActivities } from '../activities/webhook-delivery';
import { parseAllowedTargets } from '../lib/webhook-target';
import { webhookTaskQueue } from '../workflows/ids';
import { createFbaStockSyncActivities } from '../activities/fba-stock-sync';
import { createFinanceSyncActivities } from '../activities/finance-sync';
import { createOrderActivities } from '../activities/order';
import { createOrderSyncActivities } from '../activities/order-sync';
import { createStockSyncActivities } from '../activities/stock-sync';
import { SpApiClients } from '../activities/spapi/clients';
import { SpApi } from '../activities/spapi/gateway';
import { RateLimiter } from '../activities/spapi/rate-limiter';
import type { Config } from '../lib/config';
import { logger as rootLogger, Logger } from '../lib/logger';
import type { ConnectorMetrics } from '../servers/metrics';
import { createDataConverter, FAILURE_CONVERTER_PATH } from '../lib/payload-codec';
import { keyringFromEnv } from '../lib/secrets';
import { temporalTls } from '../lib/temporal-tls';
import { ConsumerOptions, NotificationConsumer } from './notification-consumer';
import { scheduledSearches } from './notification-handlers';

export interface ConnectorWorkerDeps {
  config: Config;
  db: Db;
  temporalAddress: string;
  taskQueue?: string;
  /** Tests pass the bundle built once per run; production bundles from source at start. */
  workflowBundle?: WorkerOptions['workflowBundle'];
  logger?: Logger;
  /** Multiplies Amazon's rates in the shared limiter (60 against a sandbox in x60 mode). */
  rateSpeedup?: number;
  workerOptions?: Partial<WorkerOptions>;
  /** Prometheus counters (servers/metrics.ts): SP-API calls, 429s, confirmations, imports; feed outcomes by the stock activities. */
  metrics?: ConnectorMetrics;
  /** Options of the SQS notification consumer (tests shorten its refresh); CONNECTOR_NOTIFICATIONS=off: none. */
  notifications?: Partial<ConsumerOptions>;
  /** Amazon's 2-minute search lag; only a time-scaled benchmark against a sandbox shortens it. */
  orderSyncSearchLagMs?: number;
}

export interface ConnectorWorker {
  worker: Worker;
  client: Client;
  /** The SQS consumer of ORDER_CHANGE notifications, unless CONNECTOR_NOTIFICATIONS=off. */
  notifications?: NotificationConsumer;
  run(): Promise<void>;
  /** Stops polling, lets running activities finish (shutdownGraceTime), closes connections. */
  close(): Promise<void>;
}

/**
 * Sized for 2 cores (bench/engine.ts, bench/memory.ts, docs/benchmarks.md): a workflow task holds its slot through the
 * server round trip, so 16 slots, not 4 (4 capped a trivial workflow at ~18/s); activity slots for what waits on Amazon and PostgreSQL; a sticky cache of 400 workflows: an open
 * order is touched a few times in its life, and a cache of 1,000 cost ~90 MB of RSS for no measured throughput. Most of
 * the worker's RSS is V8 heap slack, bounded by the Dockerfile's NODE_OPTIONS, not by this cache (400 → 100 saved ~30 MB).
 */
export const WORKER_DEFAULTS: Partial<WorkerOptions> = {
  maxConcurrentWorkflowTaskExecutions: 16,
  maxConcurrentActivityTaskExecutions: 40,
  maxConcurrentLocalActivityExecutions: 20,
  maxCachedWorkflows: 400,
  shutdownGraceTime: '10 seconds',
};

export async function createConnectorWorker(deps: ConnectorWorkerDeps): Promise<ConnectorWorker> {
  const log = deps.logger ?? rootLogger;
  const taskQueue = deps.taskQueue ?? deps.config.TEMPORAL_TASK_QUEUE;
  const dataConverter = createDataConverter();
  const tls = temporalTls(deps.config);
  const nativeConnection = await NativeConnection.connect({ address: deps.temporalAddress, tls });
  const clientConnection = await Connection.connect({ address: deps.temporalAddress, tls });
  const client = new Client({ connection: clientConnection, namespace: deps.config.TEMPORAL_NAMESPACE, dataConverter });

  const clients = new SpApiClients(deps.db, keyringFromEnv());
  const limiter = new RateLimiter(deps.db, {
    speedup: deps.rateSpeedup ?? deps.config.SPAPI_RATE_SPEEDUP,
  });
  const spapi = new SpApi(clients, limiter, deps.metrics?.observeSpApi);
  const activities = {
    ...createOrderActivities({
      db: deps.db,
      spapi,
      logger: log,
      piiRetentionMs: deps.config.PII_RETENTION,
      shipRiskMarginMs: deps.config.SHIP_RISK_MARGIN,
      onImported: deps.metrics?.onImported,
      temporal: client,
      taskQueue,
    }),
    ...createOrderSyncActivities({
      db: deps.db,
      spapi,
      temporal: client,
      taskQueue,
      logger: log,
      overlapMs: deps.config.ORDER_SYNC_OVERLAP,
      piiRetentionMs: deps.config.PII_RETENTION,
      searchLagMs: deps.orderSyncSearchLagMs,
    }),
    ...createStockSyncActivities({
      db: deps.db,
      spapi,
      clients,
      limiter,
      temporal: client,
      logger: log,
      feedPollIntervalMs: deps.config.FEED_POLL_INTERVAL,
      feedMessages: deps.metrics?.feedMessages,
    }),
    ...createFbaStockSyncActivities({ db: deps.db, spapi, logger: log }),
    ...createFinanceSyncActivities({
      db: deps.db,
      spapi,
      logger: log,
      overlapMs: deps.config.FINANCE_SYNC_OVERLAP,
      lookbackMs: deps.config.FINANCE_SYNC_LOOKBACK,
    }),
  };

  // One bundle for both workers (webpack once).
  const workflowBundle =
    deps.workflowBundle ??
    (await bundleWorkflowCode({
      workflowsPath: require.resolve('../workflows'),
      failureConverterPath: FAILURE_CONVERTER_PATH,
      logger: quietBundler,
    }));
  const worker = await Worker.create({
    connection: nativeConnection,
    namespace: deps.config.TEMPORAL_NAMESPACE,
    taskQueue,
    activities,
    dataConverter,
    workflowBundle,
    ...WORKER_DEFAULTS,
    ...deps.workerOptions,
  });
  // Webhook deliveries on a task queue and slots of their own: a slow or dead endpoint holds its own slot (an activity
  // that waits for events or for an answer), never one of the order path's.
  const webhookWorker = await Worker.create({
    connection: nativeConnection,
    namespace: deps.config.TEMPORAL_NAMESPACE,
    taskQueue: webhookTaskQueue(taskQueue),
    activities: createWebhookDeliveryActivities({
      db: deps.db,
      keyring: keyringFromEnv(),
      allowed: parseAllowedTargets(deps.config.CONNECTOR_WEBHOOK_ALLOWED_HOSTS),
      logger: log,
    }),
    dataConverter,
    workflowBundle,
    ...WEBHOOK_WORKER_DEFAULTS,
    ...(deps.workerOptions?.shutdownGraceTime ? { shutdownGraceTime: deps.workerOptions.shutdownGraceTime } : {}),
    ...(deps.workerOptions?.shutdownForceTime ? { shutdownForceTime: deps.workerOptions.shutdownForceTime } : {}),
  });

  // In the worker process, beside the order workflows it signals; off with CONNECTOR_NOTIFICATIONS=off.
  const notifications =
    deps.config.CONNECTOR_NOTIFICATIONS === 'on'
      ? new NotificationConsumer({
          db: deps.db,
          temporal: client,
          taskQueue,
          logger: log,
          rateSpeedup: deps.rateSpeedup ?? deps.config.SPAPI_RATE_SPEEDUP,
          nextSearchAt: scheduledSearches(client),
          searchLagMs: deps.orderSyncSearchLagMs,
          options: { waitTimeSeconds: deps.config.CONNECTOR_NOTIFICATIONS_WAIT / 1000, ...deps.notifications },
        })
      : undefined;

  let running: Promise<void> | undefined;
  let closing: Promise<void> | undefined;
  const stopWebhooks = () => {
    if (webhookWorker.getState() === 'RUNNING') webhookWorker.shutdown();
  };
  return {
    worker,
    client,
    notifications,
    run() {
      // The order worker's end (shutdown by a signal, or a failure) ends the webhook worker too.
      if (!running) notifications?.start();
      running ??= Promise.all([worker.run().finally(stopWebhooks), webhookWorker.run()]).then(() => undefined);
      return running;
    },
    close() {
      // Once, whoever asks (a test that stops its worker early, then its harness).
      closing ??= (async () => {
        await notifications?.stop(); // first: nothing more is signalled while the worker drains
        if (worker.getState() === 'RUNNING') worker.shutdown();
        stopWebhooks();
        await running?.catch(() => undefined);
        await nativeConnection.close();
        await clientConnection.close();
      })();
      return closing;
    },
  };
}

/** Up to this many endpoints deliver at once from one worker process: each holds one activity slot while it waits. */
export const WEBHOOK_WORKER_DEFAULTS: Partial<WorkerOptions> = {
  maxConcurrentWorkflowTaskExecutions: 4,
  maxConcurrentActivityTaskExecutions: 200,
  maxCachedWorkflows: 100,
  shutdownGraceTime: '10 seconds',
};

const quietBundler = { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} } as any;
