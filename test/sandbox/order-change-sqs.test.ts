import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { CreateQueueCommand, SQSClient } from '@aws-sdk/client-sqs';
import { startSandbox } from '../../sandbox';
import { MotoServer, startMoto } from '../../lib/moto';
import { applicationIdOf } from '../../sandbox/notification-publisher';
import { expectValid, jsonSchema } from '../support/models';
import { newQueue, publisherIdle, receive, startTestMoto, subscribe } from './notifications-support';
import { SandboxAdmin } from '../../sandbox/admin-client';
import { CA, newSeller, startTestSandbox, TestSandbox, TestSeller, US } from './support';

/**
 * ORDER_CHANGE to SQS: every order the sandbox creates or changes reaches a subscribed seller's queue (a real moto
 * server) in Amazon's envelope, and the admin switches drop, duplicate, delay and reorder those messages.
 */

let t: TestSandbox;
let moto: MotoServer;
let sqs: SQSClient;
const validate = () => jsonSchema('OrderChangeNotification.json');

beforeAll(async () => {
  ({ moto, sqs } = await startTestMoto());
  t = await startTestSandbox();
});
afterEach(() => t.admin.setNotificationSwitches({}));
afterAll(async () => {
  await t.close();
  sqs.destroy();
  await moto.stop();
});

let n = 0;
/** An unshipped FBM order with two items (2 units of DEMO-SKU-1, 1 of DEMO-SKU-2), stored through the admin API. */
async function fbmOrder(seller: TestSeller, marketplaceId = US) {
  const orderId = `114-${String(++n).padStart(7, '0')}-${String(Date.now()).slice(-7)}`;
  const time = new Date(Date.now() - 3_600_000).toISOString();
  const item = (suffix: string, sku: string, quantityOrdered: number) => ({
    orderItemId: `${orderId.replace(/-/g, '').slice(0, 12)}${suffix}`,
    quantityOrdered,
    product: { sellerSku: sku },
    fulfillment: { quantityFulfilled: 0, quantityUnfulfilled: quantityOrdered },
  });
  await t.admin.addOrders(seller.sellerId, [
    {
      orderId,
      createdTime: time,
      lastUpdatedTime: time,
      salesChannel: { channelName: 'AMAZON', marketplaceId },
      recipient: { deliveryAddress: { postalCode: '98101', countryCode: 'US' } },
      fulfillment: {
        fulfillmentStatus: 'UNSHIPPED',
        fulfilledBy: 'MERCHANT',
        shipByWindow: { earliestDateTime: time, latestDateTime: time },
      },
      orderItems: [item('01', 'DEMO-SKU-1', 2), item('02', 'DEMO-SKU-2', 1)],
    },
  ]);
  return orderId;
}

/** A seller subscribed to ORDER_CHANGE on a new queue. */
async function subscribedSeller(processingDirective?: Record<string, unknown>) {
  const seller = await newSeller(t, { marketplaceIds: [US, CA] });
  const queue = await newQueue(sqs);
  const ids = await subscribe(t, seller, queue.arn, processingDirective);
  return { seller, queue, ...ids };
}

const summary = (m: { body: any }) => m.body.Payload.OrderChangeNotification.Summary;
const orderIdOf = (m: { body: any }) => m.body.Payload.OrderChangeNotification.AmazonOrderId;

