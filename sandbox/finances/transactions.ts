import { marketplace } from '../marketplaces';
import type { OrderJson } from '../state';
import { currency, Currency, Decimal, hashId, ZERO } from './amounts';
import { Breakdown, Components, transactionBreakdowns, tree } from './breakdowns';

/**
 * Finances 2024-06-19 `Transaction`s: their shape, the parts every kind shares, and the Transfer that closes a
 * settlement group. Shipments and refunds are built in shipment.ts and refund.ts, as pure functions of the order and
 * its OrderLedger (what each item was charged and refunded so far).
 */

export interface RelatedIdentifier {
  relatedIdentifierName: string;
  relatedIdentifierValue: string;
}

export type Context = { contextType: string } & Record<string, unknown>;

export interface TransactionItem {
  description?: string;
  totalAmount: Currency;
  relatedIdentifiers: Array<{ itemRelatedIdentifierName: string; itemRelatedIdentifierValue: string }>;
  breakdowns: Breakdown[];
  contexts: Context[];
}

export type TransactionStatus = 'DEFERRED' | 'RELEASED' | 'DEFERRED_RELEASED';

export interface Transaction {
  sellingPartnerMetadata: { sellingPartnerId: string; accountType: string; marketplaceId: string };
  relatedIdentifiers: RelatedIdentifier[];
  transactionType: string;
  transactionId: string;
  transactionStatus: TransactionStatus;
  description: string;
  postedDate: string;
  totalAmount: Currency;
  marketplaceDetails: { marketplaceId: string; marketplaceName: string };
  items?: TransactionItem[];
  contexts?: Context[];
  breakdowns: Breakdown[];
}

/** What one order item was charged and refunded so far (amounts by leaf path, as exact decimal strings). */
export interface ItemLedger {
  units: number;
  /** The part of the item's Orders-API proceeds that shipments charged: the last shipment takes the remainder. */
  proceedsShare: Record<string, string>;
  /** Everything charged: proceeds, fees, withheld tax, an injected mismatch. */
  charged: Record<string, string>;
  refundedUnits: number;
  /** What refunds gave back, in the sign of the charge (charged − refunded is what is left). */
  refunded: Record<string, string>;
}

export interface OrderLedger {
  sellerId: string;
  marketplaceId: string;
  currency: string;
  items: Record<string, ItemLedger>;
  shipments: number;
  refunds: number;
  /** Admin-injected: the next shipment charges this much more than the order's proceeds (tests of mismatches). */
  mismatch?: string;
}

export interface Built {
  transaction: Transaction;
  postedAt: number;
  maturityAt?: number;
  usMfn: boolean;
}

export const ACCOUNT_TYPE = 'Standard Orders';
export const US = 'ATVPDKIKX0DER';
export const COMMISSION = 'AmazonFees/Commission/Base';
export const FBA_FEE = 'AmazonFees/FBAPerUnitFulfillmentFee/Base';
const isObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);

export const itemsOf = (order: OrderJson): Record<string, any>[] =>
  (Array.isArray(order.orderItems) ? order.orderItems : []).filter(
    (i: unknown) => isObject(i) && typeof (i as any).orderItemId === 'string',
  );

export function orderCurrency(order: OrderJson): string | undefined {
  const code = order.proceeds?.grandTotal?.currencyCode ?? itemsOf(order)[0]?.proceeds?.proceedsTotal?.currencyCode;
  return typeof code === 'string' && /^[A-Z]{3}$/.test(code) ? code : undefined;
}

export function newOrderLedger(sellerId: string, marketplaceId: string, currencyCode: string): OrderLedger {
  return { sellerId, marketplaceId, currency: currencyCode, items: {}, shipments: 0, refunds: 0 };
}

export const emptyItem = (): ItemLedger => ({
  units: 0,
  proceedsShare: {},
  charged: {},
  refundedUnits: 0,
  refunded: {},
});

export function addTo(record: Record<string, string>, c: Components): Record<string, string> {
  const sum = Components.fromRecord(record);
  for (const [path, v] of c.leaves) sum.add(path, v);
  return sum.toRecord();
}

export function productContext(item: Record<string, any>, units: number, fba: boolean): Context {
  return {
    contextType: 'ProductContext',
    ...(item.product?.asin ? { asin: String(item.product.asin) } : {}),
    ...(item.product?.sellerSku ? { sku: String(item.product.sellerSku) } : {}),
    quantityShipped: units,
    fulfillmentNetwork: fba ? 'AFN' : 'MFN',
  };
}

