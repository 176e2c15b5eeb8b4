import Decimal from 'decimal.js';
import { CATALOG, CatalogItem } from './catalog';
import { GENERATED_MARKETPLACES, Locale, LOCALES, Place } from './locales';
import { itemProceeds, money, orderProceeds, rateOf, round } from './proceeds';
import { marketplace } from './marketplaces';
import { Random } from './random';
import type { OrderJson } from './state';

/**
 * Generates Orders 2026-01-01 `Order`s, deterministic for a seed (relative to `now`).
 *
 * Money, one convention for every marketplace: ITEM, SHIPPING and GIFT_WRAP are the charges without tax, DISCOUNT (≤ 0)
 * the promotions without tax, TAX the tax on all of them; so each item's proceedsTotal (= sum of its breakdowns) is what
 * the buyer paid. `unitPrice` is the price the buyer saw: without tax in the US and Canada (sales tax, collected by
 * Amazon as marketplace facilitator), VAT-inclusive in the EU, the UK and Mexico. The order's grandTotal is the sum of
 * its items' proceedsTotal.
 */

export interface GenerateSpec {
  count: number;
  seed?: number;
  /** Default: the seller's marketplaces the generator knows. */
  marketplaceIds?: string[];
  fbaShare?: number;
  pendingShare?: number;
  cancelledShare?: number;
  giftShare?: number;
  promotionShare?: number;
  businessShare?: number;
  /** Orders served without any buyer or recipient PII (names, email, phone, street), as Amazon does for some. */
  noPiiShare?: number;
  primeShare?: number;
  /** createdTime spreads over this many past hours (default 48). */
  withinHours?: number;
}

const DEFAULTS = {
  fbaShare: 0.35,
  pendingShare: 0.04,
  cancelledShare: 0.04,
  giftShare: 0.08,
  promotionShare: 0.15,
  businessShare: 0.08,
  noPiiShare: 0.02,
  primeShare: 0.5,
  withinHours: 48,
};

/** Orders are at least this old, so a search with lastUpdatedBefore = now − 2 min finds them. */
export const MIN_AGE_MS = 3 * 60_000;
const HOUR = 3_600_000;
const NA_BUYER_NAME_CUTOFF = Date.parse('2024-02-19T00:00:00Z');

/** The catalog price of an item in a marketplace: the USD base × the currency factor, ending in .99. */
export function catalogPrice(item: CatalogItem, locale: Locale): Decimal {
  return new Decimal(item.basePrice).times(locale.priceFactor).ceil().minus('0.01');
}

export class GeneratorError extends Error {}

export function generateOrders(
  spec: GenerateSpec,
  opts: { now: number; sellerMarketplaceIds: string[]; isTaken?: (id: string) => boolean },
): OrderJson[] {
  if (!Number.isInteger(spec.count) || spec.count < 0 || spec.count > 100_000) {
    throw new GeneratorError('generate.count must be an integer from 0 to 100000');
  }
  const marketplaceIds = spec.marketplaceIds ?? opts.sellerMarketplaceIds.filter((id) => LOCALES.has(id));
  for (const id of marketplaceIds) {
    if (!LOCALES.has(id))
      throw new GeneratorError(`the generator knows only ${GENERATED_MARKETPLACES.join(', ')}; not ${id}`);
  }
  if (marketplaceIds.length === 0) throw new GeneratorError('no marketplace to generate orders for');
  const s = { ...DEFAULTS, ...stripUndefined(spec) };
  for (const key of Object.keys(DEFAULTS) as Array<keyof typeof DEFAULTS>) {
    const max = key === 'withinHours' ? 24 * 730 : 1;
    if (typeof s[key] !== 'number' || !(s[key] >= 0 && s[key] <= max))
      throw new GeneratorError(`generate.${key} must be a number from 0 to ${max}`);
  }
  if (s.withinHours * HOUR <= MIN_AGE_MS)
    throw new GeneratorError('generate.withinHours must be more than 0.05 (3 minutes)');
  const r = new Random(spec.seed ?? 1);
  const taken = new Set<string>();
  const orders: OrderJson[] = [];
  for (let i = 0; i < spec.count; i++) {
    const locale = LOCALES.get(r.pick(marketplaceIds))!;
    let orderId = newOrderId(r, locale);
    while (taken.has(orderId) || opts.isTaken?.(orderId)) orderId = newOrderId(r, locale);
    taken.add(orderId);
    orders.push(generateOne(r, s, locale, orderId, opts.now));
  }
  return orders;
}

