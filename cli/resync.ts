import { createOrderSyncActivities } from '../activities/order-sync';
import { SpApiClients } from '../activities/spapi/clients';
import { SpApi } from '../activities/spapi/gateway';
import { RateLimiter } from '../activities/spapi/rate-limiter';
import { logger } from '../lib/logger';
import { keyringFromEnv } from '../lib/secrets';
import type { OrderHeader } from '../workflows/order-types';
import type { CliContext } from './context';

/**
 * `connector orders resync`: the dispatch activity's getOrder → snapshot → signal-with-start, run from the CLI with
 * the same SP-API client, shared rate limiter and workflow options as the worker.
 */
export async function resyncOrder(ctx: CliContext, accountId: string, amazonOrderId: string): Promise<OrderHeader> {
  const db = ctx.getDb();
  const spapi = new SpApi(
    new SpApiClients(db, keyringFromEnv()),
    new RateLimiter(db, { speedup: ctx.config.SPAPI_RATE_SPEEDUP }),
  );
  const orderSync = createOrderSyncActivities({
    db,
    spapi,
    temporal: await ctx.getTemporal(),
    taskQueue: ctx.config.TEMPORAL_TASK_QUEUE,
    logger,
    overlapMs: ctx.config.ORDER_SYNC_OVERLAP,
    piiRetentionMs: ctx.config.PII_RETENTION,
  });
  return orderSync.resyncOrder({ accountId, amazonOrderId });
}
