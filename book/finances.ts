import type { Knex } from 'knex';
import Decimal from 'decimal.js';
import { z } from 'zod';
import { emit, NewEvent, orderLink } from './events';
import { MappedTransaction } from './finance-records';
import { checkOrderCharges, reconcilePayouts } from './finance-reconcile';
import { operation } from './operation';
import { expectReturns } from './returns';

/**
 * Finances transactions in the book (Finances API 2024-06-19): stored idempotently by Amazon's transactionId (a
 * status change updates the row; an unchanged transaction read again writes nothing), linked to the order and its
 * lines once the order is in the book, then the payouts and orders they touch are reconciled, all in one transaction
 * with the events it gives (order.refunded, payout.settled, finance.mismatch).
 */

const Count = z.number().int().min(0);

export const storeTransactions = operation(
  {
    name: 'storeTransactions',
    input: z.object({ accountId: z.string().min(1), transactions: z.array(MappedTransaction) }),
    output: z.object({
      inserted: Count,
      updated: Count,
      unchanged: Count,
      latestPostedAt: z.string().nullable(),
      events: Count,
    }),
  },
  async (db, { accountId, transactions }) => {
    // Amazon may serve a transaction twice within a read (overlapping pages): the last copy wins.
    const byId = new Map(transactions.map((t) => [t.transactionId, t]));
    const unique = [...byId.values()];
    const latestPostedAt = unique.reduce<string | null>((m, t) => (!m || t.postedAt > m ? t.postedAt : m), null);
    return db.transaction(async (trx) => {
      const existing = new Map<string, { id: number; digest: string; account_id: string }>();
      for (const ids of chunks([...byId.keys()], 1000))
        for (const r of await trx('finance_transactions')
          .whereIn('transaction_id', ids)
          .select('id', 'transaction_id', 'digest', 'account_id'))
          existing.set(r.transaction_id, r);
      const fresh = unique.filter((t) => !existing.has(t.transactionId));
      const changed = unique.filter((t) => {
        const e = existing.get(t.transactionId);
        if (e && e.account_id !== accountId)
          throw new Error(`transaction ${t.transactionId} is stored for account ${e.account_id}, not ${accountId}`);
        return e && e.digest !== t.digest;
      });
      const rowOf = (t: MappedTransaction) => ({
        account_id: accountId,
        transaction_id: t.transactionId,
        transaction_type: t.transactionType,
        status: t.status,
        description: t.description,
        posted_at: t.postedAt,
        marketplace_id: t.marketplaceId,
        currency: t.currency,
        total: t.total,
        amazon_order_id: t.amazonOrderId,
        group_id: t.groupId,
        settlement_id: t.settlementId,
        refund_id: t.refundId,
        related_identifiers: JSON.stringify(t.relatedIdentifiers),
        breakdowns: JSON.stringify(t.breakdowns),
        contexts: t.contexts ? JSON.stringify(t.contexts) : null,
        digest: t.digest,
      });
      const rowIds = new Map<string, number>();
      for (const part of chunks(fresh, 500)) {
        const rows = await trx('finance_transactions').insert(part.map(rowOf)).returning(['id', 'transaction_id']);
        for (const r of rows) rowIds.set(r.transaction_id, Number(r.id));
      }
      for (const t of changed) {
        const id = existing.get(t.transactionId)!.id;
        await trx('finance_transactions')
          .where({ id })
          .update({ ...rowOf(t), updated_at: trx.fn.now() });
        await trx('finance_lines').where({ transaction_row_id: id }).delete();
        rowIds.set(t.transactionId, Number(id));
      }
      const lines = [...fresh, ...changed].flatMap((t) =>
        t.lines.map((l) => ({
          transaction_row_id: rowIds.get(t.transactionId),
          item_index: l.itemIndex,
          path: l.path,
          category: l.category,
          fee_type: l.feeType,
          amount: l.amount,
          sku: l.sku,
          asin: l.asin,
          quantity: l.quantity,
          adjustment_item_id: l.adjustmentItemId,
        })),
      );
      for (const part of chunks(lines, 2000)) await trx('finance_lines').insert(part);

      const touched = [...fresh, ...changed];
      const orderIds = [...new Set(touched.map((t) => t.amazonOrderId).filter((o): o is string => !!o))];
      await linkOrders(trx, accountId, orderIds, { linesAlways: true });
      const events: NewEvent[] = [
        ...fresh.filter((t) => t.transactionType === 'Refund' && t.amazonOrderId).map((t) => refundEvent(accountId, t)),
        ...(await reconcilePayouts(trx, accountId, [
          ...new Set(touched.map((t) => t.groupId).filter((g): g is string => !!g)),
        ])),
        ...(await checkOrderCharges(trx, accountId, orderIds)),
        ...(await expectReturns(trx, accountId, orderIds)),
      ];
      await emit(trx, events); // last: see book/events.ts
      return {
        inserted: fresh.length,
        updated: changed.length,
        unchanged: unique.length - fresh.length - changed.length,
        latestPostedAt,
        events: events.length,
      };
    });
  },
);