function stripUndefined<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}

function newOrderId(r: Random, locale: Locale): string {
  return `${r.pick(locale.orderIdPrefixes)}-${r.digits(7)}-${r.digits(7)}`;
}

type Status = 'PENDING' | 'UNSHIPPED' | 'PARTIALLY_SHIPPED' | 'SHIPPED' | 'CANCELLED';

interface Line {
  item: CatalogItem;
  quantity: number;
  orderItemId: string;
  shipped: number;
}

/** The choices made for one order, before it is written in Amazon's shape. */
interface Plan {
  locale: Locale;
  place: Place;
  fba: boolean;
  business: boolean;
  gift: boolean;
  noPii: boolean;
  prime: boolean;
  status: Status;
  created: number;
  updated: number;
  lines: Line[];
  /** Lines with an item promotion; whether shipping is free by promotion. */
  promoLines: Line[];
  freeShipping: boolean;
  company?: string;
}

function plan(r: Random, s: typeof DEFAULTS, locale: Locale, now: number): Plan {
  const fba = r.chance(s.fbaShare);
  const business = r.chance(s.businessShare);
  const gift = r.chance(s.giftShare);
  const promotion = r.chance(s.promotionShare);
  const noPii = r.chance(s.noPiiShare);
  const prime = r.chance(fba ? Math.min(1, s.primeShare + 0.35) : s.primeShare / 5);

  const pool = CATALOG.filter((c) => c.fulfilledBy === (fba ? 'AMAZON' : 'MERCHANT'));
  const lineCount = r.pickWeighted([
    [1, 0.6],
    [2, 0.25],
    [3, 0.1],
    [4, 0.05],
  ] as const);
  const lines: Line[] = r.sample(pool, lineCount).map((item) => ({
    item,
    quantity: r.pickWeighted([
      [1, 0.7],
      [2, 0.18],
      [3, 0.08],
      [r.int(4, 6), 0.04],
    ] as const),
    orderItemId: r.digits(14),
    shipped: 0,
  }));
  const units = lines.reduce((n, l) => n + l.quantity, 0);

  const roll = r.next();
  let status: Status;
  if (roll < s.cancelledShare) status = 'CANCELLED';
  else if (roll < s.cancelledShare + s.pendingShare) status = 'PENDING';
  else if (fba) status = r.chance(0.7) ? 'SHIPPED' : 'UNSHIPPED';
  else
    status = r.pickWeighted([
      ['UNSHIPPED', 0.8],
      ['SHIPPED', 0.15],
      [units > 1 ? 'PARTIALLY_SHIPPED' : 'UNSHIPPED', 0.05],
    ] as const);
  if (status === 'SHIPPED') lines.forEach((l) => (l.shipped = l.quantity));
  // Partially shipped needs 2+ units: the first line ships whole, or part of a single line ships.
  if (status === 'PARTIALLY_SHIPPED') lines[0].shipped = lines.length > 1 ? lines[0].quantity : lines[0].quantity - 1;

  // Created within the window, updated later (shipping takes hours), never in the last MIN_AGE_MS.
  const latest = now - MIN_AGE_MS;
  const created = latest - Math.floor(r.next() * (s.withinHours * HOUR - MIN_AGE_MS));
  const shipping = status === 'SHIPPED' || status === 'PARTIALLY_SHIPPED';
  const updated = Math.min(latest, created + (shipping ? r.int(1, 12) * HOUR : r.int(0, 30) * 60_000));

  const promoLines = promotion ? lines.filter(() => r.chance(0.6)) : [];
  const freeShipping = promotion && (promoLines.length === 0 || r.chance(0.4));
  const place = r.pick(locale.places);
  const company = business ? r.pick(locale.companies) : undefined;
  return {
    locale,
    place,
    fba,
    business,
    gift,
    noPii,
    prime,
    status,
    created,
    updated,
    lines,
    promoLines,
    freeShipping,
    company,
  };
}

