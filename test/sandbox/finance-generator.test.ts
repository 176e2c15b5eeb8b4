import Decimal from 'decimal.js';
import { CATALOG } from '../../sandbox/catalog';
import { closingFee, fbaFulfilmentFee, referralFee, refundAdministrationFee } from '../../sandbox/finances/fees';
import { refundFor } from '../../sandbox/finances/refund';
import { shipmentFor, ShipmentSettings } from '../../sandbox/finances/shipment';
import { withholdingOf } from '../../sandbox/finances/withholding';
import { generateOrders } from '../../sandbox/generator';
import { definition, expectValid } from '../support/models';
import { amount, leaves, orderFixture, salesOf, sumProblems, US_MUGS_SHIPMENT } from './finance-support';
import { CA, DE, ES, FR, IT, MX, NL, UK, US } from './support';

/** Finances generation as pure functions: Amazon's fee schedule, where tax is withheld, and transactions that add up. */

const NOW = Date.parse('2026-11-26T12:00:00Z');
const validTransaction = definition('finances_2024-06-19.json', 'Transaction');
const PRODUCT_TYPES = new Map(CATALOG.map((c) => [c.sku, c.productType]));
const settings = (over: Partial<ShipmentSettings> = {}): ShipmentSettings => ({
  seed: 1,
  establishedIn: 'US',
  productTypeOf: (sku) => PRODUCT_TYPES.get(sku),
  deferralMs: 0,
  deferralReason: 'DD7',
  transitMs: (fast) => (fast ? 2 : 4) * 86_400_000,
  now: NOW,
  ...over,
});
const d = (v: string) => new Decimal(v);
const fee = (f: Decimal) => f.toFixed(2);
const shipAll = (order: any) =>
  order.orderItems.forEach(
    (i: any) => (i.fulfillment = { quantityFulfilled: i.quantityOrdered, quantityUnfulfilled: 0 }),
  );

describe('fee schedule', () => {
  test('US referral fees: 15% with a $0.30 minimum per unit; electronics 8%; accessories 15% up to $100 then 8%', () => {
    expect(fee(referralFee(US, 'DRINKING_CUP', d('31.97'), 2, 'USD'))).toBe('4.80');
    expect(fee(referralFee(US, 'DRINKING_CUP', d('1.00'), 1, 'USD'))).toBe('0.30');
    expect(fee(referralFee(US, 'DRINKING_CUP', d('3.00'), 2, 'USD'))).toBe('0.60');
    expect(fee(referralFee(US, 'HEADPHONES', d('59.99'), 1, 'USD'))).toBe('4.80');
    expect(fee(referralFee(US, 'CELLULAR_PHONE_CASE', d('150.00'), 1, 'USD'))).toBe('19.00');
    expect(fee(referralFee(US, 'CELLULAR_PHONE_CASE', d('300.00'), 2, 'USD'))).toBe('38.00');
  });

  test('clothing is charged by price band (US 2024: 5% up to $15, 10% up to $20, 17% above; EU and UK 15% above)', () => {
    expect(fee(referralFee(US, 'SCARF', d('14.99'), 1, 'USD'))).toBe('0.75');
    expect(fee(referralFee(US, 'SCARF', d('18.00'), 1, 'USD'))).toBe('1.80');
    expect(fee(referralFee(US, 'SCARF', d('28.99'), 1, 'USD'))).toBe('4.93');
    expect(fee(referralFee(DE, 'SCARF', d('28.99'), 1, 'EUR'))).toBe('4.35');
    expect(fee(referralFee(UK, 'SCARF', d('12.00'), 1, 'GBP'))).toBe('0.60');
  });

  test('media pay no minimum but a closing fee per unit: $1.80 US, €1.01 EU, £0.50 UK; other goods none', () => {
    expect(fee(referralFee(US, 'ABIS_BOOK', d('1.00'), 1, 'USD'))).toBe('0.15');
    expect(fee(closingFee(US, 'ABIS_BOOK', 2))).toBe('3.60');
    expect(fee(closingFee(DE, 'ABIS_BOOK', 1))).toBe('1.01');
    expect(fee(closingFee(UK, 'ABIS_BOOK', 1))).toBe('0.50');
    expect(fee(closingFee(US, 'DRINKING_CUP', 1))).toBe('0.00');
    expect(fee(referralFee(DE, 'HEADPHONES', d('59.99'), 1, 'EUR'))).toBe('4.20');
  });

  test('FBA fulfilment fees by size tier (US 2024 rate card; DE rate card), per unit', () => {
    expect(fee(fbaFulfilmentFee(US, 'CELLULAR_PHONE_CASE', 1))).toBe('3.06');
    expect(fee(fbaFulfilmentFee(US, 'BOTTLE', 3))).toBe('13.65');
    expect(fee(fbaFulfilmentFee(US, 'LAMP', 1))).toBe('6.21');
    expect(fee(fbaFulfilmentFee(DE, 'BOTTLE', 1))).toBe('3.97');
  });

  test('the refund administration fee is the lesser of 5.00 per unit and 20% of the referral fee refunded', () => {
    expect(fee(refundAdministrationFee(US, d('2.40'), 1, 'USD'))).toBe('0.48');
    expect(fee(refundAdministrationFee(US, d('60.00'), 1, 'USD'))).toBe('5.00');
    expect(fee(refundAdministrationFee(US, d('60.00'), 3, 'USD'))).toBe('12.00');
  });
});

