import Decimal from 'decimal.js';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startSandbox } from '../../sandbox';
import { SandboxAdmin } from '../../sandbox/admin-client';
import type { Transaction } from '../../sandbox/finances/transactions';
import { transactionUpdateNotification } from '../../sandbox/finances/notification';
import type { TransactionChange } from '../../sandbox/finances/events';
import { expectValid, jsonSchema } from '../support/models';
import {
  amount,
  FINANCES_MODEL,
  identifier,
  leaves,
  orderFixture,
  salesOf,
  sumProblems,
  TRANSACTIONS_PATH,
  transactionsReader,
  US_MUGS_SHIPMENT,
} from './finance-support';
import {
  CA,
  DE,
  EU_HOST,
  expectError,
  expectModel,
  FR,
  newSeller,
  startTestSandbox,
  TestSandbox,
  TestSeller,
  US,
} from './support';

/** Finances API 2024-06-19 listTransactions over HTTP: what sandbox orders generate, as finances_2024-06-19.json says. */

const FILE = FINANCES_MODEL;
const PATH = TRANSACTIONS_PATH;
const MINUTE = 60_000;
const HOUR = 3_600_000;
const DAY = 86_400_000;

let clock = Date.parse('2026-11-26T12:00:00Z');
let t: TestSandbox;
const events: Array<{ tx: Transaction; change: TransactionChange; sellerId: string }> = [];
const iso = (ms: number) => new Date(ms).toISOString();
const ago = (ms: number) => iso(clock - ms);

beforeAll(async () => {
  t = await startTestSandbox({ now: () => clock });
  reader = transactionsReader(t, () => clock);
  t.sandbox.transactionEvents.onTransaction((tx, change, info) => events.push({ tx, change, sellerId: info.sellerId }));
});
afterAll(() => t.close());
afterEach(() =>
  t.admin.setConfig({ financeLag: '48h', financeDeferral: '7d', financeSettlement: '14d', financeTimeScale: 1 }),
);

let reader: ReturnType<typeof transactionsReader>;
const list = (seller: TestSeller, query: Record<string, string>, host?: string) => reader.page(seller, query, host);
const listAll = async (seller: TestSeller, query: Record<string, string>, host?: string) =>
  (await reader.listAll(seller, query, host)).all;

const byOrder = (seller: TestSeller, orderId: string, host?: string) =>
  listAll(seller, { relatedIdentifierName: 'ORDER_ID', relatedIdentifierValue: orderId }, host);

let orderSeq = 0;
const nextOrderId = (prefix: string) => `${prefix}-${String(++orderSeq).padStart(7, '0')}-${String(clock).slice(-7)}`;

/** A seller-fulfilled US order of 2 mugs with shipping, placed an hour ago (Seattle: 10.35% sales tax). */
async function placeUsMugs(seller: TestSeller) {
  const order = orderFixture({
    orderId: nextOrderId('111'),
    marketplaceId: US,
    createdTime: ago(HOUR),
    lines: [{ sku: 'DEMO-SKU-1', quantity: 2 }],
  });
  await t.admin.addOrders(seller.sellerId, [order]);
  return order;
}

async function confirmShipment(seller: TestSeller, order: any) {
  const res = await seller.call('POST', `/orders/v0/orders/${order.orderId}/shipmentConfirmation`, {
    body: {
      marketplaceId: US,
      packageDetail: {
        packageReferenceId: '1',
        carrierCode: 'UPS',
        trackingNumber: '1Z999AA10123456784',
        shipDate: ago(30 * MINUTE),
        orderItems: order.orderItems.map((i: any) => ({ orderItemId: i.orderItemId, quantity: i.quantityOrdered })),
      },
    },
  });
  expect([res.status, res.text]).toEqual([204, '']);
}