test('orders placed, shipped and cancelled arrive on the queue as ORDER_CHANGE messages valid against Amazon’s schema', async () => {
  const { seller, queue, subscriptionId } = await subscribedSeller();
  const generated = (
    await t.admin.generateOrders(seller.sellerId, { count: 4, fbaShare: 0.5, pendingShare: 0, cancelledShare: 0 })
  ).orderIds;
  const fbm = await fbmOrder(seller);
  await t.admin.setOrderStatus(fbm, 'CANCELLED', { cancelledBy: 'BUYER' });
  const shipped = await fbmOrder(seller);
  const [first] = (await t.admin.getOrder(shipped))!.orderItems;
  const confirm = await seller.call('POST', `/orders/v0/orders/${shipped}/shipmentConfirmation`, {
    body: {
      marketplaceId: US,
      packageDetail: {
        packageReferenceId: '1',
        carrierCode: 'UPS',
        trackingNumber: '1Z999AA10123456784',
        shipDate: new Date(Date.now() - 60_000).toISOString(),
        orderItems: [{ orderItemId: first.orderItemId, quantity: 2 }],
      },
    },
  });
  expect(confirm.status).toBe(204);

  const messages = await receive(sqs, queue.url, 4 + 2 + 2);
  expect(messages).toHaveLength(8);
  for (const m of messages) expectValid(validate(), m.body, `ORDER_CHANGE of ${orderIdOf(m)}`);
  expect(new Set(messages.map((m) => m.body.NotificationMetadata.NotificationId)).size).toBe(8);
  expect(messages[0].body).toMatchObject({
    NotificationVersion: '1.0',
    NotificationType: 'ORDER_CHANGE',
    PayloadVersion: '1.0',
    NotificationMetadata: { ApplicationId: applicationIdOf(seller.spec.clientId), SubscriptionId: subscriptionId },
    Payload: { OrderChangeNotification: { SellerId: seller.sellerId, OrderChangeType: 'OrderStatusChange' } },
  });

  // Each generated order as it was placed: its status, fulfillment type and items.
  for (const orderId of generated) {
    const order = (await t.admin.getOrder(orderId))!;
    const [m] = messages.filter((x) => orderIdOf(x) === orderId);
    expect(summary(m)).toMatchObject({
      MarketplaceId: order.salesChannel.marketplaceId,
      PurchaseDate: order.createdTime,
      FulfillmentType: order.fulfillment.fulfilledBy === 'AMAZON' ? 'AFN' : 'MFN',
    });
    expect(summary(m).OrderItems.map((i: any) => [i.OrderItemId, i.SellerSKU, i.Quantity])).toEqual(
      order.orderItems.map((i: any) => [i.orderItemId, i.product.sellerSku, i.quantityOrdered]),
    );
  }
  const history = (orderId: string) =>
    messages.filter((m) => orderIdOf(m) === orderId).map((m) => summary(m).OrderStatus);
  expect(history(fbm)).toEqual(['Unshipped', 'Canceled']);
  expect(history(shipped)).toEqual(['Unshipped', 'PartiallyShipped']);
  const cancelled = messages.filter((m) => orderIdOf(m) === fbm)[1];
  expect(summary(cancelled).OrderItems.every((i: any) => i.IsBuyerRequestedCancel)).toBe(true);
  const partial = summary(messages.filter((m) => orderIdOf(m) === shipped)[1]);
  expect(partial).toMatchObject({ NumberOfItemsShipped: 2, NumberOfItemsUnshipped: 1, DestinationPostalCode: '98101' });
  expect(partial.OrderItems.map((i: any) => i.OrderItemStatus)).toEqual(['Shipped', 'Unshipped']);
});

test('no message without a subscription, nor for a marketplace or change type the event filter leaves out', async () => {
  const lone = await newSeller(t, { marketplaceIds: [US] });
  const canadian = await subscribedSeller({ eventFilter: { eventFilterType: 'ORDER_CHANGE', marketplaceIds: [CA] } });
  const tips = await subscribedSeller({
    eventFilter: { eventFilterType: 'ORDER_CHANGE', orderChangeTypes: ['DeliveryTipChange'] },
  });
  await t.admin.clearStats();
  await fbmOrder(lone);
  await fbmOrder(canadian.seller, US);
  await fbmOrder(tips.seller);
  const inCanada = await fbmOrder(canadian.seller, CA);
  const got = await receive(sqs, canadian.queue.url, 1);
  expect(got.map(orderIdOf)).toEqual([inCanada]);
  expect(await receive(sqs, tips.queue.url, 0)).toEqual([]);
  await publisherIdle(t);
  expect((await t.admin.stats()).notifications.ORDER_CHANGE).toMatchObject({ published: 1, failed: 0 });
});

test('a malformed order stored on purpose is stored all the same, and its notification is skipped and counted', async () => {
  const { seller, queue } = await subscribedSeller();
  await t.admin.clearStats();
  await t.admin.addOrders(seller.sellerId, [{ orderId: '114-9999999-0000001', fulfillment: 'nonsense' }]);
  expect(await t.admin.getOrder('114-9999999-0000001')).toBeTruthy();
  expect(await receive(sqs, queue.url, 0)).toEqual([]);
  expect((await t.admin.notificationStats()).ORDER_CHANGE).toMatchObject({ skipped: 1, published: 0 });
});