describe('tax Amazon collects', () => {
  const created = '2026-11-20T10:00:00Z';
  const de = (over: object = {}) =>
    orderFixture({
      orderId: '302-0000001-0000001',
      marketplaceId: DE,
      createdTime: created,
      lines: [{ sku: 'DEMO-SKU-29', quantity: 1 }],
      fba: true,
      ...over,
    });

  test('US and Canada: marketplace facilitator tax, as the order items say', () => {
    const us = orderFixture({
      orderId: '111-0000001-0000001',
      marketplaceId: US,
      createdTime: created,
      lines: [{ sku: 'DEMO-SKU-1', quantity: 1 }],
    });
    expect(withholdingOf(us, 'US')).toBe('MARKETPLACE_FACILITATOR_TAX');
    const ca = orderFixture({
      orderId: '701-0000001-0000001',
      marketplaceId: CA,
      createdTime: created,
      lines: [{ sku: 'DEMO-SKU-1', quantity: 1 }],
    });
    expect(withholdingOf(ca, 'CA')).toBe('MARKETPLACE_FACILITATOR_TAX');
  });

  test('EU and UK: VAT for sellers not established there, on consumer sales only, imports up to €150 / £135', () => {
    expect(withholdingOf(de(), 'DE')).toBeNull();
    expect(withholdingOf(de(), 'FR')).toBeNull();
    expect(withholdingOf(de(), 'US')).toBe('MARKETPLACE_FACILITATOR_VAT');
    expect(withholdingOf(de({ vatNumber: 'DE123456789' }), 'US')).toBeNull();
    expect(withholdingOf(de({ fba: false }), 'CN')).toBe('MARKETPLACE_FACILITATOR_VAT');
    const dear = de({ fba: false, lines: [{ sku: 'DEMO-SKU-21', quantity: 4 }] });
    expect(amount({ currencyAmount: Number(dear.proceeds.grandTotal.amount) }).gt(150)).toBe(true);
    expect(withholdingOf(dear, 'CN')).toBeNull();
    const uk = orderFixture({
      orderId: '202-0000001-0000001',
      marketplaceId: UK,
      createdTime: created,
      lines: [{ sku: 'DEMO-SKU-29', quantity: 1 }],
      fba: true,
    });
    expect(withholdingOf(uk, 'GB')).toBeNull();
    expect(withholdingOf(uk, 'DE')).toBe('MARKETPLACE_FACILITATOR_VAT');
    const mx = orderFixture({
      orderId: '701-0000002-0000001',
      marketplaceId: MX,
      createdTime: created,
      lines: [{ sku: 'DEMO-SKU-1', quantity: 1 }],
    });
    expect(withholdingOf(mx, 'US')).toBeNull();
  });
});

