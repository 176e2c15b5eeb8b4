import { createToken } from '../../book/api-tokens';
import { emit, readEvents } from '../../book/events';
import { ApiServer, startApiServer } from '../../servers/api';
import { eventually, Harness, startHarness } from '../support/harness';
import { fixture, minutesAgo, recentOrder, US } from '../support/orders';

/**
 * The outbox and the feed: an event commits with its change or not at all; the feed is ordered and gap-free however
 * transactions interleave; what the order path changes shows up as typed events without personal data.
 */
const account = { id: 'events-us', sellerId: 'A8EVENTS00001', region: 'na' as const, marketplaceIds: [US] };
let h: Harness;
let api: ApiServer;
let token: string;

beforeAll(async () => {
  // 8 concurrent import activities: the feed must stay gap-free under concurrent writers.
  h = await startHarness({ accounts: [account], workerOptions: { maxConcurrentActivityTaskExecutions: 8 } });
  api = await startApiServer({ db: h.testDb.db, temporal: async () => h.client, taskQueue: h.taskQueue, port: 0 });
  token = (await createToken(h.testDb.db, { name: 'feed', scopes: ['read'] })).secret;
});
afterAll(async () => {
  await api?.close();
  await h?.close();
});

/** Reads the whole feed from the start through the API, page by page. */
async function readFeed(types?: string): Promise<any[]> {
  const items: any[] = [];
  let after: string | undefined;
  for (;;) {
    const query = new URLSearchParams({ limit: '500', ...(after ? { after } : {}), ...(types ? { types } : {}) });
    const res = await fetch(`${api.url}/v1/events?${query}`, { headers: { authorization: `Bearer ${token}` } });
    expect(res.status).toBe(200);
    const page: any = await res.json();
    items.push(...page.items);
    if (page.items.length === 0) return items;
    after = page.nextCursor;
  }
}

describe('the outbox', () => {
  it('a change that rolls back leaves no event; a committed one always has its event', async () => {
    const db = h.testDb.db;
    const marker = `rollback-${Date.now()}`;
    await expect(
      db.transaction(async (trx) => {
        await emit(trx, [
          { type: 'order.cancelled', amazonOrderId: marker, data: { previousState: null, link: '/x' } },
        ]);
        throw new Error('the change fails after its event was written');
      }),
    ).rejects.toThrow('the change fails');
    expect(await db('events').where({ amazon_order_id: marker }).first()).toBeUndefined();
    await db.transaction((trx) =>
      emit(trx, [{ type: 'order.cancelled', amazonOrderId: marker, data: { previousState: null, link: '/x' } }]),
    );
    expect(await db('events').where({ amazon_order_id: marker }).count({ n: '*' }).first()).toEqual({ n: '1' });
  });

  it('40 concurrent writers committing out of start order: a reader following the cursor sees each event once, none skipped', async () => {
    const db = h.testDb.db;
    const marker = `concurrent-${Date.now()}`;
    const seen: number[] = [];
    let after: string | undefined;
    let writing = true;
    const reader = (async () => {
      while (writing || after === undefined || seen.length < 40) {
        const page = await readEvents(db, { after, limit: 500 });
        for (const e of page.items) if (e.amazonOrderId?.startsWith(marker)) seen.push(e.sequence);
        after = page.nextCursor;
        if (!writing && page.items.length === 0) break;
        await new Promise((r) => setTimeout(r, 5));
      }
    })();
    // Each transaction writes first (so it holds a snapshot and row locks), then waits a random time, then emits and
    // commits: start order and commit order differ, as in the trap plain sequences fall into.
    await Promise.all(
      Array.from({ length: 40 }, (_, i) =>
        db.transaction(async (trx) => {
          await trx.raw('SELECT 1');
          await new Promise((r) => setTimeout(r, Math.floor(((i * 7919) % 97) / 2)));
          await emit(trx, [
            { type: 'order.cancelled', amazonOrderId: `${marker}-${i}`, data: { previousState: null, link: '/x' } },
          ]);
          await new Promise((r) => setTimeout(r, (i * 31) % 13));
        }),
      ),
    );
    writing = false;
    await reader;
    const committed = (await db('events').where('amazon_order_id', 'like', `${marker}-%`).pluck('sequence')).map(
      Number,
    );
    expect(seen).toHaveLength(40);
    expect(new Set(seen).size).toBe(40);
    expect([...seen].sort((a, b) => a - b)).toEqual(seen); // in sequence order
    expect(new Set(seen)).toEqual(new Set(committed));
  });
});

