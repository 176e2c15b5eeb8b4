import type { Knex } from 'knex';
import { z } from 'zod';
import { InvalidInput } from '../lib/errors';
import { NewEvent, orderLink } from './events';
import { accountLocations, postMoves } from './locations';
import { accountsSelling } from './offers';
import { operation } from './operation';

/**
 * Returns of seller-fulfilled orders. Amazon's Refund transaction says which units were refunded, not whether they
 * come back: an FBM refund creates an *expected* return of those units, which the warehouse receives (the stock goes
 * from Customers back to the account's warehouse, and the caller requests the debounced stockSync) or cancels.
 * FBA returns go back to Amazon's stock, not ours: none is expected for them.
 */

/** Expected returns for the FBM refunds of these orders (those linked to an order in the book), once per refund. */
export async function expectReturns(trx: Knex, accountId: string, amazonOrderIds: string[]): Promise<NewEvent[]> {
  if (amazonOrderIds.length === 0) return [];
  const refunds = await trx('finance_transactions as t')
    .join('sale_orders as o', 'o.id', 't.order_id')
    .leftJoin('return_deliveries as r', 'r.transaction_id', 't.transaction_id')
    .where({ 't.account_id': accountId, 't.transaction_type': 'Refund', 'o.channel': 'FBM' })
    .whereIn('t.amazon_order_id', amazonOrderIds)
    .whereNull('r.id')
    .select('t.id', 't.transaction_id', 't.order_id', 't.amazon_order_id', 'o.marketplace_id');
  const events: NewEvent[] = [];
  for (const refund of refunds) {
    // One row per refunded item (its units are on every line of the item).
    const items = await trx.raw(
      `SELECT DISTINCT ON (fl.item_index) fl.order_line_id, fl.sku, fl.quantity, sol.product_id
         FROM finance_lines fl LEFT JOIN sale_order_lines sol ON sol.id = fl.order_line_id
        WHERE fl.transaction_row_id = ? AND fl.item_index >= 0 AND fl.quantity > 0
        ORDER BY fl.item_index, fl.id`,
      [refund.id],
    );
    if (items.rows.length === 0) continue;
    const [row] = await trx('return_deliveries')
      .insert({ account_id: accountId, order_id: refund.order_id, transaction_id: refund.transaction_id })
      .onConflict('transaction_id')
      .ignore()
      .returning('id');
    if (!row) continue;
    await trx('return_lines').insert(
      items.rows.map((i: any) => ({
        return_id: row.id,
        order_line_id: i.order_line_id,
        product_id: i.product_id,
        sku: i.sku,
        quantity: i.quantity,
      })),
    );
    const units = items.rows.reduce((s: number, i: any) => s + Number(i.quantity), 0);
    events.push({
      type: 'order.return_expected',
      account: accountId,
      marketplace: refund.marketplace_id,
      amazonOrderId: refund.amazon_order_id,
      data: {
        reason: `refunded: expect ${units} unit(s) back (return ${row.id})`,
        link: orderLink(accountId, refund.amazon_order_id),
      },
    });
  }
  return events;
}

export const ReturnView = z.object({
  id: z.number().int(),
  account: z.string(),
  amazonOrderId: z.string(),
  transactionId: z.string(),
  state: z.enum(['expected', 'received', 'cancelled']),
  receivedAt: z.string().nullable(),
  lines: z.array(
    z.object({ sku: z.string().nullable(), quantity: z.number().int(), receivedQuantity: z.number().int() }),
  ),
});
export type ReturnView = z.infer<typeof ReturnView>;

async function returnViews(db: Knex, where: (q: Knex.QueryBuilder) => void): Promise<ReturnView[]> {
  const q = db('return_deliveries as r')
    .join('sale_orders as o', 'o.id', 'r.order_id')
    .orderBy('r.id')
    .select('r.*', 'o.amazon_order_id');
  where(q);
  const rows = await q;
  const lines = await db('return_lines')
    .whereIn(
      'return_id',
      rows.map((r) => r.id),
    )
    .orderBy('id');
  return rows.map((r) => ({
    id: r.id,
    account: r.account_id,
    amazonOrderId: r.amazon_order_id,
    transactionId: r.transaction_id,
    state: r.state,
    receivedAt: r.received_at ? new Date(r.received_at).toISOString() : null,
    lines: lines
      .filter((l) => l.return_id === r.id)
      .map((l) => ({ sku: l.sku, quantity: l.quantity, receivedQuantity: l.received_quantity })),
  }));
}

export const listReturns = operation(
  {
    name: 'listReturns',
    input: z.object({
      account: z.string().optional(),
      amazonOrderId: z.string().optional(),
      state: z.enum(['expected', 'received', 'cancelled']).optional(),
    }),
    output: z.array(ReturnView),
  },
  async (db, input) =>
    returnViews(db, (q) => {
      if (input.account) q.where('r.account_id', input.account);
      if (input.amazonOrderId) q.where('o.amazon_order_id', input.amazonOrderId);
      if (input.state) q.where('r.state', input.state);
    }),
);

/**
 * Receives an expected return: every unit back from Customers into the account's warehouse, once (a second receipt
 * of the same return is refused). Returns the accounts whose FBM quantities changed: request their stockSync.
 */
export const receiveReturn = operation(
  {
    name: 'receiveReturn',
    input: z.object({ id: z.number().int().positive(), receivedBy: z.string().min(1).max(200) }),
    output: z.object({ return: ReturnView, moved: z.number().int(), accounts: z.array(z.string()) }),
  },
  async (db, { id, receivedBy }) =>
    db.transaction(async (trx) => {
      const r = await trx('return_deliveries').where({ id }).forUpdate().first();
      if (!r) throw new InvalidInput(`no return ${id}: see \`connector returns list\``, 'id');
      if (r.state !== 'expected') throw new InvalidInput(`return ${id} is ${r.state}, not expected`, 'id');
      const lines = await trx('return_lines').where({ return_id: id }).orderBy('id');
      const locations = await accountLocations(trx, r.account_id);
      // Only products of the catalog have stock: a line on "Amazon Sale" (a SKU not in the catalog) moves nothing.
      const stocked = new Set<number>(
        await trx('products')
          .whereIn('id', lines.map((l) => l.product_id).filter(Boolean))
          .whereNotNull('sku')
          .pluck('id'),
      );
      const moves = lines
        .filter((l) => stocked.has(l.product_id))
        .map((l) => ({
          reference: `return:${id}:line:${l.id}`,
          productId: l.product_id,
          fromId: locations.customersId,
          toId: locations.warehouseId,
          quantity: l.quantity,
          origin: `return ${id} (${receivedBy})`,
        }));
      const moved = await postMoves(trx, moves);
      for (const l of lines) await trx('return_lines').where({ id: l.id }).update({ received_quantity: l.quantity });
      await trx('return_deliveries')
        .where({ id })
        .update({ state: 'received', received_at: trx.fn.now(), received_by: receivedBy, updated_at: trx.fn.now() });
      const accounts = await accountsSelling(trx, { productIds: moves.map((m) => m.productId) });
      const [view] = await returnViews(trx, (q) => q.where('r.id', id));
      return { return: view, moved, accounts };
    }),
);
