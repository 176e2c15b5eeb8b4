import type { Knex } from 'knex';

/**
 * The pick list's order on the delivery itself. Its order is the order's latest ship date, which lived only on
 * sale_orders: no index could give it, so every page joined and sorted all open deliveries (70–120 ms a page at
 * 10,000 open FBM orders, bench/api.ts). The delivery keeps a copy, written with it by the order import (and on each
 * re-import that moves the date) and by a package's insert, so a page of open deliveries is a range scan of this
 * partial index from the cursor on.
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('deliveries', (t) => t.timestamp('latest_ship_date', { useTz: true }));
  await knex.raw(
    `UPDATE deliveries d SET latest_ship_date = o.latest_ship_date FROM sale_orders o
     WHERE o.id = d.order_id AND o.latest_ship_date IS NOT NULL`,
  );
  await knex.raw(
    `CREATE INDEX deliveries_open_ship_key_index ON deliveries ((COALESCE(latest_ship_date, 'infinity'::timestamptz)), id)
     WHERE state = 'open'`,
  );
  // An expression index has no statistics until ANALYZE: without them a page may be planned as a sort.
  await knex.raw('ANALYZE deliveries');
}

export async function down(knex: Knex): Promise<void> {
  await knex.raw('DROP INDEX deliveries_open_ship_key_index');
  await knex.schema.alterTable('deliveries', (t) => t.dropColumn('latest_ship_date'));
}
