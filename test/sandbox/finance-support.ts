import Decimal from 'decimal.js';
import { CATALOG } from '../../sandbox/catalog';
import type { Transaction } from '../../sandbox/finances/transactions';
import { catalogPrice } from '../../sandbox/generator';
import { LOCALES } from '../../sandbox/locales';
import { marketplace } from '../../sandbox/marketplaces';
import { itemProceeds, orderProceeds, rateOf } from '../../sandbox/proceeds';
import { definition, expectValid } from '../support/models';

/** Orders in Amazon's exact shape with chosen lines and prices (money by the generator's own rules), and transaction readers. */

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
