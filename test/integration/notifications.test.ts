import { CreateQueueCommand, SendMessageCommand, SQSClient } from '@aws-sdk/client-sqs';
import pino from 'pino';
import { listSetAsideNotifications, processedNotificationCounts } from '../../book/notifications';
import { orderView } from '../../book/orders';
import { MotoServer, startMoto } from '../../lib/moto';
import { orderWorkflowId } from '../../workflows/ids';
import { newQueue, publisherIdle, startTestMoto } from '../sandbox/notifications-support';
import { runCli } from '../support/cli';
import { eventually, Harness, ordersIdle, startHarness } from '../support/harness';
import { fixture, minutesAgo, recentOrder, US } from '../support/orders';

/**
 * ORDER_CHANGE notifications end to end: the sandbox publishes to a real SQS server (moto), the worker's consumer
 * signals the order workflows, the book follows within seconds, with no orderSync run; orderSync still catches what a
 * notification never brought.
 */

const account = { id: 'us-notified', sellerId: 'A2NOTIFY0SELLER', region: 'na' as const, marketplaceIds: [US] };
let h: Harness;
let moto: MotoServer;
let sqs: SQSClient;
let queue: { url: string; arn: string };
const lines: Array<Record<string, any>> = [];
const logger = pino({ level: 'info' }, { write: (s: string) => void lines.push(JSON.parse(s)) });

beforeAll(async () => {
  ({ moto, sqs } = await startTestMoto());
  h = await startHarness({
    accounts: [account],
    logger,
    notifications: {
      refreshMs: 300,
      waitTimeSeconds: 1,
      minBackoffMs: 200,
      maxBackoffMs: 2_000,
      financeUpdateWindowMs: 1_000,
      financeReadLagMs: 1_500, // the sandbox's listTransactions shows what was posted over 1 s ago (minBeforeLagSeconds)
    },
  });
  queue = await newQueue(sqs, 'connector-orders');
});
afterEach(() => h.admin.setNotificationSwitches({}));
afterAll(async () => {
  await h?.close();
  sqs?.destroy();
  await moto?.stop();
});

let n = 0;
const nextId = () => `114-${String(++n).padStart(7, '0')}-${String(Date.now()).slice(-7)}`;
/** An unshipped FBM order, placed in the sandbox now (its ORDER_CHANGE goes out at once). */
async function placeOrder(orderId = nextId()) {
  await h.admin.addOrders(account.sellerId, [recentOrder(fixture('us-fbm-gift-promotions.json'), orderId)]);
  return orderId;
}
const bookState = async (id: string) => (await orderView(h.testDb.db, { amazonOrderId: id }))?.state;
const expectState = (id: string, state: string, timeoutMs = 20_000) =>
  eventually(async () => expect({ id, state: await bookState(id) }).toEqual({ id, state }), timeoutMs);
const searchCalls = async () => (await h.admin.stats()).operations.searchOrders?.calls ?? 0;
const sync = () =>
  h.client.workflow.execute('orderSync', {
    taskQueue: h.taskQueue,
    workflowId: `sync-${Date.now()}`,
    args: [{ accountId: account.id, since: minutesAgo(24 * 60) }],
  });

/** `connector <args> --json` against this test's database, as from a shell. */
const cli = async (...args: string[]) => {
  const result = await runCli([...args, '--json'], { DATABASE_URL: h.testDb.url, SPAPI_RATE_SPEEDUP: '0' });
  if (result.error) throw new Error(`connector ${args.join(' ')}: ${result.error}`);
  return result.json;
};

test('notifications subscribe creates the destination (grantless) and the subscription once; run again it reuses both', async () => {
  const first = await cli('notifications', 'subscribe', '--account', account.id, '--queue-arn', queue.arn);
  expect(first).toMatchObject({
    destinationCreated: true,
    subscriptionCreated: true,
    notificationType: 'ORDER_CHANGE',
  });
  const again = await cli('notifications', 'subscribe', '--account', account.id, '--queue-arn', queue.arn);
  expect(again).toMatchObject({
    destinationCreated: false,
    subscriptionCreated: false,
    destinationId: first.destinationId,
    subscriptionId: first.subscriptionId,
  });
  // The sandbox answers destinations only to a client_credentials token of scope sellingpartnerapi::notifications
  // (a seller's token is refused there): the calls succeeding is the proof the grantless token was used.
  const ops = (await h.admin.stats()).operations;
  expect(ops.createDestination?.calls).toBe(1);
  expect(ops.createSubscription?.calls).toBe(1);
  const listed = await cli('notifications', 'list');
  expect(listed.subscriptions).toEqual([expect.objectContaining({ accountId: account.id, queueArn: queue.arn })]);
  // The consumer picks the new subscription up by itself.
  await eventually(async () => expect(h.connector.notifications?.queues()).toHaveLength(1));
});

