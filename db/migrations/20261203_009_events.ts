import type { Knex } from 'knex';

/**
 * The outbox (book/events.ts): each change a downstream system cares about writes its event in the same transaction as
 * the change. `sequence` is handed out under a transaction-level advisory lock taken just before the insert and held
 * to commit, so sequence order is commit order and a reader of `sequence > cursor` never skips an event that commits
 * late. Webhook endpoints and their delivery attempts (servers/, workflows/webhook-delivery.ts) read the same table.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('events', (t) => {
    t.bigIncrements('sequence');
    t.text('type').notNullable();
    t.timestamp('occurred_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.text('account_id');
    t.text('marketplace_id');
    t.text('amazon_order_id');
    t.jsonb('data').notNullable();
    t.index(['occurred_at']);
    t.index(['amazon_order_id']);
  });
  await knex.schema.createTable('webhook_endpoints', (t) => {
    t.text('id').primary(); // whk_<random>
    t.text('url').notNullable();
    t.specificType('types', 'text[]').notNullable();
    t.text('description');
    /** Sealed with lib/secrets (the active CONNECTOR_SECRET_KEY): a signing key must be read back to sign. */
    t.text('secret_enc').notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.text('disabled_reason');
    /** The sequence of the last event delivered (or skipped as not subscribed). */
    t.bigInteger('cursor').notNullable().defaultTo(0);
    t.timestamps(true, true);
  });
  await knex.schema.createTable('webhook_attempts', (t) => {
    t.bigIncrements('id');
    t.text('endpoint_id').notNullable().references('webhook_endpoints.id').onDelete('CASCADE');
    t.bigInteger('event_sequence').notNullable();
    t.integer('status_code');
    t.integer('latency_ms').notNullable();
    t.text('error');
    t.timestamp('attempted_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('next_retry_at', { useTz: true });
    t.index(['endpoint_id', 'attempted_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('webhook_attempts');
  await knex.schema.dropTable('webhook_endpoints');
  await knex.schema.dropTable('events');
}
