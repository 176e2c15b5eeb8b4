import Decimal from 'decimal.js';
import { CATALOG } from '../../sandbox/catalog';
import type { Transaction } from '../../sandbox/finances/transactions';
import { catalogPrice } from '../../sandbox/generator';
import { LOCALES } from '../../sandbox/locales';
import { marketplace } from '../../sandbox/marketplaces';
import { itemProceeds, orderProceeds, rateOf } from '../../sandbox/proceeds';
import { definition, expectValid } from '../support/models';
import { accessToken, expectModel, NA_HOST, TestSandbox, TestSeller } from './support';

/**
 * For the Finances specifications: orders in Amazon's exact shape with chosen lines and prices (money by the
 * generator's own rules), a listTransactions reader, and readers of a transaction's amounts.
 */

export const FINANCES_MODEL = 'finances_2024-06-19.json';
export const TRANSACTIONS_PATH = '/finances/2024-06-19/transactions';

/**
 * listTransactions over HTTP, each answer checked against the model. Access tokens last an hour of the sandbox's
 * clock, which the tests move by days: a fresh token is fetched when the cached one is half an hour old.
 */
export function transactionsReader(t: TestSandbox, now: () => number) {
  const tokens = new Map<string, { token: string; at: number }>();
  const tokenOf = async (seller: TestSeller) => {
    const cached = tokens.get(seller.sellerId);
    if (cached && now() - cached.at < 1_800_000) return cached.token;
    const token = await accessToken(t.url, seller.spec);
    tokens.set(seller.sellerId, { token, at: now() });
    return token;
  };
  const page = async (
    seller: TestSeller,
    query: Record<string, string>,
    host = NA_HOST,
  ): Promise<{ transactions: Transaction[]; nextToken?: string }> => {
    const res = await seller.call('GET', TRANSACTIONS_PATH, { query, host, token: await tokenOf(seller) });
    expect([res.status, res.text.slice(0, 300)]).toEqual([200, expect.any(String)]);
    expectModel(FINANCES_MODEL, TRANSACTIONS_PATH, 'get', res);
    expect(res.json.payload.transactions.length).toBeLessThanOrEqual(100);
    return res.json.payload;
  };
  /** Every page of a query, in the order served. */
  const listAll = async (seller: TestSeller, query: Record<string, string>, host = NA_HOST) => {
    const all: Transaction[] = [];
    let pages = 0;
    let nextToken: string | undefined;
    do {
      const p = await page(seller, { ...query, ...(nextToken ? { nextToken } : {}) }, host);
      pages++;
      all.push(...p.transactions);
      nextToken = p.nextToken;
    } while (nextToken);
    return { all, pages };
  };
  return { page, listAll };
}

/** The leaves of the Shipment of 2 mugs at $12.99 shipped to Seattle (10.35%) for $5.99, seller-fulfilled. */
export const US_MUGS_SHIPMENT = {
  'ProductCharges/OurPricePrincipal': '25.98',
  'Shipping/ShippingPrincipal': '5.99',
  'Tax/OurPriceTax': '2.69',
  'Tax/ShippingTax': '0.62',
  'AmazonFees/Commission/Base': '-4.80',
  'MarketplaceWithheldTax/MarketplaceFacilitatorTax-Principal': '-2.69',
  'MarketplaceWithheldTax/MarketplaceFacilitatorTax-Shipping': '-0.62',
};

export interface FixtureLine {
  sku: string;
  quantity: number;
  /** Default the catalog price in the marketplace. */
  unitPrice?: string;
  giftWrap?: boolean;
  /** Item promotion (without tax, US/CA; VAT-inclusive elsewhere), e.g. "2.00". */
  promotion?: string;
}

export interface FixtureSpec {
  orderId: string;
  marketplaceId: string;
  fba?: boolean;
  lines: FixtureLine[];
  /** Index into the locale's places (US: 0 Seattle, 4 Portland OR without sales tax). */
  place?: number;
  /** Shipping on the first line (seller-fulfilled); default the locale's charge. */
  shipping?: string | null;
  createdTime: string;
  /** A business buyer with a VAT number (B2B). */
  vatNumber?: string;
}

const validOrder = definition('orders_2026-01-01.json', 'Order');