describe('the contract', () => {
  let seller: TestSeller;
  beforeAll(async () => {
    seller = await newSeller(t, { marketplaceIds: [US, CA] });
  });

  test('answers with Amazon’s usage plan (0.5 rps, burst 10) and validates even when empty', async () => {
    const res = await seller.call('GET', PATH, { query: { postedAfter: ago(DAY) } });
    expect(res.headers['x-amzn-ratelimit-limit']).toBe('0.5');
    expectModel(FILE, PATH, 'get', res);
    expect(res.json).toEqual({ payload: { transactions: [] } });
  });

  test.each([
    ['no postedAfter and no related identifier', {}, 'Start date cannot be null'],
    ['postedAfter within 2 minutes', { postedAfter: ago(MINUTE) }, 'postedAfter must be more than 2 minutes before'],
    ['postedBefore within 2 minutes', { postedAfter: ago(DAY), postedBefore: ago(MINUTE) }, 'postedBefore must be'],
    ['postedBefore not after postedAfter', { postedAfter: ago(DAY), postedBefore: ago(DAY) }, 'later than postedAfter'],
    [
      'postedBefore without postedAfter',
      { relatedIdentifierName: 'ORDER_ID', relatedIdentifierValue: '1', postedBefore: ago(DAY) },
      'postedAfter must be provided',
    ],
    ['a date that is not ISO 8601', { postedAfter: '11/20/2026' }, 'Invalid postedAfter'],
    [
      'an unknown transactionStatus',
      { postedAfter: ago(DAY), transactionStatus: 'PENDING' },
      'Allowed values: DEFERRED, RELEASED, DEFERRED_RELEASED',
    ],
    ['a name without a value', { relatedIdentifierName: 'ORDER_ID' }, 'must be provided together'],
    [
      'an identifier Amazon does not filter by',
      { relatedIdentifierName: 'SHIPMENT_ID', relatedIdentifierValue: '1' },
      'only FINANCIAL_EVENT_GROUP_ID and ORDER_ID',
    ],
    [
      'an unknown identifier name',
      { relatedIdentifierName: 'ORDER', relatedIdentifierValue: '1' },
      'Invalid relatedIdentifierName',
    ],
    ['a marketplace not the seller’s', { postedAfter: ago(DAY), marketplaceId: DE }, 'Invalid marketplaceId'],
    ['a nextToken that is not one', { postedAfter: ago(DAY), nextToken: 'abc' }, 'Invalid nextToken'],
  ])('400 InvalidInput for %s', async (_what, query, message) => {
    const res = await seller.call('GET', PATH, { query: query as Record<string, string> });
    expectError(res, 400, 'InvalidInput');
    expect(res.json.errors[0].message).toContain(message);
    expectModel(FILE, PATH, 'get', res);
  });

  test('403 without an access token, in Amazon’s error shape', async () => {
    const res = await seller.call('GET', PATH, { query: { postedAfter: ago(DAY) }, token: null });
    expectError(res, 403);
    expectModel(FILE, PATH, 'get', res);
  });

  test('postedAfter and postedBefore more than 180 days apart: an empty answer, not an error', async () => {
    expect(await list(seller, { postedAfter: ago(200 * DAY), postedBefore: ago(DAY) })).toEqual({ transactions: [] });
  });
});

