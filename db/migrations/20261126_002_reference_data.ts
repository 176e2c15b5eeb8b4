import type { Knex } from 'knex';
import { SEEDED_MARKETPLACES, SYSTEM_LOCATIONS, SYSTEM_PRODUCTS } from '../seeds/reference-data';

/** Seeds the 9 marketplaces, the default products and the system locations. Safe to run twice. */
export async function up(knex: Knex): Promise<void> {
  await knex('marketplaces')
    .insert(SEEDED_MARKETPLACES.map((m) => ({ ...m })))
    .onConflict('id')
    .ignore();
  await knex('products')
    .insert(SYSTEM_PRODUCTS.map((p) => ({ ...p })))
    .onConflict('system_key')
    .ignore();
  await knex('stock_locations')
    .insert(SYSTEM_LOCATIONS.map((l) => ({ ...l })))
    .onConflict('code')
    .ignore();
}

export async function down(knex: Knex): Promise<void> {
  await knex('stock_locations')
    .whereIn(
      'code',
      SYSTEM_LOCATIONS.map((l) => l.code),
    )
    .delete();
  await knex('products')
    .whereIn(
      'system_key',
      SYSTEM_PRODUCTS.map((p) => p.system_key),
    )
    .delete();
  await knex('marketplaces')
    .whereIn(
      'id',
      SEEDED_MARKETPLACES.map((m) => m.id),
    )
    .delete();
}
