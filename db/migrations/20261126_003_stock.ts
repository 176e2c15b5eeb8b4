import type { Knex } from 'knex';

/**
 * Stock sync: what Amazon shows for each offer, the per-run record of quantities sent (so a feed's report can be
 * applied after a durable sleep without passing 100k SKUs through workflow history), one run per account at a time,
 * and FBA drift.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('offers', (t) => {
    t.text('amazon_channel_code'); // DEFAULT | AMAZON_NA | AMAZON_EU ... as the listing last showed it
    t.timestamp('listing_checked_at', { useTz: true });
    t.index(['account_id', 'channel']);
  });

  // Products looked up on Amazon for an account and marketplace and not listed there: not asked again for a day.
  await knex.schema.createTable('listing_lookups', (t) => {
    t.text('account_id').notNullable().references('seller_accounts.id').onDelete('CASCADE');
    t.text('marketplace_id').notNullable();
    t.text('seller_sku').notNullable();
    t.boolean('found').notNullable();
    t.timestamp('checked_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['account_id', 'marketplace_id', 'seller_sku']);
  });

  await knex.schema.alterTable('stock_sync_runs', (t) => {
    t.text('workflow_id');
    t.text('reason'); // schedule | manual | stock-change
    t.integer('changed').notNullable().defaultTo(0);
    t.integer('skipped').notNullable().defaultTo(0);
    t.index(['account_id', 'kind', 'started_at']);
  });

  // One feed (≤ 25,000 messages) or one batch of patchListingsItem calls of a run, for one marketplace.
  await knex.schema.createTable('stock_sync_submissions', (t) => {
    t.increments('id');
    t.integer('run_id').notNullable().references('stock_sync_runs.id').onDelete('CASCADE');
    t.text('marketplace_id').notNullable();
    t.integer('chunk').notNullable().defaultTo(0);
    t.text('transport').notNullable(); // feed | patch
    t.text('feed_id');
    t.text('processing_status'); // Amazon's: IN_QUEUE | IN_PROGRESS | DONE | FATAL | CANCELLED
    t.text('result_document_id');
    t.integer('messages').notNullable().defaultTo(0);
    t.integer('accepted').notNullable().defaultTo(0);
    t.integer('rejected').notNullable().defaultTo(0);
    t.text('error');
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('finished_at', { useTz: true });
    t.unique(['run_id', 'marketplace_id', 'chunk']);
  });

  // Each changed offer of a run: the quantity computed, then its fate (planned → ready|skipped|rejected → submitted →
  // accepted|rejected|failed). Only accepted items become the offer's last_sent_quantity.
  await knex.schema.createTable('stock_sync_items', (t) => {
    t.integer('run_id').notNullable().references('stock_sync_runs.id').onDelete('CASCADE');
    t.integer('offer_id').notNullable().references('offers.id').onDelete('CASCADE');
    t.text('marketplace_id').notNullable();
    t.text('seller_sku').notNullable();
    t.text('product_type');
    t.integer('quantity').notNullable();
    t.integer('submission_id').references('stock_sync_submissions.id').onDelete('SET NULL');
    t.integer('message_id');
    t.text('status').notNullable();
    t.text('error');
    t.primary(['run_id', 'offer_id']);
    t.index(['submission_id', 'message_id']);
    t.index(['run_id', 'status']);
  });

  // One stock sync per account at a time: a run's report must be applied before the next run computes what changed.
  await knex.schema.createTable('stock_sync_leases', (t) => {
    t.text('account_id').primary().references('seller_accounts.id').onDelete('CASCADE');
    t.text('run_key').notNullable();
    t.text('workflow_id').notNullable();
    t.text('workflow_run_id').notNullable();
    t.timestamp('acquired_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });

  // What the last fbaStockSync found: Amazon's fulfillable quantity against what our moves predicted.
  await knex.schema.createTable('fba_stock_drift', (t) => {
    t.text('account_id').notNullable().references('seller_accounts.id').onDelete('CASCADE');
    t.integer('product_id').notNullable().references('products.id').onDelete('CASCADE');
    t.text('seller_skus').notNullable();
    t.integer('predicted').notNullable();
    t.integer('amazon').notNullable();
    t.timestamp('recorded_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['account_id', 'product_id']);
  });

  // The quantity rule reads these per product: keep them indexed for 100k offers.
  await knex.schema.alterTable('delivery_lines', (t) => t.index(['product_id']));
  await knex.raw(`CREATE INDEX deliveries_open_idx ON deliveries (order_id) WHERE state = 'open'`);
  await knex.schema.alterTable('stock_moves', (t) => t.index(['product_id']));
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('stock_moves', (t) => t.dropIndex(['product_id']));
  await knex.raw('DROP INDEX IF EXISTS deliveries_open_idx');
  await knex.schema.alterTable('delivery_lines', (t) => t.dropIndex(['product_id']));
  for (const table of [
    'fba_stock_drift',
    'stock_sync_leases',
    'stock_sync_items',
    'stock_sync_submissions',
    'listing_lookups',
  ]) {
    await knex.schema.dropTableIfExists(table);
  }
  await knex.schema.alterTable('stock_sync_runs', (t) => {
    t.dropIndex(['account_id', 'kind', 'started_at']);
    t.dropColumns('workflow_id', 'reason', 'changed', 'skipped');
  });
  await knex.schema.alterTable('offers', (t) => {
    t.dropIndex(['account_id', 'channel']);
    t.dropColumns('amazon_channel_code', 'listing_checked_at');
  });
}
