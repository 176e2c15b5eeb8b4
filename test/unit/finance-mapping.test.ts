import Decimal from 'decimal.js';
import fixtures from '../fixtures/finances/transactions.json';
import { categoryOf, mapTransaction } from '../../activities/spapi/finance-mapping';
import { planFinanceWindows } from '../../activities/spapi/finances';
import { MappedTransaction } from '../../book/finance-records';
import { definition, loadModel } from '../support/models';

/** Finances 2024-06-19 Transactions (served by the sandbox, and the model's own example) → our records. */

const sumOf = (lines: Array<{ amount: string }>) => lines.reduce((s, l) => s.plus(l.amount), new Decimal(0)).toFixed();
const byPath = (t: MappedTransaction, itemIndex: number) =>
  Object.fromEntries(t.lines.filter((l) => l.itemIndex === itemIndex).map((l) => [l.path, l.amount]));

describe('mapTransaction', () => {
  test('the fixtures are valid Transactions of the model', () => {
    const valid = definition('finances_2024-06-19.json', 'Transaction');
    for (const t of Object.values(fixtures)) expect([valid(t), valid.errors ?? null]).toEqual([true, null]);
  });

  test('a Shipment: one line per breakdown leaf and item, with the sku and units of its ProductContext', () => {
    const t = mapTransaction(fixtures.shipment);
    expect(MappedTransaction.safeParse(t).success).toBe(true);
    expect(t).toMatchObject({
      transactionType: 'Shipment',
      status: 'DEFERRED_RELEASED',
      currency: 'USD',
      total: '43.31',
      amazonOrderId: '114-2113335-3746153',
      groupId: 'hhaQ2WB5f7CqKdQ_ZlrsyunLMV7kEoB1JpO9DPbRWG8',
      settlementId: '40355931174',
      refundId: null,
    });
    expect(byPath(t, 0)).toEqual({
      'ProductCharges/OurPricePrincipal': '12.99',
      'Shipping/ShippingPrincipal': '5.99',
      'Tax/OurPriceTax': '0.81',
      'Tax/ShippingTax': '0.37',
      'AmazonFees/Commission/Base': '-2.85',
      'MarketplaceWithheldTax/MarketplaceFacilitatorTax-Principal': '-0.81',
      'MarketplaceWithheldTax/MarketplaceFacilitatorTax-Shipping': '-0.37',
    });
    expect(t.lines.filter((l) => l.itemIndex === 1).every((l) => l.sku === 'DEMO-SKU-13' && l.quantity === 2)).toBe(
      true,
    );
    expect(sumOf(t.lines)).toBe(t.total);
  });

  test('fees carry their type; the withheld marketplace-facilitator tax is not a fee', () => {
    const t = mapTransaction(fixtures.shipment);
    const commission = t.lines.find((l) => l.path === 'AmazonFees/Commission/Base')!;
    expect([commission.category, commission.feeType]).toEqual(['fee', 'Commission']);
    const withheld = t.lines.find((l) => l.path.startsWith('MarketplaceWithheldTax'))!;
    expect([withheld.category, withheld.feeType]).toEqual(['withheld_tax', null]);
  });

  test('a Refund becomes credit-note lines: product, shipping and tax back negative, fee reversals positive, the refund administration fee kept', () => {
    const t = mapTransaction(fixtures.refund);
    expect([t.transactionType, t.refundId, t.total]).toEqual(['Refund', '86796950984053', '-44.84']);
    const cat = (c: string) => sumOf(t.lines.filter((l) => l.category === c));
    expect(cat('product')).toBe('-44.97');
    expect(cat('shipping')).toBe('-5.99');
    expect(cat('tax')).toBe('-3.18');
    expect(cat('withheld_tax')).toBe('3.18');
    expect(sumOf(t.lines.filter((l) => l.feeType === 'Commission'))).toBe('7.65');
    expect(sumOf(t.lines.filter((l) => l.feeType === 'RefundCommission'))).toBe('-1.53');
    expect(sumOf(t.lines)).toBe('-44.84');
  });

  test('an FBA shipment in euros keeps its currency and its fulfilment fee', () => {
    const t = mapTransaction(fixtures.de);
    expect(t.currency).toBe('EUR');
    expect(t.lines.some((l) => l.feeType === 'FBAPerUnitFulfillmentFee')).toBe(true);
    expect(sumOf(t.lines)).toBe(t.total);
  });

  test('a Transfer has no items: its transaction-level breakdown is one transfer line, minus the payout', () => {
    const t = mapTransaction(fixtures.transfer);
    expect(t.transactionType).toBe('Transfer');
    expect(t.lines).toEqual([expect.objectContaining({ itemIndex: -1, category: 'transfer', amount: '-132.82' })]);
    expect(t.groupId).toBeTruthy();
  });

  test("the model's own example (no breakdowns at all) keeps its total as an unexplained line rather than losing it", () => {
    const example =
      loadModel('finances_2024-06-19.json').paths['/finances/2024-06-19/transactions'].get.responses['200'][
        'x-amzn-api-sandbox'
      ].static[0].response.payload.transactions[0];
    // The example has no transactionId: nothing could store it idempotently, so it is refused, naming the field.
    expect(() => mapTransaction(example)).toThrow(/transactionId/);
    const t = mapTransaction({ ...example, transactionId: 'example-1' });
    expect(t.lines).toEqual([expect.objectContaining({ path: 'Unexplained', category: 'other', amount: '10' })]);
    expect([t.amazonOrderId, t.groupId]).toEqual(['8129762527551', '4MVaHcsAfaYAlwlaPWrXJxrfUiKfYZ2ooWtY7528FUA']);
  });

  test('a status change (DEFERRED → DEFERRED_RELEASED) changes the digest; the same transaction read twice does not', () => {
    const released = mapTransaction(fixtures.deferred);
    const again = mapTransaction(structuredClone(fixtures.deferred));
    const deferred = mapTransaction({
      ...fixtures.deferred,
      transactionStatus: 'DEFERRED',
      relatedIdentifiers: fixtures.deferred.relatedIdentifiers.filter(
        (r) => !['FINANCIAL_EVENT_GROUP_ID', 'SETTLEMENT_ID'].includes(r.relatedIdentifierName),
      ),
    });
    expect(again.digest).toBe(released.digest);
    expect(deferred.digest).not.toBe(released.digest);
    expect([deferred.transactionId, deferred.groupId]).toEqual([released.transactionId, null]);
  });

  test('categories: transaction-level Sales/Expenses paths read like item paths', () => {
    expect(categoryOf('Expenses/AmazonFees')).toEqual({ category: 'fee', feeType: 'AmazonFees' });
    expect(categoryOf('Sales/Tax')).toEqual({ category: 'tax', feeType: null });
    expect(categoryOf('AmazonFees/FBAPerUnitFulfillmentFee/Base')).toEqual({
      category: 'fee',
      feeType: 'FBAPerUnitFulfillmentFee',
    });
  });

  test('a currency that is not ISO 4217 is refused, naming the field', () => {
    expect(() => mapTransaction({ ...fixtures.shipment, totalAmount: { currencyAmount: 1 } })).toThrow(
      /totalAmount.currencyCode/,
    );
  });
});

describe('planFinanceWindows', () => {
  const DAY = 86_400_000;
  test('a read within 180 days is one open-ended window (Amazon ends it by its own clock)', () => {
    const now = Date.parse('2026-12-03T00:00:00Z');
    expect(planFinanceWindows(now - 30 * DAY, now)).toEqual([{ postedAfter: '2026-11-03T00:00:00.000Z' }]);
  });
  test('a longer read is split into windows of at most 179 days, each ending where the next starts', () => {
    const now = Date.parse('2026-12-03T00:00:00Z');
    const windows = planFinanceWindows(now - 400 * DAY, now);
    expect(windows).toHaveLength(3);
    expect(windows[0].postedBefore).toBe(windows[1].postedAfter);
    expect(Date.parse(windows[0].postedBefore!) - Date.parse(windows[0].postedAfter)).toBe(179 * DAY);
    expect(windows[2].postedBefore).toBeUndefined();
  });
});
