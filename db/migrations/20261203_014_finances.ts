import type { Knex } from 'knex';

/**
 * Money after the sale (Finances API 2024-06-19 listTransactions): each transaction as Amazon sent it, its breakdown
 * leaves as lines (linked to order lines where the sku allows), payouts (settlement groups), a cursor per account,
 * and the mismatches reconciliation found. Amounts are numeric, in the currency Amazon sent, never converted.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('finance_transactions', (t) => {
    t.bigIncrements('id');
    t.text('account_id').notNullable().references('seller_accounts.id').onDelete('CASCADE');
    /** Amazon's transactionId: a status change (DEFERRED → DEFERRED_RELEASED) updates this row, never adds one. */
    t.text('transaction_id').notNullable().unique();
    t.text('transaction_type').notNullable(); // Shipment | Refund | Transfer | ...
    t.text('status').notNullable(); // DEFERRED | RELEASED | DEFERRED_RELEASED
    t.text('description');
    t.timestamp('posted_at', { useTz: true }).notNullable();
    t.text('marketplace_id');
    t.text('currency').notNullable();
    t.decimal('total', null).notNullable();
    t.text('amazon_order_id');
    /** Null until the order is in the book: linked when it arrives (linkFinanceOrders). */
    t.integer('order_id').references('sale_orders.id').onDelete('SET NULL');
    t.text('group_id'); // FINANCIAL_EVENT_GROUP_ID, once released
    t.text('settlement_id');
    t.text('refund_id');
    t.jsonb('related_identifiers').notNullable();
    t.jsonb('breakdowns').notNullable();
    t.jsonb('contexts');
    /** A digest of what Amazon sent: an unchanged transaction read again writes nothing. */
    t.text('digest').notNullable();
    t.timestamps(true, true);
    t.index(['account_id', 'posted_at']);
    t.index(['account_id', 'amazon_order_id']);
    t.index(['account_id', 'group_id']);
    t.index(['order_id']);
  });
  await knex.schema.createTable('finance_lines', (t) => {
    t.bigIncrements('id');
    t.bigInteger('transaction_row_id').notNullable().references('finance_transactions.id').onDelete('CASCADE');
    t.integer('item_index').notNullable(); // -1: a transaction-level amount (a transfer)
    /** The breakdown leaf's path, e.g. AmazonFees/Commission/Base. */
    t.text('path').notNullable();
    t.text('category').notNullable(); // product | shipping | gift_wrap | promotion | tax | fee | withheld_tax | transfer | other
    t.text('fee_type'); // Commission, FBAPerUnitFulfillmentFee, RefundCommission, ... for fees
    t.decimal('amount', null).notNullable();
    t.text('sku');
    t.text('asin');
    t.integer('quantity');
    t.text('adjustment_item_id');
    t.integer('order_line_id').references('sale_order_lines.id').onDelete('SET NULL');
    t.unique(['transaction_row_id', 'item_index', 'path']);
  });
  await knex.schema.createTable('payouts', (t) => {
    t.increments('id');
    t.text('account_id').notNullable().references('seller_accounts.id').onDelete('CASCADE');
    t.text('group_id').notNullable(); // FINANCIAL_EVENT_GROUP_ID
    t.text('settlement_id');
    t.text('marketplace_id');
    t.text('currency').notNullable();
    t.timestamp('period_start', { useTz: true });
    t.timestamp('period_end', { useTz: true });
    t.text('transfer_transaction_id');
    /** What reached the bank (positive) or was charged to the card (negative): minus the Transfer's amount. */
    t.decimal('transfer_amount', null);
    /** The sum of the group's transactions other than the transfer. */
    t.decimal('transactions_total', null).notNullable().defaultTo(0);
    t.integer('transaction_count').notNullable().defaultTo(0);
    t.text('status').notNullable().defaultTo('open'); // open | reconciled | mismatch
    t.timestamp('settled_at', { useTz: true });
    t.timestamps(true, true);
    t.unique(['account_id', 'group_id']);
  });
  await knex.schema.createTable('finance_cursors', (t) => {
    t.text('account_id').primary().references('seller_accounts.id').onDelete('CASCADE');
    /** The latest postedDate read: the next sync reads from here minus the overlap. */
    t.timestamp('posted_until', { useTz: true });
    t.timestamp('last_run_at', { useTz: true });
    t.integer('last_run_transactions');
  });
  await knex.schema.createTable('finance_mismatches', (t) => {
    t.increments('id');
    t.text('account_id').notNullable().references('seller_accounts.id').onDelete('CASCADE');
    t.text('kind').notNullable(); // order_charges | payout_total
    /** The order id or the settlement group id. */
    t.text('subject').notNullable();
    t.text('amazon_order_id');
    t.integer('payout_id').references('payouts.id').onDelete('CASCADE');
    t.text('currency').notNullable();
    t.decimal('expected', null).notNullable();
    t.decimal('actual', null).notNullable();
    t.decimal('difference', null).notNullable();
    t.text('explanation').notNullable();
    t.timestamp('detected_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('resolved_at', { useTz: true });
    t.unique(['account_id', 'kind', 'subject']);
  });
  /** An FBM refund expects its units back: received, they return to the warehouse (and to Amazon by stockSync). */
  await knex.schema.createTable('return_deliveries', (t) => {
    t.increments('id');
    t.text('account_id').notNullable().references('seller_accounts.id').onDelete('CASCADE');
    t.integer('order_id').notNullable().references('sale_orders.id').onDelete('CASCADE');
    /** The Refund transaction it comes from: one expected return per refund. */
    t.text('transaction_id').notNullable().unique();
    t.text('state').notNullable().defaultTo('expected'); // expected | received | cancelled
    t.timestamp('received_at', { useTz: true });
    t.text('received_by');
    t.timestamps(true, true);
    t.index(['account_id', 'state']);
  });
  await knex.schema.createTable('return_lines', (t) => {
    t.increments('id');
    t.integer('return_id').notNullable().references('return_deliveries.id').onDelete('CASCADE');
    t.integer('order_line_id').references('sale_order_lines.id').onDelete('SET NULL');
    t.integer('product_id').references('products.id');
    t.text('sku');
    t.integer('quantity').notNullable();
    t.integer('received_quantity').notNullable().defaultTo(0);
    t.unique(['return_id', 'order_line_id']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('return_lines');
  await knex.schema.dropTable('return_deliveries');
  await knex.schema.dropTable('finance_mismatches');
  await knex.schema.dropTable('finance_cursors');
  await knex.schema.dropTable('payouts');
  await knex.schema.dropTable('finance_lines');
  await knex.schema.dropTable('finance_transactions');
}