describe('shipments', () => {
  let us: TestSeller;
  let eu: TestSeller;
  beforeAll(async () => {
    us = await newSeller(t, { marketplaceIds: [US, CA] });
    eu = await newSeller(t, { marketplaceIds: [DE, FR] });
    await t.admin.setConfig({ financeLag: '0s', financeDeferral: '0s' });
  });
  beforeEach(() => t.admin.setConfig({ financeLag: '0s', financeDeferral: '0s' }));

  test('an FBM order confirmed through Orders v0 gives one Shipment: charges equal to its proceeds, a 15% referral fee, the sales tax withheld', async () => {
    const order = await placeUsMugs(us);
    expect(await byOrder(us, order.orderId)).toEqual([]);
    await confirmShipment(us, order);
    clock += 3 * MINUTE;
    const [tx, ...more] = await byOrder(us, order.orderId);
    expect(more).toEqual([]);
    expect(tx).toMatchObject({
      transactionType: 'Shipment',
      transactionStatus: 'RELEASED',
      description: 'Order Payment',
      sellingPartnerMetadata: { sellingPartnerId: us.sellerId, marketplaceId: US },
      marketplaceDetails: { marketplaceId: US, marketplaceName: 'Amazon.com' },
      totalAmount: { currencyAmount: 27.17, currencyCode: 'USD' },
    });
    expect(leaves(tx)).toEqual(US_MUGS_SHIPMENT);
    expect(salesOf(tx).toFixed(2)).toBe(order.proceeds.grandTotal.amount);
    expect(identifier(tx, 'FINANCIAL_EVENT_GROUP_ID')).toMatch(/^[\w-]{43}$/);
    expect(identifier(tx, 'SETTLEMENT_ID')).toMatch(/^\d{11}$/);
    expect(tx.items![0].contexts[0]).toEqual({
      contextType: 'ProductContext',
      asin: order.orderItems[0].product.asin,
      sku: 'DEMO-SKU-1',
      quantityShipped: 2,
      fulfillmentNetwork: 'MFN',
    });
    expect(sumProblems(tx)).toEqual([]);
  });

  test('an FBA order shipped by Amazon gives one Shipment with the FBA fee, and a book its closing fee', async () => {
    const bottle = orderFixture({
      orderId: nextOrderId('302'),
      marketplaceId: DE,
      createdTime: ago(HOUR),
      fba: true,
      lines: [{ sku: 'DEMO-SKU-29', quantity: 1 }],
    });
    const book = orderFixture({
      orderId: nextOrderId('111'),
      marketplaceId: US,
      createdTime: ago(HOUR),
      fba: true,
      place: 4,
      lines: [{ sku: 'DEMO-SKU-33', quantity: 1 }],
    });
    await t.admin.addOrders(eu.sellerId, [bottle]);
    await t.admin.addOrders(us.sellerId, [book]);
    await t.admin.setOrderStatus(bottle.orderId, 'SHIPPED', { at: ago(10 * MINUTE) });
    await t.admin.setOrderStatus(book.orderId, 'SHIPPED', { at: ago(10 * MINUTE) });
    const [de] = await byOrder(eu, bottle.orderId, EU_HOST);
    // A seller established in Germany remits its own VAT: nothing withheld; the referral fee is on the gross price.
    expect(leaves(de)).toEqual({
      'ProductCharges/OurPricePrincipal': '13.44',
      'Tax/OurPriceTax': '2.55',
      'AmazonFees/Commission/Base': '-2.40',
      'AmazonFees/FBAPerUnitFulfillmentFee/Base': '-3.97',
    });
    expect(de.totalAmount).toEqual({ currencyAmount: 9.62, currencyCode: 'EUR' });
    const [usBook] = await byOrder(us, book.orderId);
    expect(leaves(usBook)).toEqual({
      'ProductCharges/OurPricePrincipal': '14.99',
      'AmazonFees/Commission/Base': '-2.25',
      'AmazonFees/VariableClosingFee/Base': '-1.80',
      'AmazonFees/FBAPerUnitFulfillmentFee/Base': '-4.55',
    });
    expect(usBook.items![0].contexts[0]).toMatchObject({ fulfillmentNetwork: 'AFN' });
    // Shipping the same order again charges nothing new.
    await t.admin.setOrderStatus(book.orderId, 'SHIPPED');
    expect(await byOrder(us, book.orderId)).toHaveLength(1);
  });

  test('a seller established outside the EU has the VAT withheld by Amazon (deemed supplier)', async () => {
    const seller = await newSeller(t, { marketplaceIds: [DE] });
    await t.admin.setEstablishment(seller.sellerId, 'CN');
    const order = orderFixture({
      orderId: nextOrderId('303'),
      marketplaceId: DE,
      createdTime: ago(HOUR),
      fba: true,
      lines: [{ sku: 'DEMO-SKU-29', quantity: 1 }],
    });
    await t.admin.addOrders(seller.sellerId, [order]);
    await t.admin.setOrderStatus(order.orderId, 'SHIPPED', { at: ago(10 * MINUTE) });
    const [tx] = await byOrder(seller, order.orderId, EU_HOST);
    expect(leaves(tx)['MarketplaceWithheldTax/MarketplaceFacilitatorVAT-Principal']).toBe('-2.55');
    expect(tx.totalAmount.currencyAmount).toBe(7.07);
  });

  test('an injected mismatch: the order’s next Shipment charges that much more than its Orders-API proceeds', async () => {
    const order = await placeUsMugs(us);
    await t.admin.setFinanceMismatch(order.orderId, '-0.50');
    await t.admin.setOrderStatus(order.orderId, 'SHIPPED', { at: ago(10 * MINUTE) });
    const [tx] = await byOrder(us, order.orderId);
    expect(salesOf(tx).minus(order.proceeds.grandTotal.amount).toFixed(2)).toBe('-0.50');
    expect(sumProblems(tx)).toEqual([]);
    await expect(t.admin.setFinanceMismatch(order.orderId, '1.00')).rejects.toThrow(/409.*charged in full/);
  });
});