function refundEvent(accountId: string, t: MappedTransaction): NewEvent {
  const by = (cats: string[]) =>
    t.lines.filter((l) => cats.includes(l.category)).reduce((s, l) => s.plus(l.amount), new Decimal(0));
  return {
    type: 'order.refunded',
    account: accountId,
    marketplace: t.marketplaceId,
    amazonOrderId: t.amazonOrderId,
    data: {
      transactionId: t.transactionId,
      refundId: t.refundId,
      postedAt: t.postedAt,
      currency: t.currency,
      total: t.total,
      product: by(['product', 'gift_wrap', 'promotion']).toFixed(),
      shipping: by(['shipping']).toFixed(),
      tax: by(['tax']).toFixed(),
      fees: by(['fee']).toFixed(),
      link: orderLink(accountId, t.amazonOrderId!),
    },
  };
}

/**
 * Links the account's transactions of these orders (all unlinked ones when `amazonOrderIds` is undefined) to the
 * orders now in the book, and their item lines to the order's product line of the same sku.
 */
export async function linkOrders(
  trx: Knex,
  accountId: string,
  amazonOrderIds?: string[],
  options: { linesAlways?: boolean } = {},
): Promise<number> {
  if (amazonOrderIds && amazonOrderIds.length === 0) return 0;
  const only = amazonOrderIds ? trx.raw('AND ft.amazon_order_id = ANY(?)', [amazonOrderIds]) : trx.raw('');
  const linked = await trx.raw(
    `UPDATE finance_transactions ft SET order_id = so.id
       FROM sale_orders so
      WHERE ft.account_id = ? AND ft.order_id IS NULL AND ft.amazon_order_id IS NOT NULL ${only}
        AND so.account_id = ft.account_id AND so.amazon_order_id = ft.amazon_order_id`,
    [accountId],
  );
  // New or rewritten lines need linking even under an order linked before; an order's import only after linking.
  if (!options.linesAlways && !linked.rowCount) return 0;
  await trx.raw(
    `UPDATE finance_lines fl SET order_line_id = (
        SELECT min(sol.id) FROM sale_order_lines sol
         WHERE sol.order_id = ft.order_id AND sol.kind = 'product' AND sol.sku = fl.sku)
       FROM finance_transactions ft
      WHERE fl.transaction_row_id = ft.id AND ft.account_id = ? AND ft.order_id IS NOT NULL
        AND fl.order_line_id IS NULL AND fl.sku IS NOT NULL ${only}`,
    [accountId],
  );
  return linked.rowCount ?? 0;
}

/** In an order's import: its transactions that came first are linked now, and its charges checked. */
export async function financeOnOrderImport(trx: Knex, accountId: string, amazonOrderId: string): Promise<NewEvent[]> {
  const linked = await linkOrders(trx, accountId, [amazonOrderId]);
  if (!linked) return [];
  return [
    ...(await checkOrderCharges(trx, accountId, [amazonOrderId])),
    ...(await expectReturns(trx, accountId, [amazonOrderId])),
  ];
}

/** The account's finance cursor: where the next sync reads from (minus its overlap), and the oldest deferral. */
export const financeCursor = operation(
  {
    name: 'financeCursor',
    input: z.object({ accountId: z.string().min(1) }),
    output: z.object({ postedUntil: z.string().nullable(), oldestDeferred: z.string().nullable() }),
  },
  async (db, { accountId }) => {
    const cursor = await db('finance_cursors').where({ account_id: accountId }).first();
    const deferred = await db('finance_transactions')
      .where({ account_id: accountId, status: 'DEFERRED' })
      .min({ at: 'posted_at' })
      .first();
    const iso = (d: Date | null | undefined) => (d ? new Date(d).toISOString() : null);
    return { postedUntil: iso(cursor?.posted_until), oldestDeferred: iso(deferred?.at) };
  },
);

export const advanceFinanceCursor = operation(
  {
    name: 'advanceFinanceCursor',
    input: z.object({
      accountId: z.string().min(1),
      postedUntil: z.string().datetime().nullable(),
      transactions: Count,
    }),
    output: z.object({ postedUntil: z.string().nullable() }),
  },
  async (db, input) => {
    // Never backwards: a run over an older window (--since) leaves a later cursor as it is.
    const [row] = await db('finance_cursors')
      .insert({
        account_id: input.accountId,
        posted_until: input.postedUntil,
        last_run_at: db.fn.now(),
        last_run_transactions: input.transactions,
      })
      .onConflict('account_id')
      .merge({
        posted_until: db.raw('GREATEST(finance_cursors.posted_until, EXCLUDED.posted_until)'),
        last_run_at: db.fn.now(),
        last_run_transactions: input.transactions,
      })
      .returning('posted_until');
    return { postedUntil: row.posted_until ? new Date(row.posted_until).toISOString() : null };
  },
);

function chunks<T>(xs: T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < xs.length; i += size) out.push(xs.slice(i, i + size));
  return out;
}