test('a queue ARN that is not one is refused in one line naming the flag', async () => {
  const result = await runCli(['notifications', 'subscribe', '--account', account.id, '--queue-arn', 'my-queue'], {
    DATABASE_URL: h.testDb.url,
  });
  expect(result.error).toMatch(
    /--queue-arn my-queue is not an SQS queue ARN: use arn:aws:sqs:<region>:<account>:<queue>/,
  );
});

test('an order placed on Amazon is in the book within seconds, without any orderSync run', async () => {
  const before = await searchCalls();
  const id = await placeOrder();
  await expectState(id, 'confirmed');
  expect(await searchCalls()).toBe(before);
  const view = await orderView(h.testDb.db, { amazonOrderId: id });
  expect(view).toMatchObject({
    account: account.id,
    channel: 'FBM',
    amazonStatus: 'UNSHIPPED',
    workflowId: orderWorkflowId(account.id, id),
  });
});

test('a cancellation arrives by notification: the order and its delivery are cancelled', async () => {
  const id = await placeOrder();
  await expectState(id, 'confirmed');
  await h.admin.setOrderStatus(id, 'CANCELLED', { at: new Date(), cancelledBy: 'BUYER' });
  await expectState(id, 'cancelled');
  expect((await orderView(h.testDb.db, { amazonOrderId: id }))!.deliveries.map((d) => d.state)).toEqual(['cancelled']);
});

test('duplicated messages are handled once: one order, one import, the copies deleted as duplicates', async () => {
  const counts = await processedNotificationCounts(h.testDb.db, { accountId: account.id });
  await h.admin.setNotificationSwitches({ duplicate: { next: 3 } });
  const ids = [await placeOrder(), await placeOrder(), await placeOrder()];
  for (const id of ids) await expectState(id, 'confirmed');
  await publisherIdle({ admin: h.admin } as any);
  const stats = (await h.admin.notificationStats()).ORDER_CHANGE;
  expect(stats.duplicated).toBeGreaterThanOrEqual(3);
  await ordersIdle(h.client, account.id, ids);
  const after = await processedNotificationCounts(h.testDb.db, { accountId: account.id });
  // One NotificationId per order, recorded once although SQS delivered it twice.
  expect((after.signalled ?? 0) - (counts.signalled ?? 0)).toBe(3);
  const rows = await h.testDb.db('sale_orders').whereIn('amazon_order_id', ids).count({ n: '*' }).first();
  expect(Number(rows!.n)).toBe(3);
});

test('a dropped message loses nothing: the next orderSync pass brings the order', async () => {
  await h.admin.setNotificationSwitches({ drop: { next: 1 } });
  const id = await placeOrder();
  await publisherIdle({ admin: h.admin } as any);
  expect((await h.admin.notificationStats()).ORDER_CHANGE.dropped).toBeGreaterThanOrEqual(1);
  await new Promise((r) => setTimeout(r, 2_000)); // two long polls: nothing came
  expect(await bookState(id)).toBeUndefined();
  // Orders the search can see are at least 2 minutes old: the fixture is dated 5 minutes ago.
  await sync();
  await expectState(id, 'confirmed');
});

test('delayed and reordered messages: the cancellation arriving before the order leaves it cancelled', async () => {
  const id = nextId();
  await h.admin.setNotificationSwitches({ delayMs: 1_000, reorder: { next: 2, order: 'reverse' } });
  await placeOrder(id);
  await h.admin.setOrderStatus(id, 'CANCELLED', { at: new Date(), cancelledBy: 'BUYER' });
  await expectState(id, 'cancelled');
  await publisherIdle({ admin: h.admin } as any);
  await ordersIdle(h.client, account.id, [id]);
  // The older UNSHIPPED status came after: it moved nothing back.
  await new Promise((r) => setTimeout(r, 1_500));
  expect(await bookState(id)).toBe('cancelled');
  const rows = await h.testDb.db('sale_orders').where({ amazon_order_id: id }).count({ n: '*' }).first();
  expect(Number(rows!.n)).toBe(1);
});

