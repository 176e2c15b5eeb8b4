import Decimal from 'decimal.js';
import { z } from 'zod';
import { operation } from './operation';

/**
 * Journal lines for an accountant, from the Finances transactions posted in a period: each transaction is one balanced
 * entry. Every breakdown line goes to the ledger account the mapping gives its category (sales, tax, each fee type,
 * refunds, ...): an amount in the seller's favour is a credit, one against a debit. The transaction's total goes to
 * the Amazon clearing account on the other side; a transfer moves the clearing balance to the bank. So each entry
 * balances, and a reconciled payout leaves its clearing account at zero.
 */

const Code = z.string().min(1).max(40);
export const JournalMapping = z.strictObject({
  sales: Code.default('4000').describe('product, shipping, gift wrap and promotions of shipments'),
  refunds: Code.default('4100').describe('product, shipping, gift wrap and promotions given back'),
  tax: Code.default('2200').describe('tax charged to the buyer (and given back)'),
  withheldTax: Code.default('2200').describe('tax Amazon collected and remits itself (marketplace facilitator)'),
  fees: z
    .record(z.string(), Code)
    .default({})
    .describe('a ledger account per Amazon fee type (Commission, FBAPerUnitFulfillmentFee, ...)'),
  otherFees: Code.default('6100').describe('fee types the fees map does not name'),
  clearing: Code.default('1150').describe('the Amazon account: what Amazon owes the seller until it pays out'),
  bank: Code.default('1020').describe('payouts in transit to the bank (the transfers)'),
  other: Code.default('6900').describe('amounts no breakdown explains'),
});
export type JournalMapping = z.infer<typeof JournalMapping>;

export const JournalLine = z.object({
  date: z.string().describe('the posted date, YYYY-MM-DD (UTC)'),
  payout: z.string().nullable().describe("the settlement group (Amazon's FINANCIAL_EVENT_GROUP_ID)"),
  order: z.string().nullable(),
  transactionId: z.string(),
  type: z.string(),
  account: z.string(),
  debit: z.string(),
  credit: z.string(),
  currency: z.string(),
});
export type JournalLine = z.infer<typeof JournalLine>;

export function ledgerAccount(
  mapping: JournalMapping,
  line: { category: string; fee_type: string | null },
  type: string,
) {
  switch (line.category) {
    case 'product':
    case 'shipping':
    case 'gift_wrap':
    case 'promotion':
      return type === 'Refund' ? mapping.refunds : mapping.sales;
    case 'tax':
      return mapping.tax;
    case 'withheld_tax':
      return mapping.withheldTax;
    case 'fee':
      return mapping.fees[line.fee_type ?? ''] ?? mapping.otherFees;
    case 'transfer':
      return mapping.bank;
    default:
      return mapping.other;
  }
}

export const journalLines = operation(
  {
    name: 'journalLines',
    input: z.object({
      from: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date or date-time' }),
      to: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date or date-time' }),
      account: z.string().optional(),
      mapping: JournalMapping.default(JournalMapping.parse({})),
    }),
    output: z.array(JournalLine),
  },
  async (db, input) => {
    const q = db('finance_transactions as t')
      .join('finance_lines as l', 'l.transaction_row_id', 't.id')
      .where('t.posted_at', '>=', input.from)
      .where('t.posted_at', '<', input.to)
      .orderBy([{ column: 't.posted_at' }, { column: 't.id' }, { column: 'l.id' }])
      .select(
        't.id',
        't.transaction_id',
        't.transaction_type',
        't.posted_at',
        't.group_id',
        't.amazon_order_id',
        't.currency',
        't.total',
        'l.category',
        'l.fee_type',
        'l.amount',
      );
    if (input.account) q.where('t.account_id', input.account);
    const rows = await q;
    const out: JournalLine[] = [];
    let i = 0;
    while (i < rows.length) {
      const t = rows[i];
      const byAccount = new Map<string, Decimal>();
      for (; i < rows.length && rows[i].id === t.id; i++) {
        const code = ledgerAccount(input.mapping, rows[i], t.transaction_type);
        byAccount.set(code, (byAccount.get(code) ?? new Decimal(0)).plus(String(rows[i].amount)));
      }
      // The other side: what Amazon owes grows by the total (a transfer's negative total empties it).
      const clearing = (byAccount.get(input.mapping.clearing) ?? new Decimal(0)).minus(String(t.total));
      byAccount.set(input.mapping.clearing, clearing);
      for (const [account, amount] of byAccount) {
        if (amount.isZero()) continue;
        out.push({
          date: new Date(t.posted_at).toISOString().slice(0, 10),
          payout: t.group_id,
          order: t.amazon_order_id,
          transactionId: t.transaction_id,
          type: t.transaction_type,
          account,
          // Positive: in the seller's favour, a credit (revenue, tax owed); negative: a debit (fees, refunds, bank).
          debit: amount.isNegative() ? amount.negated().toFixed(2) : '0.00',
          credit: amount.isPositive() ? amount.toFixed(2) : '0.00',
          currency: t.currency,
        });
      }
    }
    return out;
  },
);

const csvCell = (v: string | null) => (v === null ? '' : /[",\n]/.test(v) ? `"${v.replace(/"/g, '""')}"` : v);
export function journalCsv(lines: JournalLine[]): string {
  const header = ['date', 'payout', 'order', 'transaction', 'type', 'account', 'debit', 'credit', 'currency'];
  const rows = lines.map((l) =>
    [l.date, l.payout, l.order, l.transactionId, l.type, l.account, l.debit, l.credit, l.currency]
      .map(csvCell)
      .join(','),
  );
  return [header.join(','), ...rows].join('\n') + '\n';
}