export function orderFixture(spec: FixtureSpec): Record<string, any> {
  const locale = LOCALES.get(spec.marketplaceId)!;
  const place = locale.places[spec.place ?? 0];
  const currency = locale.currency;
  const fba = spec.fba ?? false;
  const orderItems = spec.lines.map((line, i) => {
    const item = CATALOG.find((c) => c.sku === line.sku)!;
    const unitPrice = new Decimal(line.unitPrice ?? catalogPrice(item, locale));
    const shipCharge =
      !fba && i === 0 && spec.shipping !== null ? new Decimal(spec.shipping ?? locale.shippingCharge) : new Decimal(0);
    const charges = {
      itemCharge: unitPrice.times(line.quantity),
      shipCharge,
      wrapCharge: line.giftWrap ? new Decimal(locale.giftWrapCharge).times(line.quantity) : new Decimal(0),
      itemPromo: new Decimal(line.promotion ?? 0),
      shipPromo: new Decimal(0),
    };
    return {
      orderItemId: `${spec.orderId.replace(/-/g, '').slice(-10)}${String(i + 1).padStart(4, '0')}`,
      quantityOrdered: line.quantity,
      product: {
        asin: item.asin,
        title: item.title[locale.language],
        sellerSku: item.sku,
        condition: { conditionType: 'NEW', conditionSubtype: 'NEW' },
        price: { unitPrice: { amount: unitPrice.toFixed(2), currencyCode: currency } },
      },
      proceeds: itemProceeds(locale, rateOf(locale, place, item), currency, charges),
      fulfillment: { quantityFulfilled: 0, quantityUnfulfilled: line.quantity },
      ...(locale.taxCollection ? { tax: { taxCollections: [locale.taxCollection] } } : {}),
    };
  });
  const mp = marketplace(spec.marketplaceId)!;
  const order = {
    orderId: spec.orderId,
    createdTime: spec.createdTime,
    lastUpdatedTime: spec.createdTime,
    salesChannel: { channelName: 'AMAZON', marketplaceId: mp.id, marketplaceName: mp.name },
    recipient: {
      deliveryAddress: {
        city: place.city,
        stateOrRegion: place.stateOrRegion,
        postalCode: place.postalCode,
        countryCode: locale.countryCode,
      },
    },
    proceeds: orderProceeds(
      orderItems.map((i) => i.proceeds),
      currency,
    ),
    ...(spec.vatNumber
      ? {
          tax: {
            taxRegistrations: [
              { entityType: 'BUYER', taxRegistrationType: 'VAT', taxRegistrationNumber: spec.vatNumber },
            ],
          },
        }
      : {}),
    fulfillment: { fulfillmentStatus: 'UNSHIPPED', fulfilledBy: fba ? 'AMAZON' : 'MERCHANT' },
    orderItems,
  };
  expectValid(validOrder, order, `fixture ${spec.orderId}`);
  return order;
}

/** Exact amount of a Currency (served as a JSON number). */
export const amount = (c: { currencyAmount: number } | undefined) => new Decimal(String(c?.currencyAmount ?? 0));

/** Leaf amounts of a transaction, summed over its items: {"AmazonFees/Commission/Base": "-4.80", ...}. */
export function leaves(tx: Transaction): Record<string, string> {
  const sums = new Map<string, Decimal>();
  const walk = (breakdowns: any[] | undefined, prefix: string) => {
    for (const b of breakdowns ?? []) {
      const path = prefix ? `${prefix}/${b.breakdownType}` : b.breakdownType;
      if (b.breakdowns?.length) walk(b.breakdowns, path);
      else sums.set(path, (sums.get(path) ?? new Decimal(0)).plus(amount(b.breakdownAmount)));
    }
  };
  for (const item of tx.items ?? []) walk(item.breakdowns, '');
  return Object.fromEntries([...sums.entries()].map(([k, v]) => [k, v.toFixed(2)]));
}

/** The sum of a transaction's Sales breakdown: what the buyer paid (or got back). */
export const salesOf = (tx: Transaction) =>
  amount(tx.breakdowns.find((b) => b.breakdownType === 'Sales')?.breakdownAmount);

export const identifier = (tx: Transaction, name: string) =>
  tx.relatedIdentifiers.find((r) => r.relatedIdentifierName === name)?.relatedIdentifierValue;

/** Every way a transaction's amounts must add up; returns the problems found. */
export function sumProblems(tx: Transaction): string[] {
  const problems: string[] = [];
  const check = (breakdowns: any[] | undefined, total: Decimal, where: string) => {
    if (!breakdowns?.length) return;
    const sum = breakdowns.reduce((s: Decimal, b: any) => s.plus(amount(b.breakdownAmount)), new Decimal(0));
    if (!sum.eq(total)) problems.push(`${tx.transactionId} ${where}: children sum ${sum} ≠ ${total}`);
    for (const b of breakdowns) check(b.breakdowns, amount(b.breakdownAmount), `${where}/${b.breakdownType}`);
  };
  check(tx.breakdowns, amount(tx.totalAmount), 'breakdowns');
  if (tx.items?.length) {
    const items = tx.items.reduce((s, i) => s.plus(amount(i.totalAmount)), new Decimal(0));
    if (!items.eq(amount(tx.totalAmount))) problems.push(`${tx.transactionId}: items sum ${items} ≠ total`);
    tx.items.forEach((i, n) => check(i.breakdowns, amount(i.totalAmount), `items[${n}]`));
  }
  return problems;
}
