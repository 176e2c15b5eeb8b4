import { AmazonRejected } from '../../lib/errors';
import type { SpApi } from './gateway';

/**
 * Notifications API v1 (lib/sp-api-models/notifications.json). Destinations and subscriptions by id are grantless:
 * amazon-sp-api gets their token from LWA's client_credentials grant with this scope, never from the seller's
 * refresh token; createSubscription and getSubscription are the seller's.
 */

export const NOTIFICATIONS_SCOPE = 'sellingpartnerapi::notifications';
const grantless = { endpoint: 'notifications', grantlessScope: NOTIFICATIONS_SCOPE } as const;

export interface Destination {
  destinationId: string;
  name: string;
  resource: { sqs?: { arn: string }; eventBridge?: unknown };
}

export interface Subscription {
  subscriptionId: string;
  payloadVersion: string;
  destinationId: string;
  processingDirective?: unknown;
}

const isNotFound = (err: unknown) => err instanceof AmazonRejected && err.status === 404;
const isConflict = (err: unknown) => err instanceof AmazonRejected && err.status === 409;

export async function getDestinations(spapi: SpApi, accountId: string): Promise<Destination[]> {
  const res = await spapi.call<{ payload?: Destination[] }>(accountId, { operation: 'getDestinations', ...grantless });
  return res.payload ?? [];
}

export async function createDestination(
  spapi: SpApi,
  accountId: string,
  input: { name: string; arn: string },
): Promise<Destination> {
  const res = await spapi.call<{ payload: Destination }>(accountId, {
    operation: 'createDestination',
    ...grantless,
    body: { name: input.name, resourceSpecification: { sqs: { arn: input.arn } } },
  });
  return res.payload;
}

/** The seller's subscription of our application to the type, or undefined (Amazon: 404). */
export async function getSubscription(
  spapi: SpApi,
  accountId: string,
  notificationType: string,
): Promise<Subscription | undefined> {
  try {
    const res = await spapi.call<{ payload: Subscription }>(accountId, {
      operation: 'getSubscription',
      endpoint: 'notifications',
      path: { notificationType },
    });
    return res.payload;
  } catch (err) {
    if (isNotFound(err)) return undefined;
    throw err;
  }
}

export async function createSubscription(
  spapi: SpApi,
  accountId: string,
  input: { notificationType: string; destinationId: string; payloadVersion?: string },
): Promise<Subscription> {
  const res = await spapi.call<{ payload: Subscription }>(accountId, {
    operation: 'createSubscription',
    endpoint: 'notifications',
    path: { notificationType: input.notificationType },
    body: { payloadVersion: input.payloadVersion ?? '1.0', destinationId: input.destinationId },
  });
  return res.payload;
}

/** Deletes a subscription; one that is already gone (404) counts as deleted. */
export async function deleteSubscriptionById(
  spapi: SpApi,
  accountId: string,
  input: { notificationType: string; subscriptionId: string },
): Promise<void> {
  try {
    await spapi.call(accountId, {
      operation: 'deleteSubscriptionById',
      ...grantless,
      path: { notificationType: input.notificationType, subscriptionId: input.subscriptionId },
    });
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
}

/** The application's destination for the queue: the existing one, else a new one (a race's 409 re-reads the list). */
export async function ensureDestination(
  spapi: SpApi,
  accountId: string,
  arn: string,
): Promise<{ destination: Destination; created: boolean }> {
  const existing = (await getDestinations(spapi, accountId)).find((d) => d.resource.sqs?.arn === arn);
  if (existing) return { destination: existing, created: false };
  try {
    return {
      destination: await createDestination(spapi, accountId, { name: `amazon-connector ${arn}`, arn }),
      created: true,
    };
  } catch (err) {
    if (!isConflict(err)) throw err;
    const raced = (await getDestinations(spapi, accountId)).find((d) => d.resource.sqs?.arn === arn);
    if (!raced) throw err;
    return { destination: raced, created: false };
  }
}

export interface SubscribeResult {
  destination: Destination;
  subscription: Subscription;
  destinationCreated: boolean;
  subscriptionCreated: boolean;
  /** The subscription that delivered to another destination and was replaced. */
  replacedSubscriptionId?: string;
}

/**
 * Subscribes the seller to `notificationType` on the queue, idempotently: the destination and the subscription are
 * reused when they exist. A subscription of the type delivering to another destination is replaced: Amazon keeps one
 * per seller, application and type, and the operator asked for this queue.
 */
export async function subscribe(
  spapi: SpApi,
  accountId: string,
  input: { arn: string; notificationType: string },
): Promise<SubscribeResult> {
  const { destination, created } = await ensureDestination(spapi, accountId, input.arn);
  const current = await getSubscription(spapi, accountId, input.notificationType);
  if (current?.destinationId === destination.destinationId)
    return { destination, subscription: current, destinationCreated: created, subscriptionCreated: false };
  if (current)
    await deleteSubscriptionById(spapi, accountId, {
      notificationType: input.notificationType,
      subscriptionId: current.subscriptionId,
    });
  const subscription = await createSubscription(spapi, accountId, {
    notificationType: input.notificationType,
    destinationId: destination.destinationId,
  });
  return {
    destination,
    subscription,
    destinationCreated: created,
    subscriptionCreated: true,
    ...(current ? { replacedSubscriptionId: current.subscriptionId } : {}),
  };
}
