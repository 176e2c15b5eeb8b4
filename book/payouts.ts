import type { Knex } from 'knex';
import Decimal from 'decimal.js';
import { z } from 'zod';
import { Cursor, decodeCursor, Limit, page } from './cursor';
import { operation } from './operation';

/**
 * The read side of Finances: an order's fees, refunds (credit notes) and net proceeds; payouts with their
 * reconciliation and transactions; open mismatches. Amounts are decimal strings in the currency Amazon sent.
 */

const Amount = z.string().describe('a decimal in the currency Amazon sent, e.g. "-4.80"');
const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);
const dec = (v: unknown) => new Decimal(String(v ?? 0));

export const CreditNote = z.object({
  transactionId: z.string(),
  refundId: z.string().nullable(),
  postedAt: z.string(),
  total: Amount.describe('what the refund took from the seller, fee reversals included'),
  lines: z.object({
    product: Amount,
    shipping: Amount,
    giftWrap: Amount,
    promotion: Amount,
    tax: Amount,
    fees: Amount.describe('fee reversals minus the refund administration fee'),
    withheldTax: Amount,
  }),
  items: z.array(z.object({ sku: z.string().nullable(), quantity: z.number().int().nullable(), total: Amount })),
});

export const OrderFinance = z.object({
  currency: z.string(),
  /** What the buyer paid, as Finances charged it (Sales of the Shipment transactions). */
  charges: Amount,
  /** Amazon's fees by type over every transaction of the order (refund reversals and refund fees included). */
  fees: z.array(z.object({ type: z.string(), amount: Amount })),
  refunds: z.array(CreditNote),
  /** The sum of the order's transactions: what the seller keeps after fees and refunds. */
  net: Amount,
  transactions: z.number().int(),
});
export type OrderFinance = z.infer<typeof OrderFinance>;

/** Fees, refunds and net of one order (null before Finances has any transaction of it). */
export async function orderFinance(db: Knex, orderId: number): Promise<OrderFinance | null> {
  const txs = await db('finance_transactions').where({ order_id: orderId }).orderBy(['posted_at', 'id']);
  if (txs.length === 0) return null;
  const lines = await db('finance_lines')
    .whereIn(
      'transaction_row_id',
      txs.map((t) => t.id),
    )
    .orderBy('id');
  const linesOf = (id: unknown) => lines.filter((l) => String(l.transaction_row_id) === String(id));
  const sumOf = (ls: any[], ...cats: string[]) =>
    ls.filter((l) => cats.includes(l.category)).reduce((s, l) => s.plus(dec(l.amount)), new Decimal(0));
  const fees = new Map<string, Decimal>();
  for (const l of lines.filter((x) => x.category === 'fee'))
    fees.set(l.fee_type, (fees.get(l.fee_type) ?? new Decimal(0)).plus(dec(l.amount)));
  const shipments = txs.filter((t) => t.transaction_type === 'Shipment');
  const charges = shipments.reduce(
    (s, t) => s.plus(sumOf(linesOf(t.id), 'product', 'shipping', 'gift_wrap', 'promotion', 'tax')),
    new Decimal(0),
  );
  return {
    currency: txs[0].currency,
    charges: charges.toFixed(),
    fees: [...fees.entries()].map(([type, amount]) => ({ type, amount: amount.toFixed() })),
    refunds: txs
      .filter((t) => t.transaction_type === 'Refund')
      .map((t) => {
        const ls = linesOf(t.id);
        const items = new Map<number, { sku: string | null; quantity: number | null; total: Decimal }>();
        for (const l of ls.filter((x) => x.item_index >= 0)) {
          const item = items.get(l.item_index) ?? { sku: l.sku, quantity: l.quantity, total: new Decimal(0) };
          item.total = item.total.plus(dec(l.amount));
          items.set(l.item_index, item);
        }
        return {
          transactionId: t.transaction_id,
          refundId: t.refund_id,
          postedAt: iso(t.posted_at)!,
          total: dec(t.total).toFixed(),
          lines: {
            product: sumOf(ls, 'product').toFixed(),
            shipping: sumOf(ls, 'shipping').toFixed(),
            giftWrap: sumOf(ls, 'gift_wrap').toFixed(),
            promotion: sumOf(ls, 'promotion').toFixed(),
            tax: sumOf(ls, 'tax').toFixed(),
            fees: sumOf(ls, 'fee').toFixed(),
            withheldTax: sumOf(ls, 'withheld_tax').toFixed(),
          },
          items: [...items.values()].map((i) => ({ ...i, total: i.total.toFixed() })),
        };
      }),
    net: txs.reduce((s, t) => s.plus(dec(t.total)), new Decimal(0)).toFixed(),
    transactions: txs.length,
  };
}

export const PAYOUT_STATUSES = ['open', 'reconciled', 'mismatch'] as const;

export const PayoutRow = z.object({
  id: z.number().int(),
  account: z.string(),
  groupId: z.string().describe("Amazon's FINANCIAL_EVENT_GROUP_ID"),
  settlementId: z.string().nullable(),
  marketplaceId: z.string().nullable(),
  currency: z.string(),
  periodStart: z.string().nullable(),
  periodEnd: z.string().nullable(),
  status: z
    .enum(PAYOUT_STATUSES)
    .describe('open: no transfer yet; reconciled: transfer = sum of transactions, to the cent; mismatch: they differ'),
  transfer: Amount.nullable().describe('what reached the bank (negative: charged to the card)'),
  transactionsTotal: Amount,
  difference: Amount.nullable().describe('transactionsTotal − transfer'),
  transactions: z.number().int(),
  settledAt: z.string().nullable(),
});
export type PayoutRow = z.infer<typeof PayoutRow>;

