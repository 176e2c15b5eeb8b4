import type { Knex } from 'knex';

/**
 * The fresh order headers of one orderSync page, between the activity that searched it and the one that signals its
 * orders: the next page is searched while this one is dispatched, and no header list passes through workflow history.
 * Headers only (id, marketplace, channel, Amazon status, lastUpdatedTime): no buyer data.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('order_sync_pages', (t) => {
    t.text('workflow_id').notNullable();
    t.text('run_id').notNullable();
    t.integer('page_no').notNullable();
    t.text('account_id').notNullable().references('seller_accounts.id').onDelete('CASCADE');
    t.jsonb('headers').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.primary(['workflow_id', 'run_id', 'page_no']);
    t.index(['created_at']); // the sweep of rows a terminated run left
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('order_sync_pages');
}