test('a queue that does not exist yet: the admin call answers at once, failed sends are counted and retried, and the message arrives once the queue exists', async () => {
  const seller = await newSeller(t, { marketplaceIds: [US] });
  const name = `late-queue-${Date.now()}`;
  await subscribe(t, seller, `arn:aws:sqs:us-east-1:123456789012:${name}`);
  await t.admin.clearStats();
  const started = Date.now();
  const orderId = await fbmOrder(seller);
  expect(Date.now() - started).toBeLessThan(1000);
  const deadline = Date.now() + 5000;
  while ((await t.admin.notificationStats()).ORDER_CHANGE?.failed < 2 && Date.now() < deadline)
    await new Promise((r) => setTimeout(r, 50));
  expect((await t.admin.notificationStats()).ORDER_CHANGE).toMatchObject({ published: 0, pending: 1 });
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: name }));
  const got = await receive(sqs, QueueUrl!, 1, 15_000);
  expect(got.map(orderIdOf)).toEqual([orderId]);
  expect((await t.admin.notificationStats()).ORDER_CHANGE).toMatchObject({ published: 1, pending: 0 });
});

test('SQS down: admin calls still answer at once, sends fail and are counted, and every message arrives once SQS is back', async () => {
  const { seller, queue } = await subscribedSeller();
  const name = queue.url.split('/').pop()!;
  await t.admin.clearStats();
  await moto.stop();
  try {
    const started = Date.now();
    const orders = [await fbmOrder(seller), await fbmOrder(seller)];
    expect(Date.now() - started).toBeLessThan(1000);
    const deadline = Date.now() + 5000;
    while (((await t.admin.notificationStats()).ORDER_CHANGE?.failed ?? 0) < 2 && Date.now() < deadline)
      await new Promise((r) => setTimeout(r, 50));
    expect((await t.admin.notificationStats()).ORDER_CHANGE).toMatchObject({ published: 0, pending: 2 });
    moto = await startMoto({ port: moto.port }); // a new moto is empty: the queue is made again, with the same URL
    await sqs.send(new CreateQueueCommand({ QueueName: name }));
    expect((await receive(sqs, queue.url, 2, 20_000)).map(orderIdOf)).toEqual(orders);
  } finally {
    if (moto.process.exitCode !== null || moto.process.signalCode !== null) moto = await startMoto({ port: moto.port });
  }
});

test('--state: destinations and subscriptions come back after a restart, and orders still reach the queue', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-state-')), 'state.json');
  const first = await startSandbox({ statePath: file, rateLimits: 'off' });
  const firstT = { sandbox: first, url: first.url, admin: new SandboxAdmin(first.url), close: () => first.close() };
  const seller = await newSeller(firstT, { marketplaceIds: [US] });
  const queue = await newQueue(sqs);
  const { subscriptionId } = await subscribe(firstT, seller, queue.arn);
  await first.close();

  const second = await startSandbox({ statePath: file, rateLimits: 'off' });
  try {
    const admin = new SandboxAdmin(second.url);
    const sub = await fetch(`${second.url}/notifications/v1/subscriptions/ORDER_CHANGE`, {
      headers: { 'x-amz-access-token': seller.token },
    });
    expect(((await sub.json()) as any).payload.subscriptionId).toBe(subscriptionId);
    const { orderIds } = await admin.generateOrders(seller.sellerId, { count: 1 });
    expect((await receive(sqs, queue.url, 1)).map(orderIdOf)).toEqual(orderIds);
  } finally {
    await second.close();
  }
});

