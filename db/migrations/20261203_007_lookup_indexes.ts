import type { Knex } from 'knex';

/**
 * Indexes for the lookups that scanned sale_orders sequentially (EXPLAIN at 200,000 orders, bench/order-lookup.ts):
 * - by Amazon order id alone (`ship`, `orders show`, the API): the UNIQUE (account_id, amazon_order_id) needs the account;
 * - the PII purge's "is this contact still used by an order not yet purged" check;
 * - `orders list` newest first;
 * - delivery lines by order line (an import deleting lines Amazon no longer reports);
 * - snapshots by age (the PII sweep).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sale_orders', (t) => {
    t.index(['amazon_order_id'], 'sale_orders_amazon_order_id_index');
    t.index(['purchase_date', 'id'], 'sale_orders_purchase_date_index');
  });
  await knex.raw(
    'CREATE INDEX sale_orders_partner_unpurged_index ON sale_orders (partner_id) WHERE pii_purged_at IS NULL',
  );
  await knex.raw(
    'CREATE INDEX sale_orders_address_unpurged_index ON sale_orders (delivery_address_id) WHERE pii_purged_at IS NULL',
  );
  await knex.schema.alterTable('delivery_lines', (t) => t.index(['order_line_id']));
  await knex.schema.alterTable('amazon_order_snapshots', (t) => t.index(['last_updated_time']));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('amazon_order_snapshots', (t) => t.dropIndex(['last_updated_time']));
  await knex.schema.alterTable('delivery_lines', (t) => t.dropIndex(['order_line_id']));
  await knex.raw('DROP INDEX sale_orders_address_unpurged_index');
  await knex.raw('DROP INDEX sale_orders_partner_unpurged_index');
  await knex.schema.alterTable('sale_orders', (t) => {
    t.dropIndex([], 'sale_orders_purchase_date_index');
    t.dropIndex([], 'sale_orders_amazon_order_id_index');
  });
}