describe('refunds', () => {
  let seller: TestSeller;
  beforeAll(async () => {
    seller = await newSeller(t, { marketplaceIds: [US] });
  });
  beforeEach(() => t.admin.setConfig({ financeLag: '0s', financeDeferral: '0s' }));

  test('a partial refund gives back the units’ share, the referral fee minus Amazon’s 20% administration fee, and the withheld tax', async () => {
    const order = await placeUsMugs(seller);
    await t.admin.setOrderStatus(order.orderId, 'SHIPPED', { at: ago(20 * MINUTE) });
    const item = order.orderItems[0].orderItemId;
    const { transaction, reason } = await t.admin.refundOrder(order.orderId, {
      items: [{ orderItemId: item, quantity: 1 }],
      reason: 'CustomerReturn',
      at: ago(10 * MINUTE),
    });
    expect(reason).toBe('CustomerReturn');
    const [shipment, refund] = await byOrder(seller, order.orderId);
    expect(refund).toEqual(transaction);
    expect(refund).toMatchObject({
      transactionType: 'Refund',
      transactionStatus: 'RELEASED',
      description: 'Refund Order',
    });
    expect(identifier(refund, 'REFUND_ID')).toMatch(/^\d{14}$/);
    expect(identifier(refund, 'FINANCIAL_EVENT_GROUP_ID')).toBe(identifier(shipment, 'FINANCIAL_EVENT_GROUP_ID'));
    expect(leaves(refund)).toEqual({
      'ProductCharges/OurPricePrincipal': '-12.99',
      'Shipping/ShippingPrincipal': '-3.00',
      'Tax/OurPriceTax': '-1.35',
      'Tax/ShippingTax': '-0.31',
      'AmazonFees/Commission/Base': '2.40',
      'AmazonFees/RefundCommission/Base': '-0.48',
      'MarketplaceWithheldTax/MarketplaceFacilitatorTax-Principal': '1.35',
      'MarketplaceWithheldTax/MarketplaceFacilitatorTax-Shipping': '0.31',
    });
    expect(refund.totalAmount).toEqual({ currencyAmount: -14.07, currencyCode: 'USD' });
    expect(refund.items![0].contexts[0]).toMatchObject({ sku: 'DEMO-SKU-1', quantityShipped: 1 });
  });

  test('refunding the whole order gives back what is left, to the cent; then nothing is left to refund', async () => {
    const order = await placeUsMugs(seller);
    await t.admin.setOrderStatus(order.orderId, 'SHIPPED', { at: ago(20 * MINUTE) });
    const item = order.orderItems[0].orderItemId;
    await t.admin.refundOrder(order.orderId, { items: [{ orderItemId: item, quantity: 1 }], at: ago(15 * MINUTE) });
    await t.admin.refundOrder(order.orderId, { at: ago(10 * MINUTE) });
    const [shipment, ...refunds] = await byOrder(seller, order.orderId);
    expect(refunds.map((r) => r.transactionType)).toEqual(['Refund', 'Refund']);
    const salesBack = refunds.reduce((s, r) => s.plus(salesOf(r)), new Decimal(0));
    expect(salesBack.negated().toFixed(2)).toBe(salesOf(shipment).toFixed(2));
    const net = [shipment, ...refunds].reduce((s, r) => s.plus(amount(r.totalAmount)), new Decimal(0));
    // What the seller keeps out of a fully refunded order: minus the two refund administration fees (0.48 each).
    expect(net.toFixed(2)).toBe('-0.96');
    await expect(t.admin.refundOrder(order.orderId)).rejects.toThrow(/409.*nothing left to refund/);
  });

  test('an order not shipped cannot be refunded, and bad items are a 400 naming the field', async () => {
    const order = await placeUsMugs(seller);
    await expect(t.admin.refundOrder(order.orderId)).rejects.toThrow(/409.*shipped nothing yet/);
    await t.admin.setOrderStatus(order.orderId, 'SHIPPED', { at: ago(20 * MINUTE) });
    await expect(t.admin.refundOrder(order.orderId, { items: [{ orderItemId: 'x', quantity: 1 }] })).rejects.toThrow(
      /400.*orderItemId x is not an item/,
    );
    await expect(
      t.admin.refundOrder(order.orderId, { items: [{ orderItemId: order.orderItems[0].orderItemId, quantity: 0 }] }),
    ).rejects.toThrow(/400.*items\[0\]\.quantity must be a positive integer/);
    await expect(t.admin.refundOrder('111-0000000-0000000')).rejects.toThrow(/404/);
  });
});