test('a malformed message and one of an unsupported type are set aside with the reason and never block the queue', async () => {
  await sqs.send(
    new SendMessageCommand({ QueueUrl: queue.url, MessageBody: '{"NotificationType":"ORDER_CHANGE","Payload":{}}' }),
  );
  await sqs.send(new SendMessageCommand({ QueueUrl: queue.url, MessageBody: 'not json at all' }));
  await sqs.send(
    new SendMessageCommand({
      QueueUrl: queue.url,
      MessageBody: JSON.stringify({
        NotificationType: 'LISTINGS_ITEM_STATUS_CHANGE',
        NotificationMetadata: { NotificationId: 'x-1' },
      }),
    }),
  );
  const id = await placeOrder();
  await expectState(id, 'confirmed');
  const setAside = await eventually(async () => {
    const rows = await listSetAsideNotifications(h.testDb.db, {});
    expect(rows).toHaveLength(3);
    return rows;
  });
  const reasons = setAside.map((r) => r.reason).sort();
  expect((await cli('notifications', 'poison')).map((r: any) => r.reason).sort()).toEqual(reasons);
  expect(reasons[0]).toMatch(
    /^not a valid ORDER_CHANGE notification by Amazon's schema: .*must have required property/,
  );
  expect(reasons).toContain('the body is not JSON');
  expect(reasons).toContain(
    'unsupported notification type LISTINGS_ITEM_STATUS_CHANGE: no handler is registered for it',
  );
});

test('SQS down 15 s (the 60 s outage, time-scaled against a 2 s backoff cap): nothing is lost, the consumer recovers by itself and says so once', async () => {
  const port = moto.port;
  const name = queue.url.split('/').pop()!;
  lines.length = 0;
  await moto.stop();
  // Time-scaled outage: orders placed and cancelled while the queue is down wait in the publisher's retries.
  const placed = [await placeOrder(), await placeOrder()];
  await h.admin.setOrderStatus(placed[1], 'CANCELLED', { at: new Date(), cancelledBy: 'BUYER' });
  await new Promise((r) => setTimeout(r, 15_000));
  expect(await bookState(placed[0])).toBeUndefined();
  moto = await startMoto({ port });
  await sqs.send(new CreateQueueCommand({ QueueName: name })); // moto keeps nothing: the queue is made again
  await expectState(placed[0], 'confirmed', 30_000);
  await expectState(placed[1], 'cancelled', 30_000);
  const outage = lines.filter((l) => /the queue cannot be reached/.test(l.msg));
  expect(outage).toHaveLength(1);
  expect(lines.filter((l) => /the queue answers again/.test(l.msg))).toHaveLength(1);
});

test("TRANSACTION_UPDATE on the same queue starts the account's financeSync (debounced), which reads the order's Shipment transaction into the book", async () => {
  const subscribed = await cli(
    'notifications',
    'subscribe',
    '--account',
    account.id,
    '--queue-arn',
    queue.arn,
    '--type',
    'TRANSACTION_UPDATE',
  );
  expect(subscribed).toMatchObject({ notificationType: 'TRANSACTION_UPDATE', subscriptionCreated: true });
  await h.admin.setConfig({ financeLag: '0s', minBeforeLagSeconds: 1 });
  const id = await placeOrder();
  await h.admin.setOrderStatus(id, 'SHIPPED'); // Amazon's Shipment transaction: the sandbox publishes TRANSACTION_UPDATE
  const handled = await eventually(async () => {
    const rows = await h.testDb
      .db('processed_notifications')
      .where({ account_id: account.id, notification_type: 'TRANSACTION_UPDATE' });
    expect(rows.length).toBeGreaterThan(0);
    return rows;
  }, 30_000);
  expect(handled.every((r) => r.outcome === 'signalled')).toBe(true);
  // The run it requested (one per window, on the worker's task queue) reads the order's Shipment into the book.
  const run = await eventually(async () => {
    const runs: string[] = [];
    for await (const w of h.client.workflow.list({ query: `WorkflowType = 'financeSync'` })) runs.push(w.workflowId);
    const found = runs.find((r) => r.startsWith(`finance-sync:${account.id}:updates:`));
    expect(found).toBeDefined();
    return found!;
  }, 30_000);
  await h.client.workflow.getHandle(run).result();
  const stored = await h.testDb.db('finance_transactions').where({ account_id: account.id, amazon_order_id: id });
  expect(stored.map((t) => t.transaction_type)).toEqual(['Shipment']);
  await cli('notifications', 'unsubscribe', '--account', account.id, '--type', 'TRANSACTION_UPDATE');
});

test('unsubscribe deletes the subscription at Amazon; the consumer stops polling the queue', async () => {
  const deletes = async () => (await h.admin.stats()).operations.deleteSubscriptionById?.calls ?? 0;
  const before = await deletes();
  await cli('notifications', 'unsubscribe', '--account', account.id);
  expect(await deletes()).toBe(before + 1);
  await eventually(async () => expect(h.connector.notifications?.queues()).toEqual([]));
});
