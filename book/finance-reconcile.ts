import type { Knex } from 'knex';
import Decimal from 'decimal.js';
import type { NewEvent } from './events';
import { orderLink } from './events';
import { CHARGE_CATEGORIES } from './finance-records';

/**
 * Reconciliation, inside the transaction that stored what changed:
 * - a payout (settlement group) reconciles when the sum of its transactions equals its transfer, to the cent;
 * - an order's charges in Finances (the Sales of its Shipment transactions) must equal its proceeds in the Orders
 *   API (amazon_grand_total) once every unit is charged, and may never exceed them.
 * A difference is a finance_mismatches row with both amounts (and a finance.mismatch event); it is resolved, not
 * deleted, when the figures agree again.
 */

export const payoutLink = (id: number) => `/v1/payouts/${id}`;

export async function reconcilePayouts(trx: Knex, accountId: string, groupIds: string[]): Promise<NewEvent[]> {
  if (groupIds.length === 0) return [];
  const { rows } = await trx.raw(
    `SELECT group_id, max(currency) AS currency, max(marketplace_id) AS marketplace_id,
            max(settlement_id) AS settlement_id,
            coalesce(sum(total) FILTER (WHERE transaction_type <> 'Transfer'), 0) AS transactions_total,
            count(*) FILTER (WHERE transaction_type <> 'Transfer') AS transaction_count,
            min(posted_at) FILTER (WHERE transaction_type <> 'Transfer') AS first_posted,
            max(posted_at) AS last_posted,
            max(transaction_id) FILTER (WHERE transaction_type = 'Transfer') AS transfer_transaction_id,
            max(posted_at) FILTER (WHERE transaction_type = 'Transfer') AS transfer_posted,
            sum(total) FILTER (WHERE transaction_type = 'Transfer') AS transfer_total
       FROM finance_transactions WHERE account_id = ? AND group_id = ANY(?) GROUP BY group_id`,
    [accountId, groupIds],
  );
  const events: NewEvent[] = [];
  for (const g of rows) {
    const previous = await trx('payouts').where({ account_id: accountId, group_id: g.group_id }).first();
    const txs = new Decimal(g.transactions_total);
    // The transfer leaves the Amazon account: its amount is minus what the seller receives.
    const transfer = g.transfer_total === null ? null : new Decimal(g.transfer_total).negated();
    const status = transfer === null ? 'open' : transfer.eq(txs) ? 'reconciled' : 'mismatch';
    const values = {
      account_id: accountId,
      group_id: g.group_id,
      settlement_id: g.settlement_id,
      marketplace_id: g.marketplace_id,
      currency: g.currency,
      period_start: g.first_posted,
      period_end: g.transfer_posted ?? g.last_posted,
      transfer_transaction_id: g.transfer_transaction_id,
      transfer_amount: transfer?.toFixed() ?? null,
      transactions_total: txs.toFixed(),
      transaction_count: Number(g.transaction_count),
      status,
      settled_at: status === 'reconciled' ? (previous?.settled_at ?? trx.fn.now()) : null,
      updated_at: trx.fn.now(),
    };
    const [row] = await trx('payouts')
      .insert(values)
      .onConflict(['account_id', 'group_id'])
      .merge(values)
      .returning(['id', 'period_start', 'period_end']);
    if (status === 'reconciled' && previous?.status !== 'reconciled')
      events.push({
        type: 'payout.settled',
        account: accountId,
        marketplace: g.marketplace_id,
        data: {
          payoutId: row.id,
          groupId: g.group_id,
          settlementId: g.settlement_id,
          currency: g.currency,
          amount: transfer!.toFixed(),
          transactions: Number(g.transaction_count),
          periodStart: row.period_start ? new Date(row.period_start).toISOString() : null,
          periodEnd: row.period_end ? new Date(row.period_end).toISOString() : null,
          link: payoutLink(row.id),
        },
      });
    const mismatch = await recordMismatch(trx, {
      accountId,
      kind: 'payout_total',
      subject: g.group_id,
      payoutId: row.id,
      amazonOrderId: null,
      marketplaceId: g.marketplace_id,
      currency: g.currency,
      // Only a transfer can be compared: an open group has nothing to disagree with yet.
      expected: transfer,
      actual: txs,
      explanation: 'the transfer differs from the sum of the settlement group’s transactions',
      link: payoutLink(row.id),
    });
    if (mismatch) events.push(mismatch);
  }
  return events;
}

