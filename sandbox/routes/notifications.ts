import crypto from 'node:crypto';
import type { Ctx, Route } from '../context';
import { HttpError, invalidInput, ok, Reply } from '../http';
import { applicationIdOf, NOTIFICATION_TYPES, parseSqsArn } from '../notification-publisher';
import type { Destination, Subscription } from '../state';

/**
 * Notifications API v1: destinations (grantless: the application's, through a client_credentials token of scope
 * sellingpartnerapi::notifications), subscriptions (created and read with the seller's token; read by id and deleted
 * grantless). Destinations deliver to SQS; the sandbox then publishes to the queue (notification-publisher.ts).
 */

const SCOPE = 'sellingpartnerapi::notifications';
const ORDER_CHANGE_TYPES = ['BuyerRequestedChange', 'DeliveryTipChange', 'OrderStatusChange'];
const isObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);

const notFound = (details: string) =>
  new HttpError(404, [{ code: 'NotFound', message: 'The resource specified does not exist.', details }]);

function destinationView(d: Destination) {
  return { destinationId: d.destinationId, name: d.name, resource: d.resource };
}

function subscriptionView(s: Subscription) {
  return {
    subscriptionId: s.subscriptionId,
    payloadVersion: s.payloadVersion,
    destinationId: s.destinationId,
    ...(s.processingDirective ? { processingDirective: s.processingDirective } : {}),
  };
}

function appDestinations(ctx: Ctx): Destination[] {
  return [...ctx.sb.state.destinations.values()].filter((d) => d.clientId === ctx.clientId);
}

function appDestination(ctx: Ctx): Destination {
  const d = ctx.sb.state.destinations.get(ctx.params.destinationId);
  if (!d || d.clientId !== ctx.clientId) throw notFound(`No destination with id ${ctx.params.destinationId}.`);
  return d;
}

async function createDestination(ctx: Ctx): Promise<Reply> {
  const body = await ctx.jsonBody();
  if (!isObject(body)) throw invalidInput('The request body must be a CreateDestinationRequest object.');
  const { name, resourceSpecification: spec } = body;
  if (typeof name !== 'string' || name.trim() === '') throw invalidInput('name is required.');
  if (name.length > 256) throw invalidInput('name must be at most 256 characters.');
  if (!isObject(spec) || (!spec.sqs && !spec.eventBridge))
    throw invalidInput('resourceSpecification must give sqs: {arn} (or eventBridge: {region, accountId}).');
  if (spec.sqs && spec.eventBridge) throw invalidInput('Use one resource type (sqs or eventBridge) per destination.');
  if (spec.eventBridge) throw invalidInput('The sandbox delivers notifications to SQS destinations only.');
  const arn = spec.sqs?.arn;
  if (typeof arn !== 'string' || arn.length > 1000 || !parseSqsArn(arn))
    throw invalidInput(
      `resourceSpecification.sqs.arn ${arn} is not an SQS queue ARN (arn:aws:sqs:<region>:<account>:<name>).`,
    );
  const taken = appDestinations(ctx).find((d) => d.resource.sqs.arn === arn);
  if (taken) {
    throw new HttpError(409, [
      {
        code: 'Conflict',
        message: 'The requested resource conflict with a resource in the server.',
        details: `A destination with arn ${arn} already exists for the application ${applicationIdOf(ctx.clientId)}`,
      },
    ]);
  }
  const destination: Destination = {
    destinationId: crypto.randomUUID(),
    name,
    clientId: ctx.clientId,
    resource: { sqs: { arn } },
  };
  ctx.sb.state.destinations.set(destination.destinationId, destination);
  ctx.sb.changed();
  return ok({ payload: destinationView(destination) });
}

function deleteDestination(ctx: Ctx): Reply {
  const d = appDestination(ctx);
  if ([...ctx.sb.state.subscriptions.values()].some((s) => s.destinationId === d.destinationId)) {
    // Amazon's answer while subscriptions still deliver there.
    throw new HttpError(403, [
      { code: 'Unauthorized', message: 'The requested action is forbidden.', details: 'Destination has subscriptions' },
    ]);
  }
  ctx.sb.state.destinations.delete(d.destinationId);
  ctx.sb.changed();
  return ok({});
}

function servedType(ctx: Ctx): string {
  const type = ctx.params.notificationType;
  if (!NOTIFICATION_TYPES[type]) {
    throw invalidInput(
      `The sandbox does not publish ${type} notifications; it publishes ${Object.keys(NOTIFICATION_TYPES).join(', ')}.`,
    );
  }
  return type;
}

/** processingDirective as the model defines it; ORDER_CHANGE's eventFilter filters by marketplace and change type. */
function processingDirective(type: string, raw: unknown): Record<string, any> | undefined {
  if (raw === undefined) return undefined;
  if (!isObject(raw)) throw invalidInput('processingDirective must be an object.');
  if (raw.filterExpression !== undefined) {
    if (raw.eventFilter !== undefined) throw invalidInput('eventFilter and filterExpression are mutually exclusive.');
    throw invalidInput('The sandbox does not evaluate filterExpression; use eventFilter.');
  }
  const filter = raw.eventFilter;
  if (filter === undefined) return {};
  if (!isObject(filter)) throw invalidInput('processingDirective.eventFilter must be an object.');
  if (filter.eventFilterType !== type)
    throw invalidInput(`eventFilter.eventFilterType must be ${type} for a ${type} subscription.`);
  if (filter.aggregationSettings !== undefined) throw invalidInput(`aggregationSettings is not supported for ${type}.`);
  const list = (name: string, allowed?: string[]) => {
    const v = filter[name];
    if (v === undefined) return;
    if (!Array.isArray(v) || !v.every((x) => typeof x === 'string' && (!allowed || allowed.includes(x))))
      throw invalidInput(`eventFilter.${name} must be a list of ${allowed ? allowed.join(', ') : 'strings'}.`);
  };
  list('marketplaceIds');
  list('orderChangeTypes', ORDER_CHANGE_TYPES);
  return { eventFilter: filter };
}