describe('the feed of the order path', () => {
  it('an FBM order imported, shipped and confirmed: its events in order, typed, without personal data', async () => {
    const orderId = `116-0000001-${String(Date.now()).slice(-7)}`;
    await h.admin.addOrders(account.sellerId, [recentOrder(fixture('us-fbm-gift-promotions.json'), orderId)]);
    await h.client.workflow.execute('orderSync', {
      taskQueue: h.taskQueue,
      workflowId: `events-sync-${orderId}`,
      args: [{ accountId: account.id, since: minutesAgo(8) }],
    });
    await eventually(async () =>
      expect((await readFeed()).filter((e) => e.amazonOrderId === orderId).map((e) => e.type)).toEqual([
        'order.imported',
        'delivery.ready',
      ]),
    );
    const ship = await createToken(h.testDb.db, { name: 'shipper', scopes: ['ship'] });
    const shipped = await fetch(`${api.url}/v1/orders/${orderId}/shipments`, {
      method: 'POST',
      headers: { authorization: `Bearer ${ship.secret}`, 'content-type': 'application/json' },
      body: JSON.stringify({ carrier: 'UPS', trackingNumber: '1ZEVENTS1' }),
    });
    expect(shipped.status).toBe(201);
    const events = await eventually(async () => {
      const mine = (await readFeed()).filter((e) => e.amazonOrderId === orderId);
      expect(mine.map((e) => e.type)).toEqual(
        expect.arrayContaining(['order.imported', 'delivery.ready', 'order.updated', 'shipment.confirmed']),
      );
      return mine;
    });
    expect(events.map((e) => e.sequence)).toEqual([...events.map((e) => e.sequence)].sort((a, b) => a - b));
    expect(events.find((e) => e.type === 'shipment.confirmed')).toMatchObject({
      id: expect.stringMatching(/^evt_\d+$/),
      account: account.id,
      marketplace: US,
      data: {
        packageReferenceId: 1,
        carrier: 'UPS',
        trackingNumber: '1ZEVENTS1',
        link: expect.stringContaining(orderId),
      },
    });
    expect(events.find((e) => e.type === 'order.updated')).toMatchObject({
      data: { state: 'shipped', previousState: 'confirmed' },
    });
    // No buyer, no recipient, no street, no gift message in any event.
    expect(JSON.stringify(events)).not.toMatch(/Emily|Daniel|Carter|NE 65th|Happy birthday/i);
    const onlyShipments = await readFeed('shipment.confirmed,shipment.rejected');
    expect(new Set(onlyShipments.map((e) => e.type))).toEqual(new Set(['shipment.confirmed']));
  });

  it('an unknown event type or a foreign cursor is refused', async () => {
    const res = await fetch(`${api.url}/v1/events?types=order.eaten`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.status).toBe(400);
    expect(((await res.json()) as any).error.message).toMatch(/unknown event types order\.eaten/);
  });

  it('1,000 orders imported by 8 concurrent import activities: exactly 1,000 order.imported, no gap, no duplicate', async () => {
    const before = (await readFeed('order.imported')).length;
    const { orderIds } = await h.admin.generateOrders(account.sellerId, {
      count: 1000,
      seed: 1818,
      marketplaceIds: [US],
      pendingShare: 0,
    });
    // A reader follows the feed while the imports commit concurrently.
    const seen = new Map<string, number>();
    let after: string | undefined;
    const follow = async () => {
      const page = await readEvents(h.testDb.db, { after, types: ['order.imported'], limit: 500 });
      for (const e of page.items) seen.set(e.amazonOrderId!, (seen.get(e.amazonOrderId!) ?? 0) + 1);
      after = page.nextCursor;
    };
    const sync = h.client.workflow.execute('orderSync', {
      taskQueue: h.taskQueue,
      workflowId: `events-sync-1000-${Date.now()}`,
      args: [{ accountId: account.id, since: minutesAgo(60 * 24 * 31) }],
    });
    const ours = new Set(orderIds);
    await eventually(
      async () => {
        await follow();
        expect([...seen.keys()].filter((id) => ours.has(id)).length).toBe(1000);
      },
      300_000,
      500,
    );
    await sync;
    await follow();
    expect([...seen.entries()].filter(([, n]) => n > 1)).toEqual([]);
    const all = (await readFeed('order.imported')).filter((e) => ours.has(e.amazonOrderId));
    expect(all).toHaveLength(1000);
    expect((await readFeed('order.imported')).length).toBe(before + 1000);
  }, 400_000);
});