function orderItem(r: Random, p: Plan, line: Line, index: number) {
  const { locale } = p;
  const currency = locale.currency;
  const listPrice = catalogPrice(line.item, locale);
  const unitPrice = p.business ? round(listPrice.times('0.95')) : listPrice;
  const itemCharge = unitPrice.times(line.quantity);
  // Seller-fulfilled, non-Prime orders pay shipping once, on their first item.
  const shipCharge = !p.fba && !p.prime && index === 0 ? new Decimal(locale.shippingCharge) : new Decimal(0);
  const giftWrap = p.gift && r.chance(0.6);
  const wrapCharge = giftWrap ? new Decimal(locale.giftWrapCharge).times(line.quantity) : new Decimal(0);
  const itemPromo = p.promoLines.includes(line)
    ? round(itemCharge.times(r.pick(['0.10', '0.15', '0.20'])))
    : new Decimal(0);
  const shipPromo = p.freeShipping ? shipCharge : new Decimal(0);
  const charges = { itemCharge, shipCharge, wrapCharge, itemPromo, shipPromo };
  const promotionIds = [
    ...(itemPromo.gt(0) ? [`PROMO-${locale.countryCode}-ITEM-${r.pick(['SPRING', 'WELCOME', 'BUNDLE'])}`] : []),
    ...(shipPromo.gt(0) ? [`PROMO-${locale.countryCode}-FREESHIP`] : []),
  ];
  const cancelled = p.status === 'CANCELLED';
  const giftOption = {
    giftMessage: r.pick(locale.giftMessages),
    ...(giftWrap ? { giftWrapLevel: r.pick(['STANDARD', 'PREMIUM']) } : {}),
  };
  return {
    orderItemId: line.orderItemId,
    quantityOrdered: line.quantity,
    product: {
      asin: line.item.asin,
      title: line.item.title[locale.language],
      sellerSku: line.item.sku,
      condition: { conditionType: 'NEW', conditionSubtype: 'NEW' },
      price: { unitPrice: money(unitPrice, currency), ...(p.business ? { priceDesignation: 'BUSINESS_PRICE' } : {}) },
    },
    proceeds: itemProceeds(locale, rateOf(locale, p.place, line.item), currency, charges),
    ...(promotionIds.length ? { promotion: { breakdowns: promotionIds.map((promotionId) => ({ promotionId })) } } : {}),
    ...(cancelled ? { cancellation: cancellationOf(r) } : {}),
    fulfillment: {
      quantityFulfilled: line.shipped,
      quantityUnfulfilled: cancelled ? 0 : line.quantity - line.shipped,
      ...(p.gift ? { packing: { giftOption } } : {}),
    },
    ...(locale.taxCollection ? { tax: { taxCollections: [locale.taxCollection] } } : {}),
  };
}

/** Buyer and delivery address, within what Amazon shares: no email or phone on FBA, no name on recent NA FBA. */
function parties(r: Random, p: Plan) {
  const { locale, company, noPii } = p;
  const name = `${r.pick(locale.firstNames)} ${r.pick(locale.lastNames)}`;
  const noName =
    noPii || (p.fba && marketplace(locale.marketplaceId)!.region === 'na' && p.created >= NA_BUYER_NAME_CUTOFF);
  const buyer = {
    ...(noName ? {} : { buyerName: name }),
    ...(p.fba || noPii
      ? {}
      : { buyerEmail: `${r.chars(16, 'abcdefghijklmnopqrstuvwxyz0123456789')}@${locale.emailDomain}` }),
    ...(company ? { buyerCompanyName: company } : {}),
    ...(company && r.chance(0.5) ? { buyerPurchaseOrderNumber: `PO-${r.digits(6)}` } : {}),
  };
  const deliveryAddress = {
    ...(noName ? {} : { name }),
    ...(company ? { companyName: company } : {}),
    ...(noPii ? {} : { addressLine1: r.pick(locale.streets) }),
    ...(!noPii && r.chance(0.3) ? { addressLine2: r.pick(locale.addressLine2) } : {}),
    city: p.place.city,
    stateOrRegion: p.place.stateOrRegion,
    postalCode: p.place.postalCode,
    countryCode: locale.countryCode,
    ...(p.fba || noPii ? {} : { phone: locale.phone(r) }),
    addressType: p.business ? 'COMMERCIAL' : 'RESIDENTIAL',
  };
  return { buyer: Object.keys(buyer).length ? buyer : undefined, deliveryAddress };
}