describe('shipments', () => {
  test('generated orders in the nine marketplaces: every Shipment validates, adds up at every level, and charges exactly the proceeds', () => {
    const orders = generateOrders(
      { count: 300, seed: 5, pendingShare: 0, cancelledShare: 0 },
      { now: NOW, sellerMarketplaceIds: [US, CA, MX, DE, ES, FR, UK, IT, NL] },
    );
    let checked = 0;
    for (const order of orders) {
      shipAll(order);
      const result = shipmentFor(order, 'S1', undefined, settings({ establishedIn: checked % 2 ? 'US' : 'DE' }))!;
      const tx = result.built.transaction;
      expectValid(validTransaction, tx, `Shipment of ${order.orderId}`);
      expect(sumProblems(tx)).toEqual([]);
      expect(salesOf(tx).toFixed(2)).toBe(order.proceeds.grandTotal.amount);
      expect(tx.totalAmount.currencyCode).toBe(order.proceeds.grandTotal.currencyCode);
      checked++;
    }
    expect(checked).toBe(300);
  });

  test('the same seed gives the same transactions, ids included; another seed other ids', () => {
    const make = (seed: number) =>
      generateOrders({ count: 20, seed: 9 }, { now: NOW, sellerMarketplaceIds: [US, DE] }).map((o) => {
        shipAll(o);
        return shipmentFor(o, 'S1', undefined, settings({ seed }))!.built.transaction;
      });
    expect(make(1)).toEqual(make(1));
    expect(make(2)[0].transactionId).not.toBe(make(1)[0].transactionId);
  });

  test('a seller-fulfilled US order: principal, shipping and tax, a 15% referral fee, the sales tax withheld', () => {
    const order = orderFixture({
      orderId: '111-0000003-0000001',
      marketplaceId: US,
      createdTime: '2026-11-20T10:00:00Z',
      lines: [{ sku: 'DEMO-SKU-1', quantity: 2 }],
    });
    shipAll(order);
    const tx = shipmentFor(order, 'S1', undefined, settings())!.built.transaction;
    expect(leaves(tx)).toEqual(US_MUGS_SHIPMENT);
    expect(tx.totalAmount).toEqual({ currencyAmount: 27.17, currencyCode: 'USD' });
  });

  test('shipped in parts, an item is charged in proportion and the last part takes the remainder: the parts sum to its proceeds', () => {
    const order = orderFixture({
      orderId: '111-0000004-0000001',
      marketplaceId: US,
      createdTime: '2026-11-20T10:00:00Z',
      lines: [{ sku: 'DEMO-SKU-5', quantity: 3, giftWrap: true, promotion: '4.00' }],
    });
    const item = order.orderItems[0];
    item.fulfillment = { quantityFulfilled: 1, quantityUnfulfilled: 2 };
    const first = shipmentFor(order, 'S1', undefined, settings())!;
    expect(shipmentFor(order, 'S1', first.ledger, settings())).toBeNull();
    item.fulfillment = { quantityFulfilled: 3, quantityUnfulfilled: 0 };
    const second = shipmentFor(order, 'S1', first.ledger, settings())!;
    expect(second.built.transaction.transactionId).not.toBe(first.built.transaction.transactionId);
    expect(second.built.transaction.items![0].contexts[0]).toMatchObject({ quantityShipped: 2 });
    const charged = salesOf(first.built.transaction).plus(salesOf(second.built.transaction));
    expect(charged.toFixed(2)).toBe(item.proceeds.proceedsTotal.amount);
    const promotion = d(leaves(first.built.transaction)['Promotion/PromotionPrincipal']).plus(
      leaves(second.built.transaction)['Promotion/PromotionPrincipal'],
    );
    expect(promotion.toFixed(2)).toBe('-4.00');
  });

  test('FBA in Germany for a seller established outside the EU: FBA fee, closing fee on books, VAT withheld', () => {
    const order = orderFixture({
      orderId: '302-0000005-0000001',
      marketplaceId: DE,
      createdTime: '2026-11-20T10:00:00Z',
      fba: true,
      lines: [{ sku: 'DEMO-SKU-33', quantity: 1 }],
    });
    shipAll(order);
    const tx = shipmentFor(order, 'S1', undefined, settings({ establishedIn: 'US' }))!.built.transaction;
    expect(leaves(tx)).toEqual({
      'ProductCharges/OurPricePrincipal': '14.01',
      'Tax/OurPriceTax': '0.98',
      'AmazonFees/Commission/Base': '-2.25',
      'AmazonFees/VariableClosingFee/Base': '-1.01',
      'AmazonFees/FBAPerUnitFulfillmentFee/Base': '-3.97',
      'MarketplaceWithheldTax/MarketplaceFacilitatorVAT-Principal': '-0.98',
    });
    expect(tx.items![0].contexts[0]).toMatchObject({
      contextType: 'ProductContext',
      sku: 'DEMO-SKU-33',
      fulfillmentNetwork: 'AFN',
    });
  });

  test('a deferral makes the Shipment DEFERRED until delivery + the deferral, with a DeferredContext', () => {
    const order = orderFixture({
      orderId: '111-0000006-0000001',
      marketplaceId: US,
      createdTime: '2026-11-20T10:00:00Z',
      lines: [{ sku: 'DEMO-SKU-1', quantity: 1 }],
    });
    shipAll(order);
    const { built } = shipmentFor(order, 'S1', undefined, settings({ deferralMs: 7 * 86_400_000 }))!;
    expect(built.transaction.transactionStatus).toBe('DEFERRED');
    expect(built.maturityAt).toBe(Date.parse('2026-11-20T10:00:00Z') + 11 * 86_400_000);
    expect(built.transaction.contexts).toEqual([
      { contextType: 'DeferredContext', deferralReason: 'DD7', maturityDate: '2026-12-01T10:00:00.000Z' },
    ]);
  });
});

