import type { Knex } from 'knex';

export interface AccountLocations {
  warehouseId: number;
  fbaId: number;
  customersId: number;
}

/** The account's warehouse (default WH), its virtual "Amazon FBA" location (created on first use) and Customers. */
export async function accountLocations(trx: Knex, accountId: string): Promise<AccountLocations> {
  const {
    rows: [row],
  } = await trx.raw(
    `SELECT a.warehouse_location_id, a.fba_location_id,
            (SELECT id FROM stock_locations WHERE code = 'WH') AS default_warehouse_id,
            (SELECT id FROM stock_locations WHERE code = 'CUSTOMERS') AS customers_id
       FROM (SELECT ?::text AS id) k LEFT JOIN seller_accounts a ON a.id = k.id`,
    [accountId],
  );
  let fbaId = row.fba_location_id as number | null;
  if (!fbaId) {
    await trx('stock_locations')
      .insert({ code: `FBA/${accountId}`, name: `Amazon FBA (${accountId})`, kind: 'fba' })
      .onConflict('code')
      .ignore();
    fbaId = (
      await trx('stock_locations')
        .where({ code: `FBA/${accountId}` })
        .first('id')
    ).id as number;
    await trx('seller_accounts').where({ id: accountId }).update({ fba_location_id: fbaId });
  }
  const warehouseId = (row.warehouse_location_id ?? row.default_warehouse_id) as number | null;
  if (!warehouseId || !row.customers_id) throw new Error('the system locations are missing: run the migrations');
  return { warehouseId, fbaId, customersId: row.customers_id };
}

export interface StockMove {
  reference: string;
  productId: number;
  fromId: number;
  toId: number;
  quantity: number;
  origin: string;
}

/** Posts a stock move once per reference (activities run at least once) and keeps the quants in step. */
export async function postMove(trx: Knex, move: StockMove): Promise<boolean> {
  return (await postMoves(trx, [move])) > 0;
}

/**
 * postMove for many moves in two statements: the moves not posted yet, then their quants (deltas summed per location
 * and product, in one order for every caller: concurrent posts of the same products wait, never deadlock). Returns
 * how many moves were new.
 */
export async function postMoves(trx: Knex, moves: StockMove[]): Promise<number> {
  if (moves.length === 0) return 0;
  const inserted: Array<{ reference: string }> = await trx('stock_moves')
    .insert(
      moves.map((m) => ({
        reference: m.reference,
        product_id: m.productId,
        from_location_id: m.fromId,
        to_location_id: m.toId,
        quantity: m.quantity,
        origin: m.origin,
      })),
    )
    .onConflict('reference')
    .ignore()
    .returning('reference');
  const posted = new Set(inserted.map((r) => r.reference));
  const deltas = new Map<string, { locationId: number; productId: number; delta: number }>();
  for (const m of moves) {
    if (!posted.delete(m.reference)) continue; // posted before, or a repeated reference
    for (const [locationId, delta] of [
      [m.fromId, -m.quantity],
      [m.toId, m.quantity],
    ]) {
      const key = `${locationId}:${m.productId}`;
      const quant = deltas.get(key) ?? { locationId, productId: m.productId, delta: 0 };
      quant.delta += delta;
      deltas.set(key, quant);
    }
  }
  const quants = [...deltas.values()].sort((a, b) => a.locationId - b.locationId || a.productId - b.productId);
  if (quants.length > 0) {
    await trx.raw(
      `INSERT INTO stock_quants (location_id, product_id, quantity)
       SELECT * FROM unnest(?::int[], ?::int[], ?::int[]) ORDER BY 1, 2
       ON CONFLICT (location_id, product_id) DO UPDATE SET quantity = stock_quants.quantity + EXCLUDED.quantity, updated_at = now()`,
      [quants.map((q) => q.locationId), quants.map((q) => q.productId), quants.map((q) => q.delta)],
    );
  }
  return inserted.length;
}