const payoutRow = (p: any): PayoutRow => ({
  id: p.id,
  account: p.account_id,
  groupId: p.group_id,
  settlementId: p.settlement_id,
  marketplaceId: p.marketplace_id,
  currency: p.currency,
  periodStart: iso(p.period_start),
  periodEnd: iso(p.period_end),
  status: p.status,
  transfer: p.transfer_amount === null ? null : dec(p.transfer_amount).toFixed(),
  transactionsTotal: dec(p.transactions_total).toFixed(),
  difference: p.transfer_amount === null ? null : dec(p.transactions_total).minus(dec(p.transfer_amount)).toFixed(),
  transactions: p.transaction_count,
  settledAt: iso(p.settled_at),
});

/** Payouts, newest period first ((period_end, id) descending), with a cursor like the other lists. */
export const listPayouts = operation(
  {
    name: 'listPayouts',
    input: z.object({
      account: z.string().optional(),
      status: z.enum(PAYOUT_STATUSES).optional(),
      limit: Limit,
      cursor: Cursor,
    }),
    output: z.object({ items: z.array(PayoutRow), nextCursor: z.string().nullable() }),
  },
  async (db, input) => {
    const q = db('payouts')
      .orderByRaw('period_end DESC NULLS LAST, id DESC')
      .limit(input.limit + 1)
      .select('*', db.raw("coalesce(period_end, 'infinity')::text AS end_key"));
    if (input.account) q.where('account_id', input.account);
    if (input.status) q.where('status', input.status);
    if (input.cursor) {
      const [end, id] = decodeCursor(z.tuple([z.string(), z.number().int()]), input.cursor);
      q.whereRaw("(coalesce(period_end, 'infinity'), id) < (?::timestamptz, ?)", [end, id]);
    }
    const rows = await q;
    const { items, nextCursor } = page(rows, input.limit, (p) => [p.end_key, p.id]);
    return { items: items.map(payoutRow), nextCursor };
  },
);

export const Mismatch = z.object({
  id: z.number().int(),
  account: z.string(),
  kind: z.enum(['payout_total', 'order_charges']),
  subject: z.string(),
  amazonOrderId: z.string().nullable(),
  payoutId: z.number().int().nullable(),
  currency: z.string(),
  expected: Amount,
  actual: Amount,
  difference: Amount.describe('actual − expected'),
  explanation: z.string(),
  detectedAt: z.string(),
  resolvedAt: z.string().nullable(),
});
const mismatch = (m: any): z.infer<typeof Mismatch> => ({
  id: m.id,
  account: m.account_id,
  kind: m.kind,
  subject: m.subject,
  amazonOrderId: m.amazon_order_id,
  payoutId: m.payout_id,
  currency: m.currency,
  expected: dec(m.expected).toFixed(),
  actual: dec(m.actual).toFixed(),
  difference: dec(m.difference).toFixed(),
  explanation: m.explanation,
  detectedAt: iso(m.detected_at)!,
  resolvedAt: iso(m.resolved_at),
});

export const PayoutView = PayoutRow.extend({
  transactionList: z.array(
    z.object({
      transactionId: z.string(),
      type: z.string(),
      status: z.string(),
      postedAt: z.string(),
      amazonOrderId: z.string().nullable(),
      description: z.string().nullable(),
      total: Amount,
    }),
  ),
  mismatches: z.array(Mismatch),
});

/** One payout by our id or Amazon's group id, with its transactions and mismatches. */
export const payoutView = operation(
  {
    name: 'payoutView',
    input: z.object({ id: z.union([z.number().int().positive(), z.string().min(1)]), account: z.string().optional() }),
    output: PayoutView.optional(),
  },
  async (db, { id, account }) => {
    const q = db('payouts');
    if (typeof id === 'number' || /^\d+$/.test(id)) q.where({ id: Number(id) });
    else q.where({ group_id: id });
    if (account) q.where({ account_id: account });
    const p = await q.first();
    if (!p) return undefined;
    const txs = await db('finance_transactions')
      .where({ account_id: p.account_id, group_id: p.group_id })
      .orderBy(['posted_at', 'id']);
    const mismatches = await db('finance_mismatches').where({ payout_id: p.id }).orderBy('id');
    return {
      ...payoutRow(p),
      transactionList: txs.map((t) => ({
        transactionId: t.transaction_id,
        type: t.transaction_type,
        status: t.status,
        postedAt: iso(t.posted_at)!,
        amazonOrderId: t.amazon_order_id,
        description: t.description,
        total: dec(t.total).toFixed(),
      })),
      mismatches: mismatches.map(mismatch),
    };
  },
);

/** Mismatches still open (or all), newest first: what an accountant must look at. Paged by id, like the other lists. */
export const listMismatches = operation(
  {
    name: 'listMismatches',
    input: z.object({
      account: z.string().optional(),
      includeResolved: z.boolean().default(false),
      limit: Limit,
      cursor: Cursor,
    }),
    output: z.object({ items: z.array(Mismatch), nextCursor: z.string().nullable() }),
  },
  async (db, input) => {
    const q = db('finance_mismatches')
      .orderBy('id', 'desc')
      .limit(input.limit + 1);
    if (input.account) q.where({ account_id: input.account });
    if (!input.includeResolved) q.whereNull('resolved_at');
    if (input.cursor) q.where('id', '<', decodeCursor(z.tuple([z.number().int()]), input.cursor)[0]);
    const { items, nextCursor } = page(await q, input.limit, (m) => [m.id]);
    return { items: items.map(mismatch), nextCursor };
  },
);