async function createSubscription(ctx: Ctx): Promise<Reply> {
  const type = servedType(ctx);
  const body = await ctx.jsonBody();
  if (!isObject(body)) throw invalidInput('The request body must be a CreateSubscriptionRequest object.');
  const { payloadVersion, destinationId } = body;
  if (typeof payloadVersion !== 'string' || !payloadVersion) throw invalidInput('payloadVersion is required.');
  if (!NOTIFICATION_TYPES[type].payloadVersions.includes(payloadVersion))
    throw invalidInput(`payloadVersion ${payloadVersion} is not a payload version of ${type}.`);
  if (typeof destinationId !== 'string' || !destinationId) throw invalidInput('destinationId is required.');
  const destination = ctx.sb.state.destinations.get(destinationId);
  if (!destination || destination.clientId !== ctx.clientId)
    throw invalidInput(
      `No destination with id '${destinationId}' for applicationId '${applicationIdOf(ctx.clientId)}'.`,
    );
  const directive = processingDirective(type, body.processingDirective);
  if (findSubscription(ctx, type)) {
    throw new HttpError(409, [
      {
        code: 'StateConflict',
        message: 'The resource specified conflicts with the current state.',
        details: `Subscription already exist for notification type ${type}`,
      },
    ]);
  }
  const subscription: Subscription = {
    subscriptionId: crypto.randomUUID(),
    sellerId: ctx.sellerId,
    clientId: ctx.clientId,
    notificationType: type,
    payloadVersion,
    destinationId,
    ...(directive ? { processingDirective: directive } : {}),
  };
  ctx.sb.state.subscriptions.set(subscription.subscriptionId, subscription);
  ctx.sb.changed();
  return ok({ payload: subscriptionView(subscription) });
}

/** The seller's subscription of this application to a type. */
function findSubscription(ctx: Ctx, type: string): Subscription | undefined {
  return [...ctx.sb.state.subscriptions.values()].find(
    (s) => s.sellerId === ctx.sellerId && s.clientId === ctx.clientId && s.notificationType === type,
  );
}

function getSubscription(ctx: Ctx): Reply {
  const type = servedType(ctx);
  const sub = findSubscription(ctx, type);
  const version = ctx.query.get('payloadVersion');
  if (!sub || (version !== undefined && sub.payloadVersion !== version))
    throw notFound(`No subscription for notification type ${type}${version ? ` and payload version ${version}` : ''}.`);
  return ok({ payload: subscriptionView(sub) });
}

/** A subscription of this application by id (grantless: any of the application's sellers). */
function subscriptionById(ctx: Ctx): Subscription {
  const type = servedType(ctx);
  const sub = ctx.sb.state.subscriptions.get(ctx.params.subscriptionId);
  if (!sub || sub.clientId !== ctx.clientId || sub.notificationType !== type)
    throw notFound(`No ${type} subscription with id ${ctx.params.subscriptionId}.`);
  return sub;
}

function deleteSubscriptionById(ctx: Ctx): Reply {
  const sub = subscriptionById(ctx);
  ctx.sb.state.subscriptions.delete(sub.subscriptionId);
  ctx.sb.changed();
  return ok({});
}

const BASE = '/notifications/v1';
const grantless = { kind: 'spapi', grantlessScope: SCOPE } as const;
const seller = { kind: 'spapi' } as const;

export const notificationRoutes: Route[] = [
  {
    method: 'GET',
    path: `${BASE}/destinations`,
    ...grantless,
    operation: 'getDestinations',
    handler: (ctx) => ok({ payload: appDestinations(ctx).map(destinationView) }),
  },
  {
    method: 'POST',
    path: `${BASE}/destinations`,
    ...grantless,
    operation: 'createDestination',
    handler: createDestination,
  },
  {
    method: 'GET',
    path: `${BASE}/destinations/{destinationId}`,
    ...grantless,
    operation: 'getDestination',
    handler: (ctx) => ok({ payload: destinationView(appDestination(ctx)) }),
  },
  {
    method: 'DELETE',
    path: `${BASE}/destinations/{destinationId}`,
    ...grantless,
    operation: 'deleteDestination',
    handler: deleteDestination,
  },
  {
    method: 'GET',
    path: `${BASE}/subscriptions/{notificationType}`,
    ...seller,
    operation: 'getSubscription',
    handler: getSubscription,
  },
  {
    method: 'POST',
    path: `${BASE}/subscriptions/{notificationType}`,
    ...seller,
    operation: 'createSubscription',
    handler: createSubscription,
  },
  {
    method: 'GET',
    path: `${BASE}/subscriptions/{notificationType}/{subscriptionId}`,
    ...grantless,
    operation: 'getSubscriptionById',
    handler: (ctx) => ok({ payload: subscriptionView(subscriptionById(ctx)) }),
  },
  {
    method: 'DELETE',
    path: `${BASE}/subscriptions/{notificationType}/{subscriptionId}`,
    ...grantless,
    operation: 'deleteSubscriptionById',
    handler: deleteSubscriptionById,
  },
];
