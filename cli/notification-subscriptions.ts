import type { Db } from '../db';
import { SpApiClients } from '../activities/spapi/clients';
import { SpApi } from '../activities/spapi/gateway';
import { deleteSubscriptionById, subscribe } from '../activities/spapi/notifications';
import { RateLimiter } from '../activities/spapi/rate-limiter';
import { findSubscription, removeSubscription, saveSubscription } from '../book/notifications';
import type { Config } from '../lib/config';
import { UserError } from '../lib/errors';
import { keyringFromEnv } from '../lib/secrets';

/**
 * `notifications subscribe|unsubscribe` (and `connector start` for the demo accounts): Amazon's destination and
 * subscription, then the book's row the worker's consumer reads. Run again, it changes nothing.
 */

export const ORDER_CHANGE = 'ORDER_CHANGE';
/** What the worker's consumer handles: orders in seconds, and Finances updates that start a financeSync. */
export const NOTIFICATION_TYPES = [ORDER_CHANGE, 'TRANSACTION_UPDATE'] as const;
export type SubscribedType = (typeof NOTIFICATION_TYPES)[number];

function spApiFor(db: Db, config: Config): SpApi {
  return new SpApi(new SpApiClients(db, keyringFromEnv()), new RateLimiter(db, { speedup: config.SPAPI_RATE_SPEEDUP }));
}

export async function subscribeAccount(
  db: Db,
  config: Config,
  input: { accountId: string; queueArn: string; queueUrl?: string; notificationType?: SubscribedType },
) {
  const notificationType = input.notificationType ?? ORDER_CHANGE;
  if (!/^arn:aws:sqs:[^:\s]+:[^:\s]+:\S+$/.test(input.queueArn))
    throw new UserError(
      `--queue-arn ${input.queueArn} is not an SQS queue ARN: use arn:aws:sqs:<region>:<account>:<queue>`,
    );
  const amazon = await subscribe(spApiFor(db, config), input.accountId, {
    arn: input.queueArn,
    notificationType,
  });
  const saved = await saveSubscription(db, {
    accountId: input.accountId,
    notificationType,
    destinationId: amazon.destination.destinationId,
    subscriptionId: amazon.subscription.subscriptionId,
    queueArn: input.queueArn,
    ...(input.queueUrl ? { queueUrl: input.queueUrl } : {}),
  });
  return {
    ...saved,
    destinationCreated: amazon.destinationCreated,
    subscriptionCreated: amazon.subscriptionCreated,
    replacedSubscriptionId: amazon.replacedSubscriptionId ?? null,
  };
}

/** Deletes the subscription at Amazon (the destination stays: other sellers of the application may use it). */
export async function unsubscribeAccount(
  db: Db,
  config: Config,
  accountId: string,
  notificationType: SubscribedType = ORDER_CHANGE,
) {
  const current = await findSubscription(db, { accountId, notificationType });
  if (!current)
    throw new UserError(`account ${accountId} has no ${notificationType} subscription: see notifications list`);
  await deleteSubscriptionById(spApiFor(db, config), accountId, {
    notificationType,
    subscriptionId: current.subscriptionId,
  });
  await removeSubscription(db, { accountId, notificationType });
  return current;
}