export function servedItem(
  item: Record<string, any>,
  leaves: Components,
  adjustmentId: string,
  context: Context,
  currencyCode: string,
): TransactionItem {
  return {
    ...(item.product?.title ? { description: String(item.product.title) } : {}),
    totalAmount: currency(leaves.total(), currencyCode),
    relatedIdentifiers: [
      { itemRelatedIdentifierName: 'ORDER_ADJUSTMENT_ITEM_ID', itemRelatedIdentifierValue: adjustmentId },
    ],
    breakdowns: tree(leaves.entries(), currencyCode),
    contexts: [context],
  };
}

export function envelope(
  sellerId: string,
  marketplaceId: string,
  currencyCode: string,
  fields: Pick<Transaction, 'transactionType' | 'transactionId' | 'transactionStatus' | 'description'> & {
    postedAt: number;
    relatedIdentifiers: RelatedIdentifier[];
    items?: Components[];
    served?: TransactionItem[];
    contexts?: Context[];
    breakdowns?: Breakdown[];
    total?: Decimal;
  },
): Transaction {
  const total = fields.total ?? (fields.items ?? []).reduce((s, c) => s.plus(c.total()), ZERO);
  return {
    sellingPartnerMetadata: { sellingPartnerId: sellerId, accountType: ACCOUNT_TYPE, marketplaceId },
    relatedIdentifiers: fields.relatedIdentifiers,
    transactionType: fields.transactionType,
    transactionId: fields.transactionId,
    transactionStatus: fields.transactionStatus,
    description: fields.description,
    postedDate: new Date(fields.postedAt).toISOString(),
    totalAmount: currency(total, currencyCode),
    marketplaceDetails: { marketplaceId, marketplaceName: marketplace(marketplaceId)?.name ?? marketplaceId },
    ...(fields.served ? { items: fields.served } : {}),
    ...(fields.contexts?.length ? { contexts: fields.contexts } : {}),
    breakdowns: fields.breakdowns ?? transactionBreakdowns(fields.items ?? [], currencyCode),
  };
}

/**
 * The transfer that closes a settlement group: the group's balance paid out to the seller's bank account (a negative
 * amount: it leaves the Amazon account), or charged to the seller's card when the balance is negative. So the
 * group's transactions, transfer included, add up to zero.
 */
export function transferFor(
  group: {
    groupId: string;
    settlementId: string;
    sellerId: string;
    marketplaceId: string;
    currency: string;
    end: number;
  },
  balance: Decimal,
  seed: number,
): Transaction {
  const id = (kind: string, shape: 'base64url' | 'digits', length: number) =>
    hashId([seed, group.sellerId, group.groupId, 'Transfer', kind], shape, length);
  const amount = balance.negated();
  const disbursementId = id('DISBURSEMENT_ID', 'digits', 12);
  const payout = balance.gt(0);
  return envelope(group.sellerId, group.marketplaceId, group.currency, {
    transactionType: 'Transfer',
    transactionId: id('transactionId', 'base64url', 43),
    transactionStatus: 'RELEASED',
    description: payout ? 'Transfer to bank account' : 'Charge to credit card',
    postedAt: group.end,
    relatedIdentifiers: [
      { relatedIdentifierName: 'FINANCIAL_EVENT_GROUP_ID', relatedIdentifierValue: group.groupId },
      { relatedIdentifierName: 'SETTLEMENT_ID', relatedIdentifierValue: group.settlementId },
      { relatedIdentifierName: 'TRANSFER_ID', relatedIdentifierValue: id('TRANSFER_ID', 'digits', 12) },
      { relatedIdentifierName: 'DISBURSEMENT_ID', relatedIdentifierValue: disbursementId },
    ],
    total: amount,
    contexts: [
      {
        contextType: 'PaymentsContext',
        paymentType: payout ? 'Disbursement' : 'Charge',
        paymentMethod: payout ? 'BankAccount' : 'CreditCard',
        paymentReference: disbursementId,
        paymentDate: new Date(group.end).toISOString(),
      },
    ],
    breakdowns: [{ breakdownType: 'Transfer', breakdownAmount: currency(amount, group.currency) }],
  });
}
