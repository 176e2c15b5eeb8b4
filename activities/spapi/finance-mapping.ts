import crypto from 'node:crypto';
import Decimal from 'decimal.js';
import type { FinanceLineCategory, MappedFinanceLine, MappedTransaction } from '../../book/finance-records';

/**
 * Finances 2024-06-19 `Transaction` → our records (pure). Each breakdown leaf becomes a line, with its category (what
 * an accountant books it as) and, for Amazon's fees, the fee type. Item-level leaves are used when they add up to the
 * transaction's total; else the transaction-level leaves; whatever neither explains is kept as an `other` line, so
 * the lines of a transaction always add up to its total (and the journal balances) without hiding the remainder.
 */

const CATEGORY: Record<string, FinanceLineCategory> = {
  ProductCharges: 'product',
  Shipping: 'shipping',
  GiftWrap: 'gift_wrap',
  Promotion: 'promotion',
  Tax: 'tax',
  AmazonFees: 'fee',
  MarketplaceWithheldTax: 'withheld_tax',
  Transfer: 'transfer',
};

/** Amazon's currencyAmount is a JSON number: String(n) reads back the decimal it was written from. */
export const amountOf = (c: { currencyAmount?: unknown } | undefined): Decimal =>
  new Decimal(String(c?.currencyAmount ?? 0));

export function categoryOf(path: string): { category: FinanceLineCategory; feeType: string | null } {
  const segments = path.split('/');
  // Transaction-level breakdowns nest the item types under Sales / Expenses.
  const top = segments[0] === 'Sales' || segments[0] === 'Expenses' ? segments[1] : segments[0];
  const category = CATEGORY[top ?? ''] ?? 'other';
  const at = segments.indexOf('AmazonFees');
  return { category, feeType: category === 'fee' ? (segments[at + 1] ?? 'AmazonFees') : null };
}

interface Breakdown {
  breakdownType?: string;
  breakdownAmount?: { currencyAmount?: unknown; currencyCode?: string };
  breakdowns?: Breakdown[];
}

/** The leaves of a breakdown tree as path → amount (a node without children is a leaf). */
export function leavesOf(breakdowns: Breakdown[] | undefined, prefix = ''): Array<[string, Decimal]> {
  const out: Array<[string, Decimal]> = [];
  for (const b of breakdowns ?? []) {
    const path = prefix ? `${prefix}/${b.breakdownType ?? '?'}` : (b.breakdownType ?? '?');
    if (b.breakdowns?.length) out.push(...leavesOf(b.breakdowns, path));
    else out.push([path, amountOf(b.breakdownAmount)]);
  }
  return out;
}

const sum = (xs: Array<[string, Decimal]>) => xs.reduce((s, [, v]) => s.plus(v), new Decimal(0));

function identifier(t: any, name: string): string | null {
  const found = (t.relatedIdentifiers ?? []).find((r: any) => r?.relatedIdentifierName === name);
  return found?.relatedIdentifierValue ? String(found.relatedIdentifierValue) : null;
}

function line(itemIndex: number, path: string, amount: Decimal, item?: any): MappedFinanceLine {
  const product = (item?.contexts ?? []).find((c: any) => c?.contextType === 'ProductContext');
  const adjustment = (item?.relatedIdentifiers ?? []).find(
    (r: any) => r?.itemRelatedIdentifierName === 'ORDER_ADJUSTMENT_ITEM_ID',
  );
  return {
    itemIndex,
    path,
    ...categoryOf(path),
    amount: amount.toFixed(),
    sku: product?.sku ? String(product.sku) : null,
    asin: product?.asin ? String(product.asin) : null,
    quantity: Number.isInteger(product?.quantityShipped) ? product.quantityShipped : null,
    adjustmentItemId: adjustment?.itemRelatedIdentifierValue ? String(adjustment.itemRelatedIdentifierValue) : null,
  };
}

/** Merges leaves of the same path within one item (Amazon may repeat a type), keeping first-seen order. */
function merged(leaves: Array<[string, Decimal]>): Array<[string, Decimal]> {
  const byPath = new Map<string, Decimal>();
  for (const [p, v] of leaves) byPath.set(p, (byPath.get(p) ?? new Decimal(0)).plus(v));
  return [...byPath.entries()];
}

export function mapTransaction(t: any): MappedTransaction {
  if (!t?.transactionId)
    throw new Error(
      `a transaction posted ${t?.postedDate ?? '(no postedDate)'} has no transactionId: it cannot be stored idempotently`,
    );
  const total = amountOf(t.totalAmount);
  const currency = String(t.totalAmount?.currencyCode ?? '');
  if (!/^[A-Z]{3}$/.test(currency))
    throw new Error(`transaction ${t.transactionId}: totalAmount.currencyCode "${currency}" is not an ISO 4217 code`);

  const items: any[] = Array.isArray(t.items) ? t.items : [];
  const itemLines = items.flatMap((item, i) =>
    merged(leavesOf(item.breakdowns)).map(([path, amount]) => line(i, path, amount, item)),
  );
  let lines: MappedFinanceLine[];
  if (items.length && sum(itemLines.map((l) => [l.path, new Decimal(l.amount)])).eq(total)) lines = itemLines;
  else lines = merged(leavesOf(t.breakdowns)).map(([path, amount]) => line(-1, path, amount));
  const explained = lines.reduce((s, l) => s.plus(l.amount), new Decimal(0));
  if (!explained.eq(total)) lines.push(line(-2, 'Unexplained', total.minus(explained)));

  return {
    transactionId: String(t.transactionId),
    transactionType: String(t.transactionType ?? 'Unknown'),
    status: String(t.transactionStatus ?? 'RELEASED'),
    description: t.description ? String(t.description) : null,
    postedAt: new Date(t.postedDate).toISOString(),
    marketplaceId: t.marketplaceDetails?.marketplaceId ?? t.sellingPartnerMetadata?.marketplaceId ?? null,
    currency,
    total: total.toFixed(),
    amazonOrderId: identifier(t, 'ORDER_ID'),
    groupId: identifier(t, 'FINANCIAL_EVENT_GROUP_ID'),
    settlementId: identifier(t, 'SETTLEMENT_ID'),
    refundId: identifier(t, 'REFUND_ID'),
    relatedIdentifiers: t.relatedIdentifiers ?? [],
    breakdowns: t.breakdowns ?? [],
    contexts: t.contexts ?? null,
    digest: crypto.createHash('sha256').update(JSON.stringify(t)).digest('base64url'),
    lines,
  };
}
