import type { OrderSyncResult } from '../../workflows/order-sync';
import { eventually, Harness, ordersIdle, startHarness } from '../support/harness';

const US = 'ATVPDKIKX0DER';
const NA = [US, 'A2EUQ1WTGCTBG2', 'A1AM78C64UM0Y8'];
const EU4 = ['A1PA6795UKMFR9', 'A13V1IB3VIYZZH', 'A1F83G8C2ARO7P', 'APJ6JRA9NG5V4'];
/** Issue 5 asks for 250; SCALE_ORDERS_PER_MARKETPLACE lowers it for a quick local run. */
const PER_MARKETPLACE = Number(process.env.SCALE_ORDERS_PER_MARKETPLACE ?? 250);

interface Truth {
  grandTotal: string | null;
  status: string;
}

/**
 * 2 accounts × 4 marketplace batches × 250 generated orders through the real path (sandbox over HTTP → orderSync →
 * order workflows → PostgreSQL): every non-pending order exactly once, its total equal to the sandbox's grand total.
 */
describe('order import at scale', () => {
  let h: Harness;
  const accounts = [
    { id: 'na-shop', sellerId: 'A3SCALE0NA', region: 'na' as const, marketplaceIds: NA },
    { id: 'eu-shop', sellerId: 'A3SCALE0EU', region: 'eu' as const, marketplaceIds: EU4 },
  ];
  const truth = new Map<string, Truth>();

  async function generate(sellerId: string, marketplaceId: string, count: number, seed: number) {
    const { orderIds } = await h.admin.generateOrders(sellerId, { count, seed, marketplaceIds: [marketplaceId] });
    for (const id of orderIds) {
      const stored: any = await h.admin.getOrder(id);
      const order = stored.order ?? stored;
      truth.set(id, {
        grandTotal: order.proceeds?.grandTotal?.amount ?? null,
        status: order.fulfillment.fulfillmentStatus,
      });
    }
    return orderIds;
  }

  const syncAll = () =>
    Promise.all(
      accounts.map(
        (a) =>
          h.client.workflow.execute('orderSync', {
            taskQueue: h.taskQueue,
            workflowId: `scale-sync-${a.id}-${Date.now()}`,
            args: [{ accountId: a.id, since: new Date(Date.now() - 72 * 3_600_000).toISOString(), collectIds: true }],
          }) as Promise<OrderSyncResult>,
      ),
    );

  /** Waits until every importable order is in the book, then checks counts and totals against the sandbox. */
  async function expectBookMatchesSandbox() {
    const importable = [...truth].filter(([, t]) => !t.status.startsWith('PENDING'));
    await eventually(
      async () => {
        const [{ n }] = await h.testDb
          .db('sale_orders')
          .whereIn(
            'amazon_order_id',
            importable.map(([id]) => id),
          )
          .count({ n: '*' });
        expect(Number(n)).toBe(importable.length);
      },
      300_000,
      1000,
    );
    const rows = await h.testDb
      .db('sale_orders')
      .select('amazon_order_id', 'amount_total', 'amazon_grand_total', 'state', 'attention_reason');
    const seen = new Map<string, number>();
    for (const r of rows) seen.set(r.amazon_order_id, (seen.get(r.amazon_order_id) ?? 0) + 1);
    expect([...seen.values()].filter((n) => n > 1)).toEqual([]);
    const flagged = rows.filter(
      (r) => r.state === 'needs_attention' && r.attention_reason !== 'shipped before Amazon cancelled: expect a return',
    );
    expect(flagged.map((r) => `${r.amazon_order_id}: ${r.attention_reason}`)).toEqual([]);
    const mismatched = rows
      .filter((r) => truth.get(r.amazon_order_id)?.grandTotal)
      .filter((r) => Number(r.amount_total).toFixed(2) !== Number(truth.get(r.amazon_order_id)!.grandTotal).toFixed(2))
      .map((r) => `${r.amazon_order_id}: book ${r.amount_total} vs Amazon ${truth.get(r.amazon_order_id)!.grandTotal}`);
    expect(mismatched).toEqual([]);
    const pendingInBook = rows.filter((r) => truth.get(r.amazon_order_id)?.status.startsWith('PENDING'));
    expect(pendingInBook).toEqual([]);
  }

  beforeAll(async () => {
    h = await startHarness({ accounts });
    for (const [i, marketplaceId] of [...NA, US].entries())
      await generate(accounts[0].sellerId, marketplaceId, PER_MARKETPLACE, 100 + i);
    for (const [i, marketplaceId] of EU4.entries())
      await generate(accounts[1].sellerId, marketplaceId, PER_MARKETPLACE, 200 + i);
  }, 300_000);
  afterAll(async () => h?.close());

  it('imports every non-pending order exactly once, each total equal to Amazon grand total', async () => {
    const results = await syncAll();
    expect(results.reduce((n, r) => n + r.dispatched, 0)).toBe(8 * PER_MARKETPLACE);
    await expectBookMatchesSandbox();
  }, 600_000);

  it('a second sync over the same window changes nothing in the book', async () => {
    const snapshot = async () =>
      h.testDb.db('sale_orders').orderBy('id').select('id', 'state', 'updated_at', 'amount_total');
    const before = await snapshot();
    const lines = await h.testDb.db('sale_order_lines').count({ n: '*' }).first();
    const results = await syncAll();
    // The orders it signalled (those the book does not hold at their update time: pending ones) have handled it and
    // wait again: only then is "nothing changed" true.
    for (const [i, a] of accounts.entries()) await ordersIdle(h.client, a.id, results[i].orderIds!);
    expect(await snapshot()).toEqual(before);
    expect(await h.testDb.db('sale_order_lines').count({ n: '*' }).first()).toEqual(lines);
  }, 600_000);

  it('a worker restarted in the middle of a sync loses and duplicates nothing', async () => {
    const added = await generate(accounts[0].sellerId, US, PER_MARKETPLACE, 300);
    const importable = added.filter((id) => !truth.get(id)!.status.startsWith('PENDING'));
    const inBook = async () =>
      Number((await h.testDb.db('sale_orders').whereIn('amazon_order_id', importable).count({ n: '*' }).first())!.n);
    const sync = syncAll();
    // The first new order in the book: the sync is under way. The worker stops there, and the rest waits for the next.
    await eventually(async () => expect(await inBook()).toBeGreaterThan(0), 120_000, 20);
    // With no worker polling, part of the sync is proven still to do: the new worker picks it up.
    await h.restartWorker(async () => expect(await inBook()).toBeLessThan(importable.length));
    await sync;
    await expectBookMatchesSandbox();
  }, 600_000);
});