export async function checkOrderCharges(trx: Knex, accountId: string, amazonOrderIds: string[]): Promise<NewEvent[]> {
  if (amazonOrderIds.length === 0) return [];
  const { rows } = await trx.raw(
    `WITH items AS (
       SELECT DISTINCT ON (fl.transaction_row_id, fl.item_index) ft.order_id, fl.quantity
         FROM finance_transactions ft JOIN finance_lines fl ON fl.transaction_row_id = ft.id
        WHERE ft.account_id = ? AND ft.transaction_type = 'Shipment' AND ft.amazon_order_id = ANY(?)
          AND fl.item_index >= 0)
     SELECT so.id, so.amazon_order_id, so.marketplace_id, so.amazon_grand_total, so.currency,
            (SELECT coalesce(sum(quantity), 0) FROM sale_order_lines
              WHERE order_id = so.id AND kind = 'product') AS ordered_units,
            (SELECT coalesce(sum(quantity), 0) FROM items WHERE items.order_id = so.id) AS charged_units,
            (SELECT coalesce(sum(fl.amount), 0) FROM finance_transactions ft
               JOIN finance_lines fl ON fl.transaction_row_id = ft.id
              WHERE ft.order_id = so.id AND ft.transaction_type = 'Shipment' AND fl.category = ANY(?)) AS charges,
            (SELECT count(*) FROM finance_transactions ft
              WHERE ft.order_id = so.id AND ft.transaction_type = 'Shipment') AS shipments
       FROM sale_orders so WHERE so.account_id = ? AND so.amazon_order_id = ANY(?)`,
    [accountId, amazonOrderIds, CHARGE_CATEGORIES, accountId, amazonOrderIds],
  );
  const events: NewEvent[] = [];
  for (const o of rows) {
    if (Number(o.shipments) === 0 || o.amazon_grand_total === null) continue;
    const proceeds = new Decimal(o.amazon_grand_total);
    const charges = new Decimal(o.charges);
    const complete = new Decimal(o.charged_units).gte(o.ordered_units);
    // Before every unit is charged, fewer charges are expected; more never are.
    const compare = complete || charges.gt(proceeds);
    const mismatch = await recordMismatch(trx, {
      accountId,
      kind: 'order_charges',
      subject: o.amazon_order_id,
      payoutId: null,
      amazonOrderId: o.amazon_order_id,
      marketplaceId: o.marketplace_id,
      currency: o.currency ?? 'USD',
      expected: compare ? proceeds : null,
      actual: charges,
      explanation: 'the order’s charges in Finances differ from its proceeds in the Orders API',
      link: orderLink(accountId, o.amazon_order_id),
    });
    if (mismatch) events.push(mismatch);
  }
  return events;
}

/**
 * Records (or resolves) a mismatch; the finance.mismatch event when it is new, its amounts changed, or it resolved.
 * `expected` null: nothing to compare yet (an open mismatch stays as it is).
 */
async function recordMismatch(
  trx: Knex,
  m: {
    accountId: string;
    kind: 'payout_total' | 'order_charges';
    subject: string;
    payoutId: number | null;
    amazonOrderId: string | null;
    marketplaceId: string | null;
    currency: string;
    expected: Decimal | null;
    actual: Decimal;
    explanation: string;
    link: string;
  },
): Promise<NewEvent | undefined> {
  if (m.expected === null) return undefined;
  const key = { account_id: m.accountId, kind: m.kind, subject: m.subject };
  const previous = await trx('finance_mismatches').where(key).first();
  const difference = m.actual.minus(m.expected);
  const event = (resolved: boolean): NewEvent => ({
    type: 'finance.mismatch',
    account: m.accountId,
    marketplace: m.marketplaceId,
    amazonOrderId: m.amazonOrderId,
    data: {
      kind: m.kind,
      subject: m.subject,
      currency: m.currency,
      expected: m.expected!.toFixed(),
      actual: m.actual.toFixed(),
      difference: difference.toFixed(),
      resolved,
      explanation: m.explanation,
      link: m.link,
    },
  });
  if (difference.isZero()) {
    if (!previous || previous.resolved_at) return undefined;
    await trx('finance_mismatches').where({ id: previous.id }).update({ resolved_at: trx.fn.now() });
    return event(true);
  }
  const values = {
    ...key,
    amazon_order_id: m.amazonOrderId,
    payout_id: m.payoutId,
    currency: m.currency,
    expected: m.expected.toFixed(),
    actual: m.actual.toFixed(),
    difference: difference.toFixed(),
    explanation: m.explanation,
    resolved_at: null,
  };
  if (previous && !previous.resolved_at && new Decimal(previous.difference).eq(difference)) return undefined;
  if (previous) await trx('finance_mismatches').where({ id: previous.id }).update(values);
  else await trx('finance_mismatches').insert(values);
  return event(false);
}