describe('deferred → released', () => {
  test('a Shipment is DEFERRED until 7 days after delivery, then DEFERRED_RELEASED in a settlement group, same transactionId', async () => {
    await t.admin.setConfig({ financeLag: '0s' });
    const seller = await newSeller(t, { marketplaceIds: [US] });
    const order = await placeUsMugs(seller);
    await t.admin.setOrderStatus(order.orderId, 'SHIPPED', { at: ago(10 * MINUTE) });
    const shippedAt = clock - 10 * MINUTE;
    const deferred = await list(seller, { postedAfter: ago(DAY), transactionStatus: 'DEFERRED' });
    expect(deferred.transactions).toHaveLength(1);
    const [tx] = deferred.transactions as Transaction[];
    // Seller-fulfilled, not Prime: delivered 4 days after shipping, released 7 days after that (DD7).
    expect(tx.contexts).toEqual([
      { contextType: 'DeferredContext', deferralReason: 'DD7', maturityDate: iso(shippedAt + 11 * DAY) },
    ]);
    expect(identifier(tx, 'FINANCIAL_EVENT_GROUP_ID')).toBeUndefined();
    expect(await list(seller, { postedAfter: ago(DAY), transactionStatus: 'RELEASED' })).toEqual({ transactions: [] });

    clock = shippedAt + 11 * DAY - MINUTE;
    const still = await list(seller, { postedAfter: ago(12 * DAY), transactionStatus: 'DEFERRED' });
    expect(still.transactions.map((x: Transaction) => x.transactionId)).toEqual([tx.transactionId]);
    clock = shippedAt + 11 * DAY;
    expect(await list(seller, { postedAfter: ago(12 * DAY), transactionStatus: 'DEFERRED' })).toEqual({
      transactions: [],
    });
    const [released] = (await list(seller, { postedAfter: ago(12 * DAY), transactionStatus: 'DEFERRED_RELEASED' }))
      .transactions as Transaction[];
    expect(released.transactionId).toBe(tx.transactionId);
    expect(released.postedDate).toBe(tx.postedDate);
    expect(identifier(released, 'FINANCIAL_EVENT_GROUP_ID')).toMatch(/^[\w-]{43}$/);
    const changes = events.filter((e) => e.tx.transactionId === tx.transactionId).map((e) => e.change);
    expect(changes).toEqual(['CREATED', 'RELEASED']);
  });
});

describe('Amazon’s lag', () => {
  test('listTransactions leaves out the last 48 hours; financeLag "0s" shows them; a time scale shortens the lag', async () => {
    await t.admin.setConfig({ financeDeferral: '0s' });
    const seller = await newSeller(t, { marketplaceIds: [US] });
    const order = await placeUsMugs(seller);
    await t.admin.setOrderStatus(order.orderId, 'SHIPPED');
    clock += 3 * MINUTE;
    const window = { postedAfter: ago(DAY) };
    expect(await list(seller, window)).toEqual({ transactions: [] });
    expect(await byOrder(seller, order.orderId)).toEqual([]);
    const [hidden] = (await t.admin.financeTransactions(seller.sellerId)).transactions;
    expect(hidden.visibleAt).toBe(iso(Date.parse(hidden.transaction.postedDate) + 48 * HOUR));

    await t.admin.setConfig({ financeLag: '0s' });
    expect((await list(seller, window)).transactions).toHaveLength(1);
    await t.admin.setConfig({ financeLag: '48h', financeTimeScale: 86_400 });
    expect((await list(seller, window)).transactions).toHaveLength(1); // 48 h / 86400 = 2 s, 3 minutes ago
    await t.admin.setConfig({ financeTimeScale: 1 });
    expect(await list(seller, window)).toEqual({ transactions: [] });
    clock += 48 * HOUR;
    expect((await list(seller, { postedAfter: ago(3 * DAY) })).transactions).toHaveLength(1);
  });

  test('bad finance settings are a 400 naming the field', async () => {
    await expect(t.admin.setConfig({ financeLag: '2 days' })).rejects.toThrow(/400.*financeLag must be a duration/);
    await expect(t.admin.setConfig({ financeTimeScale: 0 })).rejects.toThrow(/400.*financeTimeScale must be/);
    await expect(t.admin.setConfig({ financeSettlement: '0s' })).rejects.toThrow(/400.*financeSettlement/);
    expect(await t.admin.getConfig()).toMatchObject({ financeLag: '48h', financeSettlement: '14d' });
  });
});

