import type { SQSClient } from '@aws-sdk/client-sqs';
import type { MotoServer } from '../../lib/moto';
import { expectValid, jsonSchema } from '../support/models';
import { orderFixture, transactionsReader } from './finance-support';
import { newQueue, receive, startTestMoto, subscribe } from './notifications-support';
import { newSeller, startTestSandbox, TestSandbox, TestSeller, US } from './support';

/**
 * TRANSACTION_UPDATE to SQS: a seller subscribed to it gets one message, valid against Amazon's schema, for every
 * Finances transaction created or released, once listTransactions shows it (after the lag).
 */

const MINUTE = 60_000;
const DAY = 86_400_000;
let clock = Date.parse('2026-11-26T12:00:00Z');
let t: TestSandbox;
let moto: MotoServer;
let sqs: SQSClient;
const ago = (ms: number) => new Date(clock - ms).toISOString();
const payload = (m: { body: any }) => m.body.Payload.TransactionUpdateNotification;
const related = (m: { body: any }, name: string) =>
  payload(m).RelatedIdentifiers.find((r: any) => r.RelatedIdentifierName === name)?.RelatedIdentifierValue;

beforeAll(async () => {
  ({ moto, sqs } = await startTestMoto());
  t = await startTestSandbox({ now: () => clock });
});
afterAll(async () => {
  await t.close();
  sqs.destroy();
  await moto.stop();
});

let n = 0;
async function shipMugs(seller: TestSeller, shippedAgo = 10 * MINUTE) {
  const order = orderFixture({
    orderId: `111-${String(++n).padStart(7, '0')}-0000042`,
    marketplaceId: US,
    createdTime: ago(60 * MINUTE),
    lines: [{ sku: 'DEMO-SKU-1', quantity: 2 }],
  });
  await t.admin.addOrders(seller.sellerId, [order]);
  await t.admin.setOrderStatus(order.orderId, 'SHIPPED', { at: ago(shippedAgo) });
  return order.orderId;
}

async function subscribedSeller() {
  const seller = await newSeller(t, { marketplaceIds: [US] });
  const queue = await newQueue(sqs, 'transaction-update');
  const { subscriptionId } = await subscribe(t, seller, queue.arn, undefined, 'TRANSACTION_UPDATE');
  return { seller, queue, subscriptionId };
}

test('a shipment and its release arrive as TRANSACTION_UPDATE messages valid against Amazon’s schema', async () => {
  await t.admin.setConfig({ financeLag: '0s', financeDeferral: '7d' });
  const { seller, queue, subscriptionId } = await subscribedSeller();
  const orderId = await shipMugs(seller);
  const [created, ...extra] = await receive(sqs, queue.url, 1);
  expect(extra).toEqual([]);
  expectValid(jsonSchema('TransactionUpdateNotification.json'), created.body, 'TRANSACTION_UPDATE');
  expect(created.body).toMatchObject({
    NotificationType: 'TRANSACTION_UPDATE',
    PayloadVersion: '1.0',
    NotificationMetadata: { SubscriptionId: subscriptionId },
  });
  expect(payload(created)).toMatchObject({
    SellingPartnerMetadata: { SellingPartnerId: seller.sellerId, MarketplaceId: US },
    TransactionType: 'Shipment',
    TotalAmount: { CurrencyAmount: 27.17, CurrencyCode: 'USD' },
  });
  expect(related(created, 'OrderId')).toBe(orderId);
  expect(related(created, 'FinancialEventGroupId')).toBeUndefined();

  clock += 12 * DAY;
  await t.admin.financeTransactions(seller.sellerId); // the sandbox plays its clock on any finance call
  const [released] = await receive(sqs, queue.url, 1);
  expect(related(released, 'OrderId')).toBe(orderId);
  expect(related(released, 'FinancialEventGroupId')).toMatch(/^[\w-]{43}$/);
  const [tx] = (await transactionsReader(t, () => clock).page(seller, { postedAfter: ago(13 * DAY) })).transactions;
  expect(payload(released).TotalAmount.CurrencyAmount).toBe(tx.totalAmount.currencyAmount);
});

test('the notification waits for the lag, so it never runs ahead of listTransactions', async () => {
  // 48 h at a time scale of 86400: two seconds.
  await t.admin.setConfig({ financeLag: '48h', financeDeferral: '0s', financeTimeScale: 86_400 });
  const { seller, queue } = await subscribedSeller();
  await shipMugs(seller, 0);
  expect(await receive(sqs, queue.url, 1, 1_000)).toEqual([]);
  const [late] = await receive(sqs, queue.url, 1, 10_000);
  expect(payload(late).TransactionType).toBe('Shipment');
});
