import Decimal from 'decimal.js';
import { generateOrders, GeneratorError, GenerateSpec } from '../../sandbox/generator';
import { CATALOG, FIRST_FBA_SKU } from '../../sandbox/catalog';
import { LOCALES } from '../../sandbox/locales';
import { definition, expectValid } from '../support/models';
import { CA, DE, ES, FR, IT, MX, NL, UK, US } from './support';

/** The order generator: Amazon's Order shape, money that adds up to the cent, and the variety a connector must survive. */

const NOW = Date.parse('2026-11-26T12:00:00Z');
const validOrder = definition('orders_2026-01-01.json', 'Order');
const generate = (spec: GenerateSpec, marketplaceIds = spec.marketplaceIds ?? [US]) =>
  generateOrders(spec, { now: NOW, sellerMarketplaceIds: marketplaceIds });
const sum = (values: Array<{ amount: string }>) => values.reduce((s, v) => s.plus(v.amount), new Decimal(0));
const TWO_DECIMALS = /^-?\d+\.\d{2}$/;

/** Every way the money of one order must add up; returns the problems found. */
function moneyProblems(order: any, currency: string, taxMode: 'exclusive' | 'inclusive'): string[] {
  const problems: string[] = [];
  const check = (ok: boolean, what: string) => ok || problems.push(`${order.orderId}: ${what}`);
  const amounts: Array<{ amount: string; currencyCode: string }> = [];
  const byType = new Map<string, Decimal>();
  for (const item of order.orderItems) {
    const { proceedsTotal, breakdowns } = item.proceeds;
    amounts.push(proceedsTotal, item.product.price.unitPrice);
    check(
      sum(breakdowns.map((b: any) => b.subtotal)).eq(proceedsTotal.amount),
      `item ${item.orderItemId} proceedsTotal ${proceedsTotal.amount} ≠ sum of its breakdowns`,
    );
    for (const b of breakdowns) {
      amounts.push(b.subtotal);
      byType.set(b.type, (byType.get(b.type) ?? new Decimal(0)).plus(b.subtotal.amount));
      if (b.detailedBreakdowns) {
        amounts.push(...b.detailedBreakdowns.map((d: any) => d.value));
        check(
          sum(b.detailedBreakdowns.map((d: any) => d.value)).eq(b.subtotal.amount),
          `${b.type} details ≠ its subtotal`,
        );
      }
      if (b.type === 'DISCOUNT') check(new Decimal(b.subtotal.amount).lt(0), 'a DISCOUNT is negative');
    }
    const itemNet = new Decimal(breakdowns.find((b: any) => b.type === 'ITEM').subtotal.amount);
    const gross = new Decimal(item.product.price.unitPrice.amount).times(item.quantityOrdered);
    const taxOnItem = breakdowns
      .find((b: any) => b.type === 'TAX')
      ?.detailedBreakdowns?.find((d: any) => d.subtype === 'ITEM');
    const discounted = breakdowns.some((b: any) => b.type === 'DISCOUNT');
    if (taxMode === 'exclusive')
      check(itemNet.eq(gross), `ITEM ${itemNet} ≠ unitPrice × quantity ${gross} (US/CA prices exclude tax)`);
    else if (!discounted)
      check(
        itemNet.plus(taxOnItem?.value.amount ?? 0).eq(gross),
        `ITEM + its VAT ≠ unitPrice × quantity ${gross} (VAT-inclusive prices)`,
      );
  }
  const { grandTotal, breakdowns } = order.proceeds;
  amounts.push(grandTotal, ...breakdowns.map((b: any) => b.subtotal));
  check(
    sum(order.orderItems.map((i: any) => i.proceeds.proceedsTotal)).eq(grandTotal.amount),
    `grandTotal ${grandTotal.amount} ≠ sum of the items' proceedsTotal`,
  );
  check(sum(breakdowns.map((b: any) => b.subtotal)).eq(grandTotal.amount), 'grandTotal ≠ sum of the order breakdowns');
  for (const b of breakdowns)
    check(byType.get(b.type)?.eq(b.subtotal.amount) ?? false, `order ${b.type} ≠ sum of the items' ${b.type}`);
  for (const a of amounts) {
    check(a.currencyCode === currency, `amount in ${a.currencyCode}, not ${currency}`);
    check(TWO_DECIMALS.test(a.amount), `amount ${a.amount} has not exactly two decimals`);
  }
  return problems;
}