function generateOne(r: Random, s: typeof DEFAULTS, locale: Locale, orderId: string, now: number): OrderJson {
  const p = plan(r, s, locale, now);
  const mp = marketplace(locale.marketplaceId)!;
  const orderItems = p.lines.map((line, index) => orderItem(r, p, line, index));
  const { buyer, deliveryAddress } = parties(r, p);
  const programs = [...(p.prime ? ['PRIME'] : []), ...(p.business ? ['AMAZON_BUSINESS'] : [])];
  const buyerVat =
    p.business && locale.vatPrefix
      ? {
          taxRegistrations: [
            {
              entityType: 'BUYER',
              legalName: p.company,
              taxRegistrationType: 'VAT',
              taxRegistrationNumber: `${locale.vatPrefix}${r.digits(9)}`,
            },
          ],
          taxInvoicing: { buyerInvoicePreference: 'BUSINESS' },
        }
      : undefined;
  const order: OrderJson = {
    orderId,
    createdTime: new Date(p.created).toISOString(),
    lastUpdatedTime: new Date(p.updated).toISOString(),
    ...(programs.length ? { programs } : {}),
    salesChannel: { channelName: 'AMAZON', marketplaceId: mp.id, marketplaceName: mp.name },
    ...(buyer ? { buyer } : {}),
    recipient: { deliveryAddress },
    proceeds: orderProceeds(
      orderItems.map((i) => i.proceeds),
      locale.currency,
    ),
    ...(buyerVat ? { tax: buyerVat } : {}),
    fulfillment: {
      fulfillmentStatus: p.status,
      fulfilledBy: p.fba ? 'AMAZON' : 'MERCHANT',
      fulfillmentServiceLevel: p.prime
        ? r.pick(['NEXT_DAY', 'SECOND_DAY'])
        : r.pick(['STANDARD', 'STANDARD', 'EXPEDITED', 'FREE_ECONOMY']),
      shipByWindow: window(p.created, 24, 48),
      deliverByWindow: window(p.created, 72, 168),
    },
    orderItems,
  };
  // Amazon shows packages for seller-fulfilled orders only.
  const shippedLines = p.lines.filter((l) => l.shipped > 0);
  if (!p.fba && shippedLines.length > 0) {
    const carrier = r.pick(locale.carriers);
    order.packages = [
      {
        packageReferenceId: '1',
        createdTime: new Date(p.updated - 30 * 60_000).toISOString(),
        packageStatus: { status: 'SHIPPED' },
        carrier: carrier.code,
        shipTime: new Date(p.updated).toISOString(),
        shippingService: carrier.service,
        trackingNumber: carrier.tracking(r),
        packageItems: shippedLines.map((l) => ({ orderItemId: l.orderItemId, quantity: l.shipped })),
      },
    ];
  }
  return order;
}

function window(from: number, earliestHours: number, latestHours: number) {
  return {
    earliestDateTime: new Date(from + earliestHours * HOUR).toISOString(),
    latestDateTime: new Date(from + latestHours * HOUR).toISOString(),
  };
}

function cancellationOf(r: Random) {
  const byBuyer = r.chance(0.7);
  return byBuyer
    ? {
        cancellationRequest: { requester: 'BUYER', cancelReason: 'Ordered by mistake' },
        cancellationExecution: { cancelledBy: 'MERCHANT', cancelReason: 'BUYER_CANCELED' },
      }
    : { cancellationExecution: { cancelledBy: 'AMAZON', cancelReason: 'PAYMENT_DECLINED' } };
}