describe('refunds', () => {
  test('refunds in parts give back exactly what was charged, except the FBA fee and Amazon’s refund administration fee', () => {
    const order = orderFixture({
      orderId: '111-0000007-0000001',
      marketplaceId: US,
      createdTime: '2026-11-20T10:00:00Z',
      fba: true,
      lines: [{ sku: 'DEMO-SKU-29', quantity: 3, giftWrap: true }],
    });
    shipAll(order);
    const shipped = shipmentFor(order, 'S1', undefined, settings())!;
    const charged = leaves(shipped.built.transaction);
    const id = order.orderItems[0].orderItemId;
    const first = refundFor(order, shipped.ledger, [{ orderItemId: id, quantity: 1 }], { seed: 1, postedAt: NOW });
    const rest = refundFor(order, first.ledger, undefined, { seed: 1, postedAt: NOW });
    expect(() => refundFor(order, rest.ledger, undefined, { seed: 1, postedAt: NOW })).toThrow(
      /nothing left to refund/,
    );
    const refunded = [first, rest].map((r) => leaves(r.built.transaction));
    for (const r of [first, rest]) {
      expectValid(validTransaction, r.built.transaction, 'Refund');
      expect(sumProblems(r.built.transaction)).toEqual([]);
    }
    const back = (path: string) => d(refunded[0][path] ?? '0').plus(refunded[1][path] ?? '0');
    for (const path of Object.keys(charged)) {
      const expected = path.includes('FBAPerUnitFulfillmentFee') ? '0.00' : d(charged[path]).negated().toFixed(2);
      expect({ path, back: back(path).toFixed(2) }).toEqual({ path, back: expected });
    }
    const commissionBack = back('AmazonFees/Commission/Base');
    expect(back('AmazonFees/RefundCommission/Base').toFixed(2)).toBe(
      d(refunded[0]['AmazonFees/Commission/Base'])
        .times('0.2')
        .toDecimalPlaces(2, Decimal.ROUND_HALF_UP)
        .plus(d(refunded[1]['AmazonFees/Commission/Base']).times('0.2').toDecimalPlaces(2, Decimal.ROUND_HALF_UP))
        .negated()
        .toFixed(2),
    );
    expect(commissionBack.gt(0)).toBe(true);
    expect(first.built.transaction.items![0].contexts[0]).toMatchObject({ quantityShipped: 1 });
  });

  test('a refund names unknown items, repeats or too many units with the field to fix', () => {
    const order = orderFixture({
      orderId: '111-0000008-0000001',
      marketplaceId: US,
      createdTime: '2026-11-20T10:00:00Z',
      lines: [{ sku: 'DEMO-SKU-1', quantity: 2 }],
    });
    shipAll(order);
    const { ledger } = shipmentFor(order, 'S1', undefined, settings())!;
    const id = order.orderItems[0].orderItemId;
    const refund = (items: any) => () => refundFor(order, ledger, items, { seed: 1, postedAt: NOW });
    expect(refund([{ orderItemId: 'nope', quantity: 1 }])).toThrow(/orderItemId nope is not an item/);
    expect(refund([{ orderItemId: id, quantity: 3 }])).toThrow(/only 2 unit\(s\) of orderItemId/);
    expect(
      refund([
        { orderItemId: id, quantity: 1 },
        { orderItemId: id, quantity: 1 },
      ]),
    ).toThrow(/listed twice/);
  });
});
