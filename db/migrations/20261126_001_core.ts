import type { Knex } from 'knex';

/** The book: accounts, catalog, partners, orders, deliveries, stock. Money is numeric, never float. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('marketplaces', (t) => {
    t.text('id').primary(); // Amazon marketplace id
    t.text('code').notNullable().unique();
    t.text('name').notNullable();
    t.text('country_code').notNullable();
    t.text('domain').notNullable();
    t.text('region').notNullable(); // na | eu | fe
    t.text('currency').notNullable();
    t.timestamps(true, true);
  });

  await knex.schema.createTable('stock_locations', (t) => {
    t.increments('id');
    t.text('code').notNullable().unique();
    t.text('name').notNullable();
    t.text('kind').notNullable(); // internal | fba | customer | inventory
  });

  await knex.schema.createTable('seller_accounts', (t) => {
    t.text('id').primary(); // slug chosen by the user, e.g. demo-eu; stable: part of workflow ids
    t.text('seller_id').notNullable().unique(); // Amazon selling partner id
    t.text('region').notNullable();
    t.text('endpoint'); // null = Amazon's hosts; else a sandbox base URL
    t.text('client_id').notNullable();
    t.text('client_secret_enc').notNullable();
    t.text('refresh_token_enc').notNullable();
    t.text('secret_key_id').notNullable();
    t.boolean('enabled').notNullable().defaultTo(true);
    t.timestamp('order_cursor', { useTz: true });
    t.integer('pii_retention_days'); // null: PII_RETENTION from the config (30 days by default)
    t.integer('warehouse_location_id').references('stock_locations.id');
    t.integer('fba_location_id').references('stock_locations.id');
    t.timestamps(true, true);
  });

  await knex.schema.createTable('account_marketplaces', (t) => {
    t.text('account_id').notNullable().references('seller_accounts.id').onDelete('CASCADE');
    t.text('marketplace_id').notNullable().references('marketplaces.id');
    t.boolean('participating').notNullable().defaultTo(true);
    t.boolean('enabled').notNullable().defaultTo(true);
    t.primary(['account_id', 'marketplace_id']);
  });

  await knex.schema.createTable('products', (t) => {
    t.increments('id');
    t.text('sku').unique(); // null only for system products
    t.text('system_key').unique(); // amazon_sale | amazon_shipping
    t.text('name').notNullable();
    t.text('description');
    t.decimal('list_price', null);
    t.timestamps(true, true);
  });

  await knex.schema.createTable('offers', (t) => {
    t.increments('id');
    t.text('account_id').notNullable().references('seller_accounts.id').onDelete('CASCADE');
    t.text('marketplace_id').notNullable().references('marketplaces.id');
    t.text('seller_sku').notNullable();
    t.integer('product_id').notNullable().references('products.id');
    t.text('asin');
    t.text('channel').notNullable().defaultTo('FBM'); // FBM | FBA
    t.text('product_type');
    t.integer('safety_stock').notNullable().defaultTo(0);
    t.integer('last_sent_quantity');
    t.timestamp('last_sent_at', { useTz: true });
    t.text('last_error');
    t.timestamp('last_error_at', { useTz: true });
    t.timestamps(true, true);
    t.unique(['account_id', 'marketplace_id', 'seller_sku']);
  });

  await knex.schema.createTable('partners', (t) => {
    t.increments('id');
    t.text('account_id').notNullable().references('seller_accounts.id').onDelete('CASCADE');
    t.integer('parent_id').references('partners.id');
    t.text('type').notNullable(); // contact | delivery
    t.text('match_key').notNullable(); // buyer:<email> / order:<id> for contacts, addr:<hash> for addresses
    t.text('name');
    t.text('company');
    t.text('email');
    t.text('phone');
    t.text('street');
    t.text('street2');
    t.text('street3');
    t.text('city');
    t.text('district');
    t.text('state_or_region');
    t.text('postal_code');
    t.text('country_code');
    t.timestamp('pii_purged_at', { useTz: true });
    t.timestamps(true, true);
    t.unique(['account_id', 'match_key']);
  });

  await knex.schema.createTable('sale_orders', (t) => {
    t.increments('id');
    t.text('account_id').notNullable().references('seller_accounts.id').onDelete('CASCADE');
    t.text('amazon_order_id').notNullable();
    // Not a foreign key: an order of a marketplace we don't know yet is still recorded, flagged needs_attention.
    t.text('marketplace_id').notNullable();
    t.text('channel'); // FBA | FBM; null until imported
    t.text('amazon_status').notNullable();
    t.text('state').notNullable(); // confirmed | partially_shipped | shipped | cancelled | needs_attention ...
    t.text('currency');
    t.timestamp('purchase_date', { useTz: true });
    t.timestamp('amazon_updated_at', { useTz: true });
    t.timestamp('latest_ship_date', { useTz: true });
    t.text('ship_by_status'); // null | ship_risk | late: set by the order workflow's ship-by timer
    t.integer('partner_id').references('partners.id');
    t.integer('delivery_address_id').references('partners.id');
    t.decimal('amount_untaxed', null).notNullable().defaultTo(0);
    t.decimal('amount_tax', null).notNullable().defaultTo(0);
    t.decimal('amount_total', null).notNullable().defaultTo(0);
    t.decimal('amazon_grand_total', null);
    t.boolean('is_business').notNullable().defaultTo(false);
    t.boolean('is_prime').notNullable().defaultTo(false);
    t.text('gift_message');
    t.text('attention_reason');
    t.text('attention_source'); // import | shipment | confirmation | cancellation
    t.text('workflow_id');
    t.timestamp('delivered_at', { useTz: true });
    t.timestamp('pii_purge_due_at', { useTz: true });
    t.timestamp('pii_purged_at', { useTz: true });
    t.timestamps(true, true);
    t.unique(['account_id', 'amazon_order_id']);
    t.index(['state']);
  });

  await knex.schema.createTable('sale_order_lines', (t) => {
    t.increments('id');
    t.integer('order_id').notNullable().references('sale_orders.id').onDelete('CASCADE');
    t.text('line_key').notNullable(); // item:<orderItemId>, shipping:<orderItemId>, gift_wrap:<id>, ...
    t.integer('sequence').notNullable();
    t.text('kind').notNullable(); // product | shipping | gift_wrap | discount | note
    t.text('amazon_order_item_id');
    t.text('sku');
    t.integer('product_id').references('products.id');
    t.text('name').notNullable();
    t.decimal('quantity', null).notNullable().defaultTo(0);
    t.decimal('unit_price', null).notNullable().defaultTo(0);
    t.decimal('discount', null).notNullable().defaultTo(0);
    t.decimal('tax', null).notNullable().defaultTo(0);
    t.decimal('subtotal', null).notNullable().defaultTo(0); // untaxed: quantity × unit price − discount
    t.text('note');
    t.unique(['order_id', 'line_key']);
  });

  await knex.schema.createTable('deliveries', (t) => {
    t.increments('id');
    t.integer('order_id').notNullable().references('sale_orders.id').onDelete('CASCADE');
    t.text('ref').notNullable(); // main | pkg:<packageReferenceId>
    t.text('state').notNullable(); // open | done | cancelled
    t.integer('package_reference_id');
    t.text('carrier_code');
    t.text('carrier_name');
    t.text('tracking_number');
    t.text('shipping_method');
    t.timestamp('ship_date', { useTz: true });
    t.text('confirmation_state'); // pending | confirmed | rejected
    t.text('confirmation_error');
    t.text('gift_message');
    t.text('note');
    t.timestamp('done_at', { useTz: true });
    t.timestamps(true, true);
    t.unique(['order_id', 'ref']);
  });

  await knex.schema.createTable('delivery_lines', (t) => {
    t.increments('id');
    t.integer('delivery_id').notNullable().references('deliveries.id').onDelete('CASCADE');
    t.integer('order_line_id').notNullable().references('sale_order_lines.id').onDelete('CASCADE');
    t.integer('product_id').references('products.id');
    t.text('sku');
    t.text('amazon_order_item_id');
    t.integer('quantity').notNullable();
    t.unique(['delivery_id', 'order_line_id']);
  });

  await knex.schema.createTable('stock_quants', (t) => {
    t.integer('location_id').notNullable().references('stock_locations.id');
    t.integer('product_id').notNullable().references('products.id');
    t.integer('quantity').notNullable().defaultTo(0);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['location_id', 'product_id']);
  });

  await knex.schema.createTable('stock_moves', (t) => {
    t.increments('id');
    t.text('reference').notNullable().unique(); // idempotency key, e.g. order:12:line:40
    t.integer('product_id').notNullable().references('products.id');
    t.integer('from_location_id').notNullable().references('stock_locations.id');
    t.integer('to_location_id').notNullable().references('stock_locations.id');
    t.integer('quantity').notNullable();
    t.text('origin');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  await knex.schema.createTable('fba_inventory', (t) => {
    t.text('account_id').notNullable().references('seller_accounts.id').onDelete('CASCADE');
    t.text('marketplace_id').notNullable().references('marketplaces.id');
    t.text('seller_sku').notNullable();
    t.text('asin');
    t.text('fn_sku');
    t.integer('fulfillable_quantity').notNullable().defaultTo(0);
    t.integer('total_quantity').notNullable().defaultTo(0);
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['account_id', 'marketplace_id', 'seller_sku']);
  });

  await knex.schema.createTable('stock_sync_runs', (t) => {
    t.increments('id');
    t.text('account_id').notNullable().references('seller_accounts.id').onDelete('CASCADE');
    t.text('kind').notNullable(); // fbm | fba
    t.text('run_key').notNullable().unique(); // workflow run id + group: idempotent on retry
    t.text('status').notNullable(); // submitted | done | fatal | nothing_to_send
    t.text('feed_id');
    t.integer('messages').notNullable().defaultTo(0);
    t.integer('accepted').notNullable().defaultTo(0);
    t.integer('rejected').notNullable().defaultTo(0);
    t.text('error');
    t.timestamp('started_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
  });

  // The newest Order payload seen by searchOrders, so that importing it costs no getOrder call. Consumed by the import.
  await knex.schema.createTable('amazon_order_snapshots', (t) => {
    t.text('account_id').notNullable().references('seller_accounts.id').onDelete('CASCADE');
    t.text('amazon_order_id').notNullable();
    t.timestamp('last_updated_time', { useTz: true }).notNullable();
    t.jsonb('payload').notNullable();
    t.primary(['account_id', 'amazon_order_id']);
  });

  // One token bucket per (seller, operation), shared by every worker process.
  await knex.schema.createTable('rate_buckets', (t) => {
    t.text('bucket_key').primary();
    t.double('tokens').notNullable();
    t.timestamp('refilled_at', { useTz: true }).notNullable();
  });
}

export async function down(knex: Knex): Promise<void> {
  for (const table of [
    'rate_buckets',
    'amazon_order_snapshots',
    'stock_sync_runs',
    'fba_inventory',
    'stock_moves',
    'stock_quants',
    'delivery_lines',
    'deliveries',
    'sale_order_lines',
    'sale_orders',
    'partners',
    'offers',
    'products',
    'account_marketplaces',
    'seller_accounts',
    'stock_locations',
    'marketplaces',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
}
