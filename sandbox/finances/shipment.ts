import { marketplace } from '../marketplaces';
import type { OrderJson } from '../state';
import { Decimal, hashId, roundTo, ZERO } from './amounts';
import { Components } from './breakdowns';
import { closingFee, fbaFulfilmentFee, referralFee } from './fees';
import {
  addTo,
  Built,
  COMMISSION,
  emptyItem,
  envelope,
  FBA_FEE,
  itemsOf,
  newOrderLedger,
  OrderLedger,
  orderCurrency,
  productContext,
  servedItem,
  TransactionItem,
  US,
} from './transactions';
import { withholdingOf } from './withholding';

/**
 * The Shipment transaction of an order's newly shipped units: what the buyer paid for them (the Orders API's proceeds,
 * leaf by leaf), Amazon's fees on them, and the tax Amazon withholds where it collects it.
 */

/** What a shipment needs beyond the order: the seller's tax establishment, the deferral policy, ids and products. */
export interface ShipmentSettings {
  seed: number;
  establishedIn: string;
  productTypeOf(sku: string): string | undefined;
  /** 0: released at once; else DEFERRED until delivery (ship time + transit) + this. */
  deferralMs: number;
  /** DeferredContext.deferralReason, e.g. DD7 (delivery date policy, 7 days). */
  deferralReason: string;
  transitMs(fast: boolean): number;
  now: number;
}

const TAX_SUFFIX: Record<string, string> = {
  'Tax/OurPriceTax': 'Principal',
  'Tax/ShippingTax': 'Shipping',
  'Tax/GiftWrapTax': 'Giftwrap',
};
const PATHS: Record<string, Record<string, string>> = {
  ITEM: { '': 'ProductCharges/OurPricePrincipal' },
  SHIPPING: { '': 'Shipping/ShippingPrincipal' },
  GIFT_WRAP: { '': 'GiftWrap/GiftWrapPrincipal' },
  DISCOUNT: { '': 'Promotion/PromotionPrincipal', SHIPPING: 'Promotion/ShippingPromotion' },
  TAX: { '': 'Tax/OurPriceTax', SHIPPING: 'Tax/ShippingTax', GIFT_WRAP: 'Tax/GiftWrapTax' },
};
const amountOf = (m: any): Decimal | undefined =>
  typeof m?.amount === 'string' && /^-?\d+(\.\d+)?$/.test(m.amount) ? new Decimal(m.amount) : undefined;

/** An item's proceeds in the Orders API as leaves (detailed subtypes where they add up to their subtotal). */
export function proceedsLeaves(item: Record<string, any>): Components {
  const c = new Components();
  for (const b of Array.isArray(item.proceeds?.breakdowns) ? item.proceeds.breakdowns : []) {
    const subtotal = amountOf(b?.subtotal);
    if (!subtotal) continue;
    const paths = PATHS[b.type] ?? { '': 'Other/OtherCharge' };
    const details: Array<[string, Decimal]> = (Array.isArray(b.detailedBreakdowns) ? b.detailedBreakdowns : [])
      .map((d: any) => [paths[d?.subtype] ?? paths[''], amountOf(d?.value)] as [string, Decimal | undefined])
      .filter((d: [string, Decimal | undefined]): d is [string, Decimal] => d[1] !== undefined);
    const detailSum = details.reduce((s, [, v]) => s.plus(v), ZERO);
    if (details.length && detailSum.eq(subtotal)) details.forEach(([path, v]) => c.add(path, v));
    else c.add(paths[''], subtotal);
  }
  return c;
}

/** The fees and withheld tax of a shipped share of an item, from what the buyer paid for it. */
function feesAndWithholding(
  sales: Components,
  units: number,
  ctx: { marketplaceId: string; currency: string; withholding: string | null; productType?: string; fba: boolean },
): Components {
  const c = new Components();
  // US and Canadian prices exclude sales tax; elsewhere the referral fee is on the VAT-inclusive price.
  const country = marketplace(ctx.marketplaceId)?.countryCode;
  const salesTaxOnTop = country === 'US' || country === 'CA';
  const base = sales.total().minus(salesTaxOnTop ? sales.sumUnder('Tax') : ZERO);
  c.add(COMMISSION, referralFee(ctx.marketplaceId, ctx.productType, base, units, ctx.currency).negated());
  c.add('AmazonFees/VariableClosingFee/Base', closingFee(ctx.marketplaceId, ctx.productType, units).negated());
  const withheld = ctx.withholding !== null;
  if (ctx.fba) {
    c.add(FBA_FEE, fbaFulfilmentFee(ctx.marketplaceId, ctx.productType, units).negated());
    // FBA: Amazon ships and wraps, so it keeps what the buyer paid for shipping and gift wrap.
    const chargeback = (principal: string, tax: string) =>
      sales
        .get(principal)
        .plus(withheld ? ZERO : sales.get(tax))
        .negated();
    c.add('AmazonFees/ShippingChargeback/Base', chargeback('Shipping/ShippingPrincipal', 'Tax/ShippingTax'));
    c.add('AmazonFees/GiftwrapChargeback/Base', chargeback('GiftWrap/GiftWrapPrincipal', 'Tax/GiftWrapTax'));
  }
  if (withheld) {
    const prefix =
      ctx.withholding === 'MARKETPLACE_FACILITATOR_VAT' ? 'MarketplaceFacilitatorVAT' : 'MarketplaceFacilitatorTax';
    for (const [path, v] of sales.leaves) {
      if (path.startsWith('Tax/'))
        c.add(`MarketplaceWithheldTax/${prefix}-${TAX_SUFFIX[path] ?? 'Other'}`, v.negated());
    }
  }
  return c;
}