describe('the TRANSACTION_UPDATE hook', () => {
  test('every transaction created or released is announced once, and fills a valid TRANSACTION_UPDATE notification', async () => {
    const validNotification = jsonSchema('TransactionUpdateNotification.json');
    expect(events.length).toBeGreaterThan(10);
    const created = new Set<string>();
    for (const { tx, change } of events) {
      if (change === 'CREATED') {
        expect(created.has(tx.transactionId)).toBe(false);
        created.add(tx.transactionId);
      }
      const notification = transactionUpdateNotification(tx, {
        applicationId: 'amzn1.sellerapps.app.test',
        subscriptionId: 'subscription-1',
        notificationId: `n-${tx.transactionId}-${change}`,
        publishTime: iso(clock),
      });
      expectValid(validNotification, notification, `TRANSACTION_UPDATE of ${tx.transactionId}`);
      expect(notification.Payload.TransactionUpdateNotification.TotalAmount).toEqual({
        CurrencyAmount: tx.totalAmount.currencyAmount,
        CurrencyCode: tx.totalAmount.currencyCode,
      });
    }
    const order = events.find((e) => identifier(e.tx, 'ORDER_ID'))!;
    const ids = transactionUpdateNotification(order.tx, {
      applicationId: 'a',
      subscriptionId: 's',
      notificationId: 'n',
      publishTime: iso(clock),
    }).Payload.TransactionUpdateNotification.RelatedIdentifiers;
    expect(ids[0]).toEqual({
      RelatedIdentifierName: 'OrderId',
      RelatedIdentifierValue: identifier(order.tx, 'ORDER_ID'),
    });
  });
});

describe('persistence', () => {
  test('with --state, transactions, order charges and what is still to come survive a restart', async () => {
    const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-finances-')), 'state.json');
    const start = () => startSandbox({ statePath: file, rateLimits: 'off', now: () => clock });
    const first = await start();
    const admin = new SandboxAdmin(first.url);
    await admin.createSeller({
      sellerId: 'APERSISTFIN',
      marketplaceIds: [US],
      clientId: 'c',
      clientSecret: 's',
      refreshToken: 'Atzr|persist-fin',
    });
    const order = orderFixture({
      orderId: nextOrderId('111'),
      marketplaceId: US,
      createdTime: ago(HOUR),
      lines: [{ sku: 'DEMO-SKU-1', quantity: 2 }],
    });
    await admin.addOrders('APERSISTFIN', [order]);
    await admin.setOrderStatus(order.orderId, 'SHIPPED');
    const before = await admin.financeTransactions('APERSISTFIN');
    expect(before.transactions.map((x) => x.transaction.transactionStatus)).toEqual(['DEFERRED']);
    await first.close();

    // A state saved before Finances existed: its shipped orders are charged at start, with the same ids.
    const saved = JSON.parse(fs.readFileSync(file, 'utf8'));
    fs.writeFileSync(`${file}.old`, JSON.stringify({ ...saved, finances: undefined }));
    const old = await startSandbox({ statePath: `${file}.old`, rateLimits: 'off', now: () => clock });
    expect(await new SandboxAdmin(old.url).financeTransactions('APERSISTFIN')).toEqual(before);
    await old.close();

    const second = await start();
    const again = new SandboxAdmin(second.url);
    expect(await again.financeTransactions('APERSISTFIN')).toEqual(before);
    clock += 12 * DAY;
    const after = await again.financeTransactions('APERSISTFIN');
    expect(after.transactions[0].transaction.transactionStatus).toBe('DEFERRED_RELEASED');
    await expect(again.refundOrder(order.orderId, { at: ago(MINUTE) })).resolves.toMatchObject({
      transaction: { transactionType: 'Refund' },
    });
    await second.close();
  });
});