describe.each([
  ['US', US],
  ['CA', CA],
  ['MX', MX],
  ['DE', DE],
  ['ES', ES],
  ['FR', FR],
  ['UK', UK],
  ['IT', IT],
  ['NL', NL],
])('1,000 generated orders of %s', (_code, marketplaceId) => {
  const locale = LOCALES.get(marketplaceId)!;
  const orders = generate({ count: 1000, seed: 42, marketplaceIds: [marketplaceId] });

  test('each validates against Orders 2026-01-01 `Order`', () => {
    for (const order of orders) expectValid(validOrder, order, `order ${order.orderId}`);
  });

  test('their money adds up exactly: grandTotal = Σ items’ proceedsTotal, each = Σ its breakdowns, in the marketplace currency', () => {
    const problems = orders.flatMap((o) => moneyProblems(o, locale.currency, locale.taxMode));
    expect(problems.slice(0, 10)).toEqual([]);
  });

  test('ids are Amazon’s 3-7-7 and unique; SKUs come from the demo catalog, FBA orders from its FBA part', () => {
    expect(new Set(orders.map((o) => o.orderId)).size).toBe(1000);
    const bad: string[] = [];
    for (const o of orders) {
      if (!/^\d{3}-\d{7}-\d{7}$/.test(o.orderId)) bad.push(`id ${o.orderId}`);
      for (const item of o.orderItems) {
        const n = Number(/^DEMO-SKU-(\d+)$/.exec(item.product.sellerSku)?.[1]);
        if (!(n >= 1 && n <= CATALOG.length) || n >= FIRST_FBA_SKU !== (o.fulfillment.fulfilledBy === 'AMAZON'))
          bad.push(`${o.orderId} ${item.product.sellerSku}`);
      }
    }
    expect(bad).toEqual([]);
  });

  test('times spread over the last 48 hours and are all at least 3 minutes old', () => {
    const created = orders.map((o) => Date.parse(o.createdTime));
    const updated = orders.map((o) => Date.parse(o.lastUpdatedTime));
    expect(Math.max(...created, ...updated)).toBeLessThanOrEqual(NOW - 3 * 60_000);
    expect(Math.min(...created)).toBeGreaterThanOrEqual(NOW - 48 * 3_600_000);
    expect(Math.min(...created)).toBeLessThan(NOW - 40 * 3_600_000);
    expect(orders.filter((_, i) => updated[i] < created[i]).map((o) => o.orderId)).toEqual([]);
  });

  test('the mix is realistic: FBA and FBM, several items and quantities above 1, gifts, promotions, B2B, Prime, pending, cancelled, partly shipped, non-ASCII names', () => {
    const count = (f: (o: any) => boolean) => orders.filter(f).length;
    const items = (o: any): any[] => o.orderItems;
    expect(count((o) => o.fulfillment.fulfilledBy === 'AMAZON')).toBeGreaterThan(250);
    expect(count((o) => o.fulfillment.fulfilledBy === 'MERCHANT')).toBeGreaterThan(500);
    expect(count((o) => items(o).length > 1)).toBeGreaterThan(250);
    expect(count((o) => items(o).some((i) => i.quantityOrdered > 1))).toBeGreaterThan(200);
    expect(count((o) => items(o).some((i) => i.fulfillment.packing?.giftOption?.giftMessage))).toBeGreaterThan(30);
    expect(
      count((o) => items(o).some((i) => i.proceeds.breakdowns.some((b: any) => b.type === 'GIFT_WRAP'))),
    ).toBeGreaterThan(15);
    expect(
      count((o) => items(o).some((i) => i.promotion?.breakdowns.some((p: any) => /ITEM/.test(p.promotionId)))),
    ).toBeGreaterThan(30);
    expect(
      count((o) => items(o).some((i) => i.promotion?.breakdowns.some((p: any) => /FREESHIP/.test(p.promotionId)))),
    ).toBeGreaterThan(10);
    expect(count((o) => o.programs?.includes('AMAZON_BUSINESS') && o.buyer?.buyerCompanyName)).toBeGreaterThan(30);
    expect(count((o) => o.programs?.includes('PRIME'))).toBeGreaterThan(200);
    for (const status of ['PENDING', 'UNSHIPPED', 'PARTIALLY_SHIPPED', 'SHIPPED', 'CANCELLED']) {
      expect({ status, n: count((o) => o.fulfillment.fulfillmentStatus === status) > 5 }).toEqual({ status, n: true });
    }
    expect(
      count((o) =>
        /[\u0080-\uFFFF]/.test(
          `${o.recipient.deliveryAddress.name ?? ''}${o.recipient.deliveryAddress.addressLine1 ?? ''}${o.recipient.deliveryAddress.city}`,
        ),
      ),
    ).toBeGreaterThan(100);
    expect(
      count((o) => items(o).some((i) => i.proceeds.breakdowns.some((b: any) => b.type === 'TAX'))),
    ).toBeGreaterThan(500);
  });

  test('shipped FBM orders carry their packages; FBA orders never do, nor the buyer’s email or phone', () => {
    const bad: string[] = [];
    for (const o of orders) {
      const fba = o.fulfillment.fulfilledBy === 'AMAZON';
      const shipped = ['SHIPPED', 'PARTIALLY_SHIPPED'].includes(o.fulfillment.fulfillmentStatus);
      if (Boolean(o.packages) !== (!fba && shipped)) bad.push(`${o.orderId}: packages ${Boolean(o.packages)}`);
      if (fba && (o.buyer?.buyerEmail || o.recipient.deliveryAddress.phone))
        bad.push(`${o.orderId}: FBA with email or phone`);
      if (o.packages) {
        const packed = o.packages.flatMap((p: any) => p.packageItems).reduce((n: number, p: any) => n + p.quantity, 0);
        const fulfilled = o.orderItems.reduce((n: number, i: any) => n + i.fulfillment.quantityFulfilled, 0);
        if (packed !== fulfilled) bad.push(`${o.orderId}: ${packed} packed ≠ ${fulfilled} fulfilled`);
      }
    }
    expect(bad).toEqual([]);
  });
});