describe('admin switches', () => {
  test('drop: the next N messages, or a fraction of them, never reach the queue', async () => {
    const { seller, queue } = await subscribedSeller();
    await t.admin.clearStats();
    await t.admin.setNotificationSwitches({ drop: { next: 2 } });
    const orders = [];
    for (let i = 0; i < 4; i++) orders.push(await fbmOrder(seller));
    expect((await receive(sqs, queue.url, 2)).map(orderIdOf)).toEqual(orders.slice(2));
    await t.admin.setNotificationSwitches({ drop: { rate: 1 } });
    await fbmOrder(seller);
    await publisherIdle(t);
    expect(await receive(sqs, queue.url, 0)).toEqual([]);
    expect((await t.admin.notificationStats()).ORDER_CHANGE).toMatchObject({ dropped: 3, published: 2 });
  });

  test('duplicate: the message arrives twice with the same NotificationId', async () => {
    const { seller, queue } = await subscribedSeller();
    await t.admin.clearStats();
    await t.admin.setNotificationSwitches({ duplicate: { next: 1 } });
    const twice = await fbmOrder(seller);
    const once = await fbmOrder(seller);
    const got = await receive(sqs, queue.url, 3);
    expect(got.map(orderIdOf).sort()).toEqual([twice, twice, once].sort());
    const copies = got.filter((m) => orderIdOf(m) === twice).map((m) => m.body.NotificationMetadata.NotificationId);
    expect(copies[0]).toBe(copies[1]);
    expect((await t.admin.notificationStats()).ORDER_CHANGE).toMatchObject({ duplicated: 1, published: 3 });
  });

  test('delay: the message waits delayMs before it is sent', async () => {
    const { seller, queue } = await subscribedSeller();
    await t.admin.setNotificationSwitches({ delayMs: 1500 });
    const placed = Date.now();
    const orderId = await fbmOrder(seller);
    expect((await t.admin.notificationStats()).ORDER_CHANGE.pending).toBe(1);
    const [m] = await receive(sqs, queue.url, 1);
    expect(orderIdOf(m)).toBe(orderId);
    expect(m.at - placed).toBeGreaterThanOrEqual(1500);
    expect(Date.parse(m.body.NotificationMetadata.PublishTime) - Date.parse(m.body.EventTime)).toBeGreaterThanOrEqual(
      1400,
    );
  });

  test('reorder: the next N messages are held, then sent in reverse order; a release, or switching it off, sends a partial batch', async () => {
    const { seller, queue } = await subscribedSeller();
    await t.admin.setNotificationSwitches({ reorder: { next: 3, order: 'reverse' } });
    const orderId = await fbmOrder(seller);
    await t.admin.setOrderStatus(orderId, 'SHIPPED');
    expect((await t.admin.notificationStats()).ORDER_CHANGE.held).toBe(2);
    expect(await receive(sqs, queue.url, 0)).toEqual([]);
    const other = await fbmOrder(seller);
    const got = await receive(sqs, queue.url, 3);
    expect(got.map((m) => [orderIdOf(m), summary(m).OrderStatus])).toEqual([
      [other, 'Unshipped'],
      [orderId, 'Shipped'],
      [orderId, 'Unshipped'],
    ]);
    expect(await t.admin.notificationSwitches()).toEqual({}); // spent

    await t.admin.setNotificationSwitches({ reorder: { next: 10, order: 'shuffle' } });
    const batch = [await fbmOrder(seller), await fbmOrder(seller)];
    expect(await t.admin.releaseNotifications()).toEqual({ released: 2 });
    expect((await receive(sqs, queue.url, 2)).map(orderIdOf).sort()).toEqual(batch.sort());

    await t.admin.setNotificationSwitches({ reorder: { next: 5, order: 'reverse' } });
    const last = await fbmOrder(seller);
    await t.admin.setNotificationSwitches({}); // switching reorder off sends what it held
    expect((await receive(sqs, queue.url, 1)).map(orderIdOf)).toEqual([last]);
  });

  test('bad switches are a 400 naming the field; an unknown notification type is a 404', async () => {
    await expect(t.admin.setNotificationSwitches({ drop: { rate: 2 } })).rejects.toThrow(/drop.rate/);
    await expect(t.admin.setNotificationSwitches({ reorder: { next: 0, order: 'reverse' } })).rejects.toThrow(
      /reorder/,
    );
    await expect(t.admin.setNotificationSwitches({ delay: 5 } as any)).rejects.toThrow(/unknown switch delay/);
    await expect(t.admin.setNotificationSwitches({}, 'ANY_OFFER_CHANGED')).rejects.toThrow(/404/);
  });
});
