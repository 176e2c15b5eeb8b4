import Decimal from 'decimal.js';
import type { CatalogItem } from './catalog';
import type { Locale, Place } from './locales';

/**
 * The money of generated orders, in exact decimals. One convention for every marketplace: ITEM, SHIPPING and GIFT_WRAP
 * are the charges without tax, DISCOUNT (≤ 0) the promotions without tax, TAX the tax on all of them (detailed by
 * subtype); an item's proceedsTotal is the sum of its breakdowns, what the buyer paid for it.
 */

export const money = (amount: Decimal, currencyCode: string) => ({ amount: amount.toFixed(2), currencyCode });
export const round = (d: Decimal) => d.toDecimalPlaces(2, Decimal.ROUND_HALF_UP);

/** The tax rate of one item shipped to a place: sales tax (US, CA) or VAT/IVA by the product's tax class. */
export function rateOf(locale: Locale, place: Place, item: CatalogItem): Decimal {
  if (locale.taxMode === 'exclusive') return new Decimal(place.taxRate ?? '0');
  return new Decimal(item.taxClass === 'reduced' ? locale.vat!.reduced : locale.vat!.standard);
}

interface Charges {
  itemCharge: Decimal;
  shipCharge: Decimal;
  wrapCharge: Decimal;
  itemPromo: Decimal;
  shipPromo: Decimal;
}

/** One item's proceeds; every breakdown and detail is rounded on its own and the total is their exact sum. */
export function itemProceeds(locale: Locale, rate: Decimal, currency: string, c: Charges) {
  // The tax part of an amount: on top (exclusive) or contained in it (inclusive).
  const taxOf = (d: Decimal) =>
    round(locale.taxMode === 'exclusive' ? d.times(rate) : d.times(rate).dividedBy(rate.plus(1)));
  const netOf = (d: Decimal) => (locale.taxMode === 'exclusive' ? d : d.minus(taxOf(d)));
  const taxItem =
    locale.taxMode === 'exclusive'
      ? taxOf(c.itemCharge.minus(c.itemPromo))
      : taxOf(c.itemCharge).minus(taxOf(c.itemPromo));
  const taxShip =
    locale.taxMode === 'exclusive'
      ? taxOf(c.shipCharge.minus(c.shipPromo))
      : taxOf(c.shipCharge).minus(taxOf(c.shipPromo));
  const taxWrap = taxOf(c.wrapCharge);
  const discItem = netOf(c.itemPromo).negated();
  const discShip = netOf(c.shipPromo).negated();

  const breakdowns: Array<Record<string, unknown>> = [{ type: 'ITEM', subtotal: money(netOf(c.itemCharge), currency) }];
  let total = netOf(c.itemCharge);
  const add = (type: string, subtotal: Decimal, details?: Array<[string, Decimal]>) => {
    if (subtotal.isZero() && !(details ?? []).some(([, v]) => !v.isZero())) return;
    const detailed = (details ?? [])
      .filter(([, v]) => !v.isZero())
      .map(([subtype, v]) => ({ subtype, value: money(v, currency) }));
    breakdowns.push({
      type,
      subtotal: money(subtotal, currency),
      ...(detailed.length ? { detailedBreakdowns: detailed } : {}),
    });
    total = total.plus(subtotal);
  };
  add('SHIPPING', netOf(c.shipCharge));
  add('GIFT_WRAP', netOf(c.wrapCharge));
  add('DISCOUNT', discItem.plus(discShip), [
    ['ITEM', discItem],
    ['SHIPPING', discShip],
  ]);
  add('TAX', taxItem.plus(taxShip).plus(taxWrap), [
    ['ITEM', taxItem],
    ['SHIPPING', taxShip],
    ['GIFT_WRAP', taxWrap],
  ]);
  return { proceedsTotal: money(total, currency), breakdowns };
}

/** The order's proceeds: grandTotal is the sum of the items' totals, breakdowns the per-type sums. */
export function orderProceeds(
  items: Array<{ proceedsTotal: { amount: string }; breakdowns: Array<Record<string, any>> }>,
  currency: string,
) {
  const byType = new Map<string, Decimal>();
  let grand = new Decimal(0);
  for (const item of items) {
    grand = grand.plus(item.proceedsTotal.amount);
    for (const b of item.breakdowns) byType.set(b.type, (byType.get(b.type) ?? new Decimal(0)).plus(b.subtotal.amount));
  }
  return {
    grandTotal: money(grand, currency),
    breakdowns: [...byType.entries()].map(([type, subtotal]) => ({ type, subtotal: money(subtotal, currency) })),
  };
}