describe('the generator spec', () => {
  test('the same seed gives the same orders; another seed gives others', () => {
    const a = generate({ count: 50, seed: 7, marketplaceIds: [DE, US] });
    expect(generate({ count: 50, seed: 7, marketplaceIds: [DE, US] })).toEqual(a);
    expect(generate({ count: 50, seed: 8, marketplaceIds: [DE, US] })[0].orderId).not.toBe(a[0].orderId);
  });

  test('shares steer the mix', () => {
    expect(generate({ count: 100, seed: 1, fbaShare: 1 }).every((o) => o.fulfillment.fulfilledBy === 'AMAZON')).toBe(
      true,
    );
    expect(
      generate({ count: 100, seed: 1, pendingShare: 1, cancelledShare: 0 }).every(
        (o) => o.fulfillment.fulfillmentStatus === 'PENDING',
      ),
    ).toBe(true);
    expect(
      generate({ count: 100, seed: 1, giftShare: 0 }).some((o) => o.orderItems.some((i: any) => i.fulfillment.packing)),
    ).toBe(false);
    const noPii = generate({ count: 100, seed: 1, noPiiShare: 1, businessShare: 0 });
    expect(
      noPii.every((o) => !o.buyer && !o.recipient.deliveryAddress.name && !o.recipient.deliveryAddress.addressLine1),
    ).toBe(true);
    const recent = generate({ count: 100, seed: 1, withinHours: 1 });
    expect(recent.every((o) => Date.parse(o.createdTime) >= NOW - 3_600_000)).toBe(true);
  });

  test('North-American FBA orders (placed after 2024-02-19) never carry the buyer’s name', () => {
    const orders = generate({ count: 200, seed: 3, fbaShare: 1, noPiiShare: 0, marketplaceIds: [US, CA, MX] });
    expect(orders.every((o) => !o.buyer?.buyerName && !o.recipient.deliveryAddress.name)).toBe(true);
    const eu = generate({ count: 50, seed: 3, fbaShare: 1, noPiiShare: 0, businessShare: 0, marketplaceIds: [DE] });
    expect(eu.every((o) => o.buyer?.buyerName)).toBe(true);
  });

  test('a bad spec is refused with the field named', () => {
    expect(() => generate({ count: -1 })).toThrow(GeneratorError);
    expect(() => generate({ count: 1, fbaShare: 2 })).toThrow(/fbaShare/);
    expect(() => generate({ count: 1, marketplaceIds: ['A1VC38T7YXB528'] })).toThrow(/generator knows only/);
  });
});
