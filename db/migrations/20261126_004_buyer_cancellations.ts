import type { Knex } from 'knex';

/** Amazon flags items the buyer asked to cancel: the warehouse must see them before it ships. */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sale_order_lines', (t) => {
    t.boolean('buyer_cancel_requested').notNullable().defaultTo(false);
    t.text('buyer_cancel_reason');
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('sale_order_lines', (t) => {
    t.dropColumn('buyer_cancel_reason');
    t.dropColumn('buyer_cancel_requested');
  });
}
