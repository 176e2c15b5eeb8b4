import { z } from 'zod';
import { UnknownAccount } from '../lib/errors';
import { operation } from './operation';

/**
 * SP-API notifications in the book (docs/notifications.md): each account's subscriptions and their SQS queue, the
 * NotificationIds already handled (dedup: SQS delivers at least once), and the messages set aside with the reason.
 */

const AccountId = z.string().min(1);
const NotificationType = z.string().regex(/^[A-Z_]+$/, 'is not a notification type (like ORDER_CHANGE)');

export const NotificationSubscription = z.object({
  accountId: z.string(),
  sellerId: z.string(),
  notificationType: z.string(),
  destinationId: z.string(),
  subscriptionId: z.string(),
  queueArn: z.string(),
  queueUrl: z.string().nullable(),
  enabled: z.boolean(),
  createdAt: z.string(),
});
export type NotificationSubscription = z.infer<typeof NotificationSubscription>;

const toSubscription = (r: any): NotificationSubscription => ({
  accountId: r.account_id,
  sellerId: r.seller_id,
  notificationType: r.notification_type,
  destinationId: r.destination_id,
  subscriptionId: r.subscription_id,
  queueArn: r.queue_arn,
  queueUrl: r.queue_url,
  enabled: r.enabled,
  createdAt: new Date(r.created_at).toISOString(),
});

const subscriptionRows = (db: import('knex').Knex) =>
  db('notification_subscriptions as n')
    .join('seller_accounts as a', 'a.id', 'n.account_id')
    .select('n.*', 'a.seller_id');

/** Records (or updates) the account's subscription to a type: `notifications subscribe` is idempotent. */
export const saveSubscription = operation(
  {
    name: 'saveSubscription',
    input: z.object({
      accountId: AccountId,
      notificationType: NotificationType,
      destinationId: z.string().min(1),
      subscriptionId: z.string().min(1),
      queueArn: z.string().regex(/^arn:aws:sqs:[^:\s]+:[^:\s]+:\S+$/, 'is not an SQS queue ARN'),
      queueUrl: z
        .url({ error: 'must be the queue URL SQS gave, like https://sqs.us-east-1.amazonaws.com/1234/name' })
        .optional(),
    }),
    output: NotificationSubscription,
  },
  async (db, input) => {
    const account = await db('seller_accounts').where({ id: input.accountId }).first('id');
    if (!account) throw new UnknownAccount(input.accountId);
    const row = {
      account_id: input.accountId,
      notification_type: input.notificationType,
      destination_id: input.destinationId,
      subscription_id: input.subscriptionId,
      queue_arn: input.queueArn,
      queue_url: input.queueUrl ?? null,
      enabled: true,
      updated_at: db.fn.now(),
    };
    await db('notification_subscriptions').insert(row).onConflict(['account_id', 'notification_type']).merge();
    const saved = await subscriptionRows(db)
      .where({ 'n.account_id': input.accountId, 'n.notification_type': input.notificationType })
      .first();
    return toSubscription(saved);
  },
);

/** The account's subscription to a type, if it has one. */
export const findSubscription = operation(
  {
    name: 'findSubscription',
    input: z.object({ accountId: AccountId, notificationType: NotificationType }),
    output: NotificationSubscription.optional(),
  },
  async (db, input) => {
    const row = await subscriptionRows(db)
      .where({ 'n.account_id': input.accountId, 'n.notification_type': input.notificationType })
      .first();
    return row ? toSubscription(row) : undefined;
  },
);

export const listSubscriptions = operation(
  {
    name: 'listSubscriptions',
    input: z.object({ accountId: AccountId.optional(), enabledOnly: z.boolean().optional() }),
    output: z.array(NotificationSubscription),
  },
  async (db, input) => {
    const q = subscriptionRows(db).orderBy(['n.account_id', 'n.notification_type']);
    if (input.accountId) q.where('n.account_id', input.accountId);
    // A disabled account's messages are not consumed: they wait in the queue (or its retention ends them).
    if (input.enabledOnly) q.where({ 'n.enabled': true, 'a.enabled': true });
    return (await q).map(toSubscription);
  },
);

export const removeSubscription = operation(
  {
    name: 'removeSubscription',
    input: z.object({ accountId: AccountId, notificationType: NotificationType }),
    output: z.boolean(),
  },
  async (db, input) =>
    (await db('notification_subscriptions')
      .where({ account_id: input.accountId, notification_type: input.notificationType })
      .delete()) > 0,
);

/**
 * The account a message is for: by its SubscriptionId (ours, per account), else by the SellerId of its payload (one
 * queue may serve every seller of the application).
 */
export const accountOfNotification = operation(
  {
    name: 'accountOfNotification',
    input: z.object({ subscriptionId: z.string().optional(), sellerId: z.string().optional() }),
    output: z.string().optional(),
  },
  async (db, input) => {
    if (input.subscriptionId) {
      const row = await db('notification_subscriptions')
        .where({ subscription_id: input.subscriptionId })
        .first('account_id');
      if (row) return row.account_id as string;
    }
    if (input.sellerId) {
      const row = await db('seller_accounts').where({ seller_id: input.sellerId }).first('id');
      if (row) return row.id as string;
    }
    return undefined;
  },
);

