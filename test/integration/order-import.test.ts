import { orderView } from '../../book/orders';
import { orderWorkflowId } from '../../workflows/ids';
import { stateQuery } from '../../workflows/order';
import type { OrderSyncResult } from '../../workflows/order-sync';
import { eventually, Harness, ordersIdle, startHarness } from '../support/harness';
import { fixture, minutesAgo, recentOrder as recent, US } from '../support/orders';

describe('order import: one Amazon order becomes one sales order through its own workflow', () => {
  let h: Harness;
  const account = { id: 'us-shop', sellerId: 'A2SLICE0SELLER', region: 'na' as const, marketplaceIds: [US] };
  /** Its own seller, so its 250 generated orders stay out of the other tests' windows. */
  const paged = { id: 'us-paged', sellerId: 'A2PAGED0SELLER', region: 'na' as const, marketplaceIds: [US] };

  beforeAll(async () => {
    h = await startHarness({ accounts: [account, paged] });
  });
  afterAll(async () => h?.close());

  const sync = (since?: string) =>
    h.client.workflow.execute('orderSync', {
      taskQueue: h.taskQueue,
      workflowId: `sync-${Date.now()}-${Math.random()}`,
      args: [{ accountId: account.id, since: since ?? minutesAgo(24 * 60), collectIds: true }],
    }) as Promise<OrderSyncResult>;

  it('imports a US FBM order fetched over HTTP with its lines, totals to the cent, customer and open delivery', async () => {
    const amazonOrder = recent(fixture('us-fbm-gift-promotions.json'), '113-0000001-0000001');
    await h.admin.addOrders(account.sellerId, [amazonOrder]);
    const result = await sync();
    expect(result.dispatched).toBe(1);

    const view = await eventually(async () => {
      const v = await orderView(h.testDb.db, { amazonOrderId: '113-0000001-0000001' });
      expect(v?.state).toBe('confirmed');
      return v!;
    });
    expect(view).toMatchObject({
      account: 'us-shop',
      marketplace: 'US',
      channel: 'FBM',
      amazonStatus: 'UNSHIPPED',
      currency: 'USD',
    });
    expect(view.totals.total).toBe(view.amazonGrandTotal);
    expect(view.lines.filter((l) => l.kind === 'product').map((l) => [l.sku, l.quantity])).toEqual(
      amazonOrder.orderItems.map((i: any) => [i.product.sellerSku, i.quantityOrdered]),
    );
    expect(view.lines.map((l) => l.kind)).toEqual(
      expect.arrayContaining(['product', 'shipping', 'gift_wrap', 'discount', 'note']),
    );
    expect(view.customer?.name).toBeTruthy();
    expect(view.deliveryAddress?.city).toBeTruthy();
    expect(view.deliveries).toHaveLength(1);
    expect(view.deliveries[0]).toMatchObject({ state: 'open', ref: 'main' });

    // The book is written by the import activity; the workflow sets OrderState in its next task, after.
    await eventually(async () => {
      const described = await h.client.workflow.getHandle(orderWorkflowId('us-shop', '113-0000001-0000001')).describe();
      const attributes = Object.fromEntries(described.typedSearchAttributes.getAll().map((p) => [p.key.name, p.value]));
      expect(attributes).toMatchObject({
        AmazonOrderId: '113-0000001-0000001',
        SellerAccount: 'us-shop',
        MarketplaceId: US,
        FulfillmentChannel: 'FBM',
        OrderState: 'confirmed',
      });
    });
  });

  it('the import of a new FBM order asks for the debounced stock sync itself, in the same activity', async () => {
    const changes = await eventually(async () => {
      const ids: string[] = [];
      for await (const w of h.client.workflow.list({
        query: `WorkflowId STARTS_WITH "stock-sync:${account.id}:changes:"`,
      }))
        ids.push(w.workflowId);
      expect(ids).toHaveLength(1);
      return ids;
    });
    const history = await h.client.workflow.getHandle(orderWorkflowId('us-shop', '113-0000001-0000001')).fetchHistory();
    const activities = (history.events ?? []).flatMap(
      (e) => e.activityTaskScheduledEventAttributes?.activityType?.name ?? [],
    );
    expect(activities).toEqual(['importOrder']);
    // Its start is delayed to the end of the minute: the test's worker stops before then.
    await h.client.workflow.getHandle(changes[0]).terminate('test over');
  });

  it('a second sync over the same window changes nothing', async () => {
    const before = await h.testDb.db('sale_orders').select('id', 'updated_at', 'state');
    const lines = await h.testDb.db('sale_order_lines').count({ n: '*' }).first();
    // The sync signals only the orders the book does not hold at their update time (none here, or pending ones):
    // once they have handled it and wait again, nothing is left in flight.
    const { orderIds } = await sync();
    await ordersIdle(h.client, account.id, orderIds!);
    expect(await h.testDb.db('sale_orders').select('id', 'updated_at', 'state')).toEqual(before);
    expect(await h.testDb.db('sale_order_lines').count({ n: '*' }).first()).toEqual(lines);
  });

  it('a pending order writes nothing, then is imported once when Amazon confirms it', async () => {
    // Amazon's pending orders carry their items and prices; they become importable when the status moves on.
    await h.admin.addOrders(account.sellerId, [
      recent(fixture('us-fbm-gift-promotions.json'), '113-0000002-0000002', { status: 'PENDING' }),
    ]);
    await sync();
    const handle = h.client.workflow.getHandle(orderWorkflowId('us-shop', '113-0000002-0000002'));
    await eventually(async () => expect((await handle.query(stateQuery)).phase).toBe('pending'));
    expect(await h.testDb.db('sale_orders').where({ amazon_order_id: '113-0000002-0000002' }).first()).toBeUndefined();

    await h.admin.setOrderStatus('113-0000002-0000002', 'UNSHIPPED', { at: minutesAgo(3) });
    await sync();
    await sync();
    await eventually(async () =>
      expect((await orderView(h.testDb.db, { amazonOrderId: '113-0000002-0000002' }))?.state).toBe('confirmed'),
    );
    const [{ n }] = await h.testDb
      .db('sale_orders')
      .where({ amazon_order_id: '113-0000002-0000002' })
      .count({ n: '*' });
    expect(Number(n)).toBe(1);
  });

  it('a cancellation on Amazon after import cancels the order and its open delivery', async () => {
    await h.admin.setOrderStatus('113-0000001-0000001', 'CANCELLED', { at: minutesAgo(3) });
    await sync();
    const view = await eventually(async () => {
      const v = await orderView(h.testDb.db, { amazonOrderId: '113-0000001-0000001' });
      expect(v?.state).toBe('cancelled');
      return v!;
    });
    expect(view.deliveries.map((d) => d.state)).toEqual(['cancelled']);
  });

  it('an order of a marketplace we do not know is flagged needs_attention with the reason, not half-written', async () => {
    const unknown = recent(fixture('us-fbm-gift-promotions.json'), '113-0000003-0000003');
    unknown.salesChannel = { ...unknown.salesChannel, marketplaceId: 'A1C3SOZRARQ6R3' };
    await h.admin.addOrders(account.sellerId, [unknown]);
    // As `connector orders resync` does: the workflow is signalled with the header and reads the order with getOrder.
    const header = {
      amazonOrderId: unknown.orderId,
      marketplaceId: 'A1C3SOZRARQ6R3',
      channel: 'FBM',
      amazonStatus: 'UNSHIPPED',
      lastUpdatedTime: unknown.lastUpdatedTime,
    };
    await h.client.workflow.signalWithStart('order', {
      workflowId: orderWorkflowId(account.id, unknown.orderId),
      taskQueue: h.taskQueue,
      args: [{ accountId: account.id, header }],
      signal: 'amazonUpdate',
      signalArgs: [header],
    });
    const view = await eventually(async () => {
      const v = await orderView(h.testDb.db, { amazonOrderId: '113-0000003-0000003' });
      expect(v?.state).toBe('needs_attention');
      return v!;
    });
    expect(view.attentionReason).toMatch(/unknown marketplace A1C3SOZRARQ6R3.*marketplaces add/);
    expect(view.lines).toHaveLength(0);
    expect(view.deliveries).toHaveLength(0);
    const state = await h.client.workflow.getHandle(orderWorkflowId(account.id, unknown.orderId)).query(stateQuery);
    expect(state).toMatchObject({ phase: 'needs_attention', state: 'needs_attention' });
  });

  it('an item the buyer asked to cancel is shown on its line and in the order, so the warehouse can stop it', async () => {
    const order = recent(fixture('us-fbm-gift-promotions.json'), '113-0000004-0000004');
    order.orderItems[0] = {
      ...order.orderItems[0],
      cancellation: { cancellationRequest: { requester: 'BUYER', cancelReason: 'Ordered by mistake' } },
    };
    await h.admin.addOrders(account.sellerId, [order]);
    await sync(minutesAgo(8));
    const view = await eventually(async () => {
      const v = await orderView(h.testDb.db, { amazonOrderId: '113-0000004-0000004' });
      expect(v?.state).toBe('confirmed');
      return v!;
    });
    const sku = order.orderItems[0].product.sellerSku;
    expect(view.buyerCancellationRequests).toEqual([{ sku, reason: 'Ordered by mistake' }]);
    expect(view.lines.find((l) => l.kind === 'product' && l.sku === sku)).toMatchObject({
      buyerCancellationRequested: true,
      buyerCancellationReason: 'Ordered by mistake',
    });
  });

  it('searches the next page while the orders of the previous one are signalled, each order exactly once', async () => {
    const { orderIds } = await h.admin.generateOrders(paged.sellerId, { count: 250, seed: 9, marketplaceIds: [US] });
    const workflowId = `sync-paged-${Date.now()}`;
    const result = (await h.client.workflow.execute('orderSync', {
      taskQueue: h.taskQueue,
      workflowId,
      args: [{ accountId: paged.id, since: minutesAgo(72 * 60), collectIds: true }],
    })) as OrderSyncResult;
    expect(result).toMatchObject({ pages: 3, found: 250, dispatched: 250 });
    expect([...result.orderIds!].sort()).toEqual([...orderIds].sort());

    const { events } = await h.client.workflow.getHandle(workflowId).fetchHistory();
    const at = (e: any) => Number(e.eventTime.seconds) * 1000 + e.eventTime.nanos / 1e6;
    const scheduled = (type: string) =>
      events!.filter((e) => e.activityTaskScheduledEventAttributes?.activityType?.name === type).map((e) => e.eventId!);
    const event = (scheduledId: unknown, kind: 'Started' | 'Completed') =>
      events!.find(
        (e: any) => String(e[`activityTask${kind}EventAttributes`]?.scheduledEventId) === String(scheduledId),
      );
    const searches = scheduled('searchOrdersPage');
    const dispatches = scheduled('dispatchOrdersPage');
    expect([searches.length, dispatches.length]).toEqual([3, 3]);
    for (let page = 0; page < 2; page++) {
      const nextSearch = event(searches[page + 1], 'Started')!;
      const dispatched = event(dispatches[page], 'Completed')!;
      // The next search was asked for, and running, before this page's signal-with-starts were done.
      expect(Number(searches[page + 1])).toBeLessThan(Number(dispatched.eventId));
      expect(at(nextSearch)).toBeLessThan(at(dispatched));
    }
    expect(await h.testDb.db('order_sync_pages').where({ workflow_id: workflowId }).count({ n: '*' })).toEqual([
      { n: '0' },
    ]);

    const amazonUpdates: number[] = [];
    for (let i = 0; i < orderIds.length; i += 25) {
      const histories = await Promise.all(
        orderIds
          .slice(i, i + 25)
          .map((id) => h.client.workflow.getHandle(orderWorkflowId(paged.id, id)).fetchHistory()),
      );
      for (const history of histories)
        amazonUpdates.push(
          history.events!.filter((e) => e.workflowExecutionSignaledEventAttributes?.signalName === 'amazonUpdate')
            .length,
        );
    }
    expect(amazonUpdates).toEqual(orderIds.map(() => 1));
  }, 120_000);
});
