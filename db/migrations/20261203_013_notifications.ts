import type { Knex } from 'knex';

/**
 * SP-API notifications (docs/notifications.md): each account's subscription to a notification type with the SQS queue
 * it delivers to; the NotificationIds already handled (SQS delivers at least once, Amazon may send twice); and the
 * messages set aside because they could not be handled (malformed, unknown type), with the reason, for ops.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('notification_subscriptions', (t) => {
    t.text('account_id').notNullable().references('id').inTable('seller_accounts').onDelete('CASCADE');
    t.text('notification_type').notNullable();
    t.text('destination_id').notNullable();
    t.text('subscription_id').notNullable();
    t.text('queue_arn').notNullable();
    /** Where the consumer polls; null: found from the ARN with GetQueueUrl. */
    t.text('queue_url');
    t.boolean('enabled').notNullable().defaultTo(true);
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['account_id', 'notification_type']);
  });
  await knex.schema.createTable('processed_notifications', (t) => {
    t.text('notification_id').primary();
    t.text('account_id');
    t.text('notification_type').notNullable();
    t.text('amazon_order_id');
    /** signalled | stale (the book already held a newer update) | left_to_search (getOrder backlog: the search carries it) */
    t.text('outcome').notNullable();
    t.timestamp('event_time', { useTz: true });
    t.timestamp('processed_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.index(['processed_at']);
  });
  await knex.schema.createTable('set_aside_notifications', (t) => {
    t.bigIncrements('id');
    t.text('queue_url').notNullable();
    /** SQS's MessageId: a message received again (its delete failed) is set aside once. */
    t.text('message_id').notNullable();
    t.text('notification_id');
    t.text('notification_type');
    t.text('account_id');
    t.text('reason').notNullable();
    /** The message as received, cut at 64 KB (an ORDER_CHANGE carries no buyer name or address). */
    t.text('body').notNullable();
    t.timestamp('received_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.unique(['queue_url', 'message_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('set_aside_notifications');
  await knex.schema.dropTable('processed_notifications');
  await knex.schema.dropTable('notification_subscriptions');
}
