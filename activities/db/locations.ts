import type { Knex } from 'knex';

export interface AccountLocations {
  warehouseId: number;
  fbaId: number;
  customersId: number;
}

/** The account's warehouse (default WH), its virtual "Amazon FBA" location (created on first use) and Customers. */
export async function accountLocations(trx: Knex, accountId: string): Promise<AccountLocations> {
  const account = await trx('seller_accounts')
    .where({ id: accountId })
    .first('warehouse_location_id', 'fba_location_id');
  const byCode = async (code: string) => (await trx('stock_locations').where({ code }).first('id')).id as number;
  let fbaId = account?.fba_location_id as number | null;
  if (!fbaId) {
    await trx('stock_locations')
      .insert({ code: `FBA/${accountId}`, name: `Amazon FBA (${accountId})`, kind: 'fba' })
      .onConflict('code')
      .ignore();
    fbaId = await byCode(`FBA/${accountId}`);
    await trx('seller_accounts').where({ id: accountId }).update({ fba_location_id: fbaId });
  }
  return {
    warehouseId: (account?.warehouse_location_id as number | null) ?? (await byCode('WH')),
    fbaId,
    customersId: await byCode('CUSTOMERS'),
  };
}

/** Posts a stock move once per reference (activities run at least once) and keeps the quants in step. */
export async function postMove(
  trx: Knex,
  move: { reference: string; productId: number; fromId: number; toId: number; quantity: number; origin: string },
): Promise<boolean> {
  const inserted = await trx('stock_moves')
    .insert({
      reference: move.reference,
      product_id: move.productId,
      from_location_id: move.fromId,
      to_location_id: move.toId,
      quantity: move.quantity,
      origin: move.origin,
    })
    .onConflict('reference')
    .ignore()
    .returning('id');
  if (inserted.length === 0) return false;
  for (const [locationId, delta] of [
    [move.fromId, -move.quantity],
    [move.toId, move.quantity],
  ]) {
    await trx.raw(
      `INSERT INTO stock_quants (location_id, product_id, quantity) VALUES (?, ?, ?)
       ON CONFLICT (location_id, product_id) DO UPDATE SET quantity = stock_quants.quantity + EXCLUDED.quantity, updated_at = now()`,
      [locationId, move.productId, delta],
    );
  }
  return true;
}
