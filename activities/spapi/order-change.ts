import Ajv, { ValidateFunction } from 'ajv';
import addFormats from 'ajv-formats';
import type { FulfillmentStatus } from '../../lib/amazon-facts';
import { spApiModel } from '../../lib/sp-api-models';
import type { OrderHeader } from '../../workflows/order-types';

/**
 * Amazon's notifications (lib/sp-api-models/*Notification.json, its JSON Schemas): checked against the schema; an
 * ORDER_CHANGE is then reduced to the header an order workflow is signalled with. Pure: no I/O.
 */

/** Summary.OrderStatus (Orders v0 words) → Orders 2026-01-01 FulfillmentStatus, what our headers carry. */
const ORDER_STATUS: Record<string, FulfillmentStatus> = {
  Pending: 'PENDING',
  PendingAvailability: 'PENDING_AVAILABILITY',
  Unshipped: 'UNSHIPPED',
  PartiallyShipped: 'PARTIALLY_SHIPPED',
  Shipped: 'SHIPPED',
  // v0: every item shipped, the invoice not yet confirmed to Amazon (CN).
  InvoiceUnconfirmed: 'SHIPPED',
  Canceled: 'CANCELLED',
  Unfulfillable: 'UNFULFILLABLE',
};

export interface NotificationEnvelope {
  NotificationVersion: string;
  NotificationType: string;
  PayloadVersion: string;
  EventTime: string;
  Payload: Record<string, any>;
  NotificationMetadata: { ApplicationId: string; SubscriptionId: string; PublishTime: string; NotificationId: string };
}

const validators = new Map<string, ValidateFunction>();

/** Amazon's schema of a notification (a file of lib/sp-api-models), compiled once per process (ajv, formats checked). */
function notificationValidator(file: string): ValidateFunction {
  let validate = validators.get(file);
  if (!validate) {
    const schema = { ...spApiModel(file) };
    delete schema.$schema; // draft-07, ajv's default; its meta-schema URL without '#' is not one ajv knows
    const ajv = new Ajv({ strict: false, allErrors: true });
    addFormats(ajv);
    validate = ajv.compile(schema);
    validators.set(file, validate);
  }
  return validate;
}

export type Checked<T> = { ok: true; value: T } | { ok: false; reason: string };

/** A message against Amazon's schema of its type: the envelope, or the first few violations with their JSON paths. */
function checkNotification(schemaFile: string, type: string, message: unknown): Checked<NotificationEnvelope> {
  const validate = notificationValidator(schemaFile);
  if (validate(message)) {
    const envelope = message as NotificationEnvelope;
    if (envelope.NotificationType !== type)
      return { ok: false, reason: `NotificationType ${envelope.NotificationType} is not ${type}` };
    return { ok: true, value: envelope };
  }
  const errors = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`);
  return { ok: false, reason: `not a valid ${type} notification by Amazon's schema: ${errors.join('; ')}` };
}

export const checkOrderChange = (message: unknown) =>
  checkNotification('OrderChangeNotification.json', 'ORDER_CHANGE', message);

/** TRANSACTION_UPDATE (Finances): only its seller matters to us, the sync reads from the account's cursor. */
export const checkTransactionUpdate = (message: unknown) =>
  checkNotification('TransactionUpdateNotification.json', 'TRANSACTION_UPDATE', message);

const validTime = (t: unknown): t is string => typeof t === 'string' && !Number.isNaN(Date.parse(t));

/**
 * The order header of a valid ORDER_CHANGE. Its time is Amazon's TimeOfOrderChange (the order's lastUpdatedTime, what
 * the book and a search compare), else the notification's EventTime: the order workflow keeps the newest header it
 * was given, so an older status arriving late never moves the order backwards.
 */
export function orderChangeHeader(envelope: NotificationEnvelope): Checked<OrderHeader> {
  const change = envelope.Payload.OrderChangeNotification;
  const summary = change.Summary;
  const amazonStatus = ORDER_STATUS[summary.OrderStatus];
  if (!amazonStatus) return { ok: false, reason: `Summary.OrderStatus ${summary.OrderStatus} is not one we know` };
  const when = change.OrderChangeTrigger?.TimeOfOrderChange;
  const lastUpdatedTime = validTime(when) ? when : envelope.EventTime;
  if (!validTime(lastUpdatedTime))
    return { ok: false, reason: 'neither OrderChangeTrigger.TimeOfOrderChange nor EventTime is a date-time' };
  return {
    ok: true,
    value: {
      amazonOrderId: change.AmazonOrderId,
      marketplaceId: summary.MarketplaceId,
      channel: summary.FulfillmentType === 'AFN' ? 'FBA' : 'FBM',
      amazonStatus,
      lastUpdatedTime: new Date(lastUpdatedTime).toISOString(),
    },
  };
}