export const isNotificationProcessed = operation(
  { name: 'isNotificationProcessed', input: z.object({ notificationId: z.string().min(1) }), output: z.boolean() },
  async (db, { notificationId }) =>
    Boolean(await db('processed_notifications').where({ notification_id: notificationId }).first('notification_id')),
);

export const NotificationOutcome = z.enum(['signalled', 'stale', 'left_to_search']);

/** Marks a NotificationId handled (after its signal was accepted). False: it already was (a duplicate). */
export const recordProcessedNotification = operation(
  {
    name: 'recordProcessedNotification',
    input: z.object({
      notificationId: z.string().min(1),
      accountId: AccountId,
      notificationType: NotificationType,
      amazonOrderId: z.string().optional(),
      outcome: NotificationOutcome,
      eventTime: z.iso.datetime({ offset: true }).optional(),
    }),
    output: z.boolean(),
  },
  async (db, input) => {
    const inserted = await db('processed_notifications')
      .insert({
        notification_id: input.notificationId,
        account_id: input.accountId,
        notification_type: input.notificationType,
        amazon_order_id: input.amazonOrderId ?? null,
        outcome: input.outcome,
        event_time: input.eventTime ?? null,
      })
      .onConflict('notification_id')
      .ignore()
      .returning('notification_id');
    return inserted.length > 0;
  },
);

/** Counts of handled notifications by outcome (tests, bench, `notifications list --json`). */
export const processedNotificationCounts = operation(
  {
    name: 'processedNotificationCounts',
    input: z.object({ accountId: AccountId.optional() }),
    output: z.record(z.string(), z.number()),
  },
  async (db, input) => {
    const q = db('processed_notifications').select('outcome').count({ n: '*' }).groupBy('outcome');
    if (input.accountId) q.where({ account_id: input.accountId });
    return Object.fromEntries((await q).map((r: any) => [r.outcome, Number(r.n)]));
  },
);

/** SQS keeps a message 14 days at most: a NotificationId older than that cannot come back. */
export const sweepProcessedNotifications = operation(
  {
    name: 'sweepProcessedNotifications',
    input: z.object({ olderThanMs: z.number().int().positive() }),
    output: z.number(),
  },
  async (db, { olderThanMs }) =>
    db('processed_notifications')
      .where('processed_at', '<', new Date(Date.now() - olderThanMs))
      .delete(),
);

const MAX_BODY = 65_536;

export const SetAsideNotification = z.object({
  id: z.number(),
  queueUrl: z.string(),
  messageId: z.string(),
  notificationId: z.string().nullable(),
  notificationType: z.string().nullable(),
  accountId: z.string().nullable(),
  reason: z.string(),
  body: z.string(),
  receivedAt: z.string(),
});
export type SetAsideNotification = z.infer<typeof SetAsideNotification>;

/** A message that cannot be handled, kept with the reason (once per SQS message) so it never blocks the queue. */
export const setAsideNotification = operation(
  {
    name: 'setAsideNotification',
    input: z.object({
      queueUrl: z.string().min(1),
      messageId: z.string().min(1),
      notificationId: z.string().optional(),
      notificationType: z.string().optional(),
      accountId: z.string().optional(),
      reason: z.string().min(1),
      body: z.string(),
    }),
    output: z.void(),
  },
  async (db, input) => {
    await db('set_aside_notifications')
      .insert({
        queue_url: input.queueUrl,
        message_id: input.messageId,
        notification_id: input.notificationId ?? null,
        notification_type: input.notificationType ?? null,
        account_id: input.accountId ?? null,
        reason: input.reason.slice(0, 2000),
        body: input.body.slice(0, MAX_BODY),
      })
      .onConflict(['queue_url', 'message_id'])
      .ignore();
  },
);

export const listSetAsideNotifications = operation(
  {
    name: 'listSetAsideNotifications',
    input: z.object({ accountId: AccountId.optional(), limit: z.number().int().min(1).max(1000).default(100) }),
    output: z.array(SetAsideNotification),
  },
  async (db, input) => {
    const q = db('set_aside_notifications').orderBy('id', 'desc').limit(input.limit);
    if (input.accountId) q.where({ account_id: input.accountId });
    return (await q).map((r: any) => ({
      id: Number(r.id),
      queueUrl: r.queue_url,
      messageId: r.message_id,
      notificationId: r.notification_id,
      notificationType: r.notification_type,
      accountId: r.account_id,
      reason: r.reason,
      body: r.body,
      receivedAt: new Date(r.received_at).toISOString(),
    }));
  },
);

/**
 * When the book last took Amazon's update of an order (its lastUpdatedTime), if it holds the order: a notification
 * no newer than this is stale and needs no signal.
 */
export const orderAmazonUpdatedAt = operation(
  {
    name: 'orderAmazonUpdatedAt',
    input: z.object({ accountId: AccountId, amazonOrderId: z.string().min(1) }),
    output: z.string().optional(),
  },
  async (db, input) => {
    const row = await db('sale_orders')
      .where({ account_id: input.accountId, amazon_order_id: input.amazonOrderId })
      .first('amazon_updated_at');
    return row?.amazon_updated_at ? new Date(row.amazon_updated_at).toISOString() : undefined;
  },
);
