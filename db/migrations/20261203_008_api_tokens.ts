import type { Knex } from 'knex';

/**
 * Book API v1 (servers/api-v1): tokens stored as SHA-256 hashes of high-entropy secrets (the secret is printed once and
 * never stored), with scopes and an optional expiry; and the answers of writes, kept per Idempotency-Key so that a
 * replayed request returns the first answer and does nothing twice.
 */
export async function up(knex: Knex): Promise<void> {
  // The pick list shows how each delivery must ship (Amazon's fulfillmentServiceLevel); filled by the next import.
  await knex.schema.alterTable('sale_orders', (t) => {
    t.text('ship_service_level');
    // GET /v1/orders pages by (updated_at, id), and `q` finds orders by a prefix of their Amazon id.
    t.index(['updated_at', 'id'], 'sale_orders_updated_index');
  });
  await knex.raw(
    'CREATE INDEX sale_orders_amazon_order_id_prefix_index ON sale_orders (amazon_order_id text_pattern_ops)',
  );
  await knex.schema.createTable('api_tokens', (t) => {
    t.increments('id');
    t.text('name').notNullable().unique();
    t.text('token_hash').notNullable().unique();
    t.specificType('scopes', 'text[]').notNullable();
    t.timestamp('expires_at', { useTz: true });
    t.timestamp('revoked_at', { useTz: true });
    t.timestamp('last_used_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.schema.createTable('api_idempotency', (t) => {
    t.integer('token_id').notNullable().references('api_tokens.id').onDelete('CASCADE');
    t.text('key').notNullable();
    t.text('method').notNullable();
    t.text('path').notNullable();
    /** SHA-256 of the request body: the same key with another body is refused (409). */
    t.text('body_hash').notNullable();
    t.integer('status'); // null while the first request is still being answered
    t.jsonb('response');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('completed_at', { useTz: true });
    t.primary(['token_id', 'key']);
    t.index(['created_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('api_idempotency');
  await knex.schema.dropTable('api_tokens');
  await knex.raw('DROP INDEX sale_orders_amazon_order_id_prefix_index');
  await knex.schema.alterTable('sale_orders', (t) => {
    t.dropIndex([], 'sale_orders_updated_index');
    t.dropColumn('ship_service_level');
  });
}
