import { orderView } from '../../book/orders';
import { runCli } from '../support/cli';
import { eventually, Harness, startHarness } from '../support/harness';
import { fixture, minutesAgo, recentOrder, US } from '../support/orders';

const account = { id: 'us-back', sellerId: 'A5BACKFILL0US', region: 'na' as const, marketplaceIds: [US] };

describe('backfill and resync', () => {
  let h: Harness;
  let env: Record<string, string>;
  beforeAll(async () => {
    h = await startHarness({ accounts: [account] });
    env = {
      DATABASE_URL: h.testDb.url,
      TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS!,
      TEMPORAL_TASK_QUEUE: h.taskQueue,
    };
  });
  afterAll(async () => h?.close());

  it('`connector backfill` imports the orders of a past window, slice by slice, and leaves the cursor alone', async () => {
    const { orderIds } = await h.admin.generateOrders(account.sellerId, {
      count: 30,
      seed: 11,
      pendingShare: 0,
      withinHours: 60,
    });
    const result = await runCli(
      [
        'backfill',
        '--account',
        account.id,
        '--from',
        new Date(Date.now() - 72 * 3_600_000).toISOString(),
        '--to',
        new Date().toISOString(),
        '--json',
      ],
      env,
    );
    expect(result.error).toBeUndefined();
    expect(result.json).toMatchObject({ slices: 3, done: 3, found: 30, dispatched: 30 });
    await eventually(async () => {
      const [{ n }] = await h.testDb.db('sale_orders').whereIn('amazon_order_id', orderIds).count({ n: '*' });
      expect(Number(n)).toBe(30);
    });
    expect((await h.testDb.db('seller_accounts').where({ id: account.id }).first()).order_cursor).toBeNull();
  });

  it('`backfill` refuses a window that ends before it starts', async () => {
    expect(
      (await runCli(['backfill', '--account', account.id, '--from', '2026-11-02', '--to', '2026-11-01'], env)).error,
    ).toBe('--from must be before --to');
  });

  it('`connector orders resync` reads one order with getOrder and signals its workflow, even outside any sync window', async () => {
    const order = recentOrder(fixture('us-fbm-gift-promotions.json'), '113-0000009-0000009');
    order.lastUpdatedTime = minutesAgo(0.5); // too fresh for searchOrders (Amazon's 2-minute rule): only getOrder sees it
    await h.admin.addOrders(account.sellerId, [order]);
    const result = await runCli(['orders', 'resync', '113-0000009-0000009', '--account', account.id, '--json'], env);
    expect(result.error).toBeUndefined();
    expect(result.json).toMatchObject({
      amazonOrderId: '113-0000009-0000009',
      amazonStatus: 'UNSHIPPED',
      channel: 'FBM',
    });
    await eventually(async () =>
      expect((await orderView(h.testDb.db, { amazonOrderId: '113-0000009-0000009' }))?.state).toBe('confirmed'),
    );
  });

  it('`connector sync orders --wait` returns once every dispatched order is processed, with counts', async () => {
    await h.admin.addOrders(account.sellerId, [
      recentOrder(fixture('us-fbm-gift-promotions.json'), '113-0000010-0000010'),
      recentOrder(fixture('us-fbm-gift-promotions.json'), '113-0000011-0000011', { status: 'PENDING' }),
      recentOrder(fixture('us-fbm-gift-promotions.json'), '113-0000012-0000012', { status: 'CANCELLED' }),
    ]);
    const result = await runCli(
      ['sync', 'orders', '--account', account.id, '--since', minutesAgo(10), '--wait', '--json'],
      env,
    );
    expect(result.error).toBeUndefined();
    expect(result.json).toMatchObject({ dispatched: 3, imported: 1, pending: 1, cancelled: 1, needs_attention: 0 });
    expect((await orderView(h.testDb.db, { amazonOrderId: '113-0000010-0000010' }))?.state).toBe('confirmed');

    // Amazon confirms the pending order and updates the imported one: one new import, one update of a running workflow.
    await h.admin.setOrderStatus('113-0000011-0000011', 'UNSHIPPED', { at: minutesAgo(3) });
    await h.admin.setOrderStatus('113-0000010-0000010', 'UNSHIPPED', { at: minutesAgo(3) });
    const again = await runCli(
      ['sync', 'orders', '--account', account.id, '--since', minutesAgo(4), '--wait', '--json'],
      env,
    );
    expect(again.error).toBeUndefined();
    expect(again.json).toMatchObject({ dispatched: 2, imported: 1, updated: 1, pending: 0, cancelled: 0 });
    expect((await orderView(h.testDb.db, { amazonOrderId: '113-0000011-0000011' }))?.state).toBe('confirmed');
  });
});
