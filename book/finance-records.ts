import { z } from 'zod';

/** The shape of a Finances transaction as the book stores it (activities/spapi/finance-mapping.ts builds it). */

export const FINANCE_LINE_CATEGORIES = [
  'product',
  'shipping',
  'gift_wrap',
  'promotion',
  'tax',
  'fee',
  'withheld_tax',
  'transfer',
  'other',
] as const;
export type FinanceLineCategory = (typeof FINANCE_LINE_CATEGORIES)[number];

const Amount = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal like "-4.80"');

export const MappedFinanceLine = z.object({
  /** The item's index in the transaction; -1 a transaction-level amount; -2 what no breakdown explains. */
  itemIndex: z.number().int().min(-2),
  path: z.string().min(1),
  category: z.enum(FINANCE_LINE_CATEGORIES),
  feeType: z.string().nullable(),
  amount: Amount,
  sku: z.string().nullable(),
  asin: z.string().nullable(),
  quantity: z.number().int().nullable(),
  adjustmentItemId: z.string().nullable(),
});
export type MappedFinanceLine = z.infer<typeof MappedFinanceLine>;

export const MappedTransaction = z.object({
  transactionId: z.string().min(1),
  transactionType: z.string().min(1),
  status: z.string().min(1),
  description: z.string().nullable(),
  postedAt: z.string().datetime(),
  marketplaceId: z.string().nullable(),
  currency: z.string().regex(/^[A-Z]{3}$/, 'must be an ISO 4217 code'),
  total: Amount,
  amazonOrderId: z.string().nullable(),
  groupId: z.string().nullable(),
  settlementId: z.string().nullable(),
  refundId: z.string().nullable(),
  relatedIdentifiers: z.array(z.unknown()),
  breakdowns: z.array(z.unknown()),
  contexts: z.array(z.unknown()).nullable(),
  digest: z.string().min(1),
  lines: z.array(MappedFinanceLine),
});
export type MappedTransaction = z.infer<typeof MappedTransaction>;

/** The categories that are what the buyer paid (the Orders API's proceeds). */
export const CHARGE_CATEGORIES: FinanceLineCategory[] = ['product', 'shipping', 'gift_wrap', 'promotion', 'tax'];