/**
 * The Shipment transaction for the units of `order` shipped since the last one (FBA: quantityFulfilled; seller-
 * fulfilled: the units in packages, which order-lifecycle mirrors there), posted at the order's lastUpdatedTime (when
 * the shipment was confirmed). Null when nothing new shipped or the order lacks what a charge needs.
 */
export function shipmentFor(
  order: OrderJson,
  sellerId: string,
  previous: OrderLedger | undefined,
  s: ShipmentSettings,
): { built: Built; ledger: OrderLedger } | null {
  const marketplaceId = order.salesChannel?.marketplaceId;
  const currencyCode = orderCurrency(order);
  if (typeof marketplaceId !== 'string' || !currencyCode) return null;
  const ledger: OrderLedger = structuredClone(previous ?? newOrderLedger(sellerId, marketplaceId, currencyCode));
  const fba = order.fulfillment?.fulfilledBy === 'AMAZON';
  const withholding = withholdingOf(order, s.establishedIn);
  const n = ledger.shipments + 1;
  const items: Components[] = [];
  const served: TransactionItem[] = [];
  for (const item of itemsOf(order)) {
    const ordered = Number(item.quantityOrdered);
    const fulfilled = Number(item.fulfillment?.quantityFulfilled);
    if (!Number.isInteger(ordered) || !Number.isInteger(fulfilled) || ordered < 1) continue;
    const rec = ledger.items[item.orderItemId] ?? emptyItem();
    const units = Math.min(fulfilled, ordered) - rec.units;
    if (units <= 0) continue;
    const last = rec.units + units >= ordered;
    const already = Components.fromRecord(rec.proceedsShare);
    const sales = new Components();
    for (const [path, full] of proceedsLeaves(item).leaves) {
      sales.add(
        path,
        last ? full.minus(already.get(path)) : roundTo(full.times(units).dividedBy(ordered), currencyCode),
      );
    }
    const productType = item.product?.sellerSku ? s.productTypeOf(String(item.product.sellerSku)) : undefined;
    const charged = new Components();
    for (const [path, v] of sales.leaves) charged.add(path, v);
    if (ledger.mismatch && items.length === 0) {
      charged.add('ProductCharges/OurPricePrincipal', new Decimal(ledger.mismatch));
      delete ledger.mismatch;
    }
    const fees = feesAndWithholding(sales, units, {
      marketplaceId,
      currency: currencyCode,
      withholding,
      productType,
      fba,
    });
    for (const [path, v] of fees.leaves) charged.add(path, v);
    ledger.items[item.orderItemId] = {
      ...rec,
      units: rec.units + units,
      proceedsShare: addTo(rec.proceedsShare, sales),
      charged: addTo(rec.charged, charged),
    };
    const adjustmentId = hashId([s.seed, sellerId, order.orderId, 'Shipment', n, item.orderItemId], 'digits', 13);
    items.push(charged);
    served.push(servedItem(item, charged, adjustmentId, productContext(item, units, fba), currencyCode));
  }
  if (items.length === 0) return null;
  ledger.shipments = n;

  const parsed = Date.parse(String(order.lastUpdatedTime));
  const postedAt = Number.isNaN(parsed) ? s.now : parsed;
  const fast = fba || (Array.isArray(order.programs) && order.programs.includes('PRIME'));
  const maturityAt = s.deferralMs > 0 ? postedAt + s.transitMs(fast) + s.deferralMs : undefined;
  const id = (kind: string, shape: 'base64url' | 'digits', length: number) =>
    hashId([s.seed, sellerId, order.orderId, 'Shipment', n, kind], shape, length);
  const transaction = envelope(sellerId, marketplaceId, currencyCode, {
    transactionType: 'Shipment',
    transactionId: id('transactionId', 'base64url', 43),
    transactionStatus: maturityAt === undefined ? 'RELEASED' : 'DEFERRED',
    description: 'Order Payment',
    postedAt,
    relatedIdentifiers: [
      { relatedIdentifierName: 'ORDER_ID', relatedIdentifierValue: String(order.orderId) },
      { relatedIdentifierName: 'SHIPMENT_ID', relatedIdentifierValue: id('SHIPMENT_ID', 'digits', 14) },
    ],
    items,
    served,
    contexts:
      maturityAt === undefined
        ? []
        : [
            {
              contextType: 'DeferredContext',
              deferralReason: s.deferralReason,
              maturityDate: new Date(maturityAt).toISOString(),
            },
          ],
  });
  return { built: { transaction, postedAt, maturityAt, usMfn: marketplaceId === US && !fba }, ledger };
}
