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

function spApiFor(db: Db, config: Config): SpApi {
  return new SpApi(new SpApiClients(db, keyringFromEnv()), new RateLimiter(db, { speedup: config.SPAPI_RATE_SPEEDUP }));
}

export async function subscribeAccount(
  db: Db,
  config: Config,
  input: { accountId: string; queueArn: string; queueUrl?: string },
) {
  if (!/^arn:aws:sqs:[^:\s]+:[^:\s]+:\S+$/.test(input.queueArn))
    throw new UserError(
      `--queue-arn ${input.queueArn} is not an SQS queue ARN: use arn:aws:sqs:<region>:<account>:<queue>`,
    );
  const amazon = await subscribe(spApiFor(db, config), input.accountId, {
    arn: input.queueArn,
    notificationType: ORDER_CHANGE,
  });
  const saved = await saveSubscription(db, {
    accountId: input.accountId,
    notificationType: ORDER_CHANGE,
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
export async function unsubscribeAccount(db: Db, config: Config, accountId: string) {
  const current = await findSubscription(db, { accountId, notificationType: ORDER_CHANGE });
  if (!current) throw new UserError(`account ${accountId} has no ${ORDER_CHANGE} subscription: see notifications list`);
  await deleteSubscriptionById(spApiFor(db, config), accountId, {
    notificationType: ORDER_CHANGE,
    subscriptionId: current.subscriptionId,
  });
  await removeSubscription(db, { accountId, notificationType: ORDER_CHANGE });
  return current;
}
