import fs from 'fs';
import path from 'path';
import { Command } from 'commander';
import * as piiCli from '../../cli/commands/pii';
import { orderWorkflowId } from '../../workflows/ids';
import type { OrderSyncResult } from '../../workflows/order-sync';
import { eventually, Harness, startHarness } from '../support/harness';

/**
 * Amazon's Data Protection Policy: buyer PII at most the retention after delivery or cancellation. Names, street
 * lines, phone, e-mail and gift messages go; city, postal code, region and country stay for tax.
 */
const US = 'ATVPDKIKX0DER';
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();
const daysAgo = (n: number) => new Date(Date.now() - n * 86_400_000);
const fixture = () =>
  JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/orders/us-fbm-gift-promotions.json'), 'utf8'));

/**
 * The fixture's order as Amazon reports it now (SHIPPED in Seller Central, CANCELLED, or still UNSHIPPED). Each order
 * gets its own buyer e-mail: a contact shared with an order still in retention is (rightly) kept.
 */
function amazonOrder(orderId: string, status: 'SHIPPED' | 'CANCELLED' | 'UNSHIPPED') {
  const order = fixture();
  const buyer = { ...order.buyer, buyerEmail: `${orderId.replace(/-/g, '')}@marketplace.amazon.com` };
  return {
    ...order,
    orderId,
    buyer,
    createdTime: minutesAgo(60),
    lastUpdatedTime: minutesAgo(5),
    fulfillment: { ...order.fulfillment, fulfillmentStatus: status },
  };
}

async function syncAll(h: Harness, accountId: string): Promise<void> {
  (await h.client.workflow.execute('orderSync', {
    taskQueue: h.taskQueue,
    workflowId: `pii-sync-${accountId}-${Date.now()}`,
    args: [{ accountId, since: minutesAgo(24 * 60) }],
  })) as OrderSyncResult;
}

/** The buyer contact and delivery address of an order, as the book holds them. */
async function parties(h: Harness, amazonOrderId: string) {
  const order = await h.testDb.db('sale_orders').where({ amazon_order_id: amazonOrderId }).first();
  const contact = await h.testDb.db('partners').where({ id: order.partner_id }).first();
  const address = await h.testDb.db('partners').where({ id: order.delivery_address_id }).first();
  const notes = await h.testDb.db('sale_order_lines').where({ order_id: order.id, kind: 'note' }).select('note');
  return { order, contact, address, notes: notes.map((n) => n.note) };
}

function expectPurged(p: Awaited<ReturnType<typeof parties>>, amazonOrderId: string) {
  expect(p.order.pii_purged_at).not.toBeNull();
  expect(p.order.gift_message).toBeNull();
  expect(p.notes.every((n) => n === null)).toBe(true);
  for (const partner of [p.contact, p.address]) {
    expect(partner).toMatchObject({
      name: `Amazon Customer #${amazonOrderId}`,
      email: null,
      phone: null,
      street: null,
      street2: null,
      street3: null,
    });
  }
  // Kept for tax: where the goods went.
  expect(p.address).toMatchObject({
    city: 'Seattle',
    state_or_region: 'WA',
    postal_code: '98115-6432',
    country_code: 'US',
  });
}

describe("PII retention: the order workflow's durable timer purges buyer data after delivery", () => {
  let h: Harness;
  const account = {
    id: `pii-timer-${Date.now().toString(36)}`,
    sellerId: 'A5PIITIMER0001',
    region: 'na' as const,
    marketplaceIds: [US],
  };

  beforeAll(async () => {
    h = await startHarness({ accounts: [account], env: { PII_RETENTION: '3s' } });
    await h.admin.addOrders(account.sellerId, [
      amazonOrder('113-3000001-0000001', 'SHIPPED'),
      amazonOrder('113-3000002-0000002', 'CANCELLED'),
    ]);
    await syncAll(h, account.id);
  });
  afterAll(async () => h?.close());

  it('a delivered order keeps its buyer data until the retention passes, then only the tax fields remain', async () => {
    const before = await eventually(() =>
      parties(h, '113-3000001-0000001').then((p) => (expect(p.order?.state).toBe('shipped'), p)),
    );
    expect(before.contact).toMatchObject({
      name: 'Emily Carter',
      email: expect.stringContaining('@marketplace.amazon.com'),
    });
    expect(before.address).toMatchObject({
      name: 'Daniel Carter',
      street: '2217 NE 65th St',
      phone: '+1 206-555-0148',
    });
    expect(before.order.pii_purged_at).toBeNull();

    const result: any = await h.client.workflow.getHandle(orderWorkflowId(account.id, '113-3000001-0000001')).result();
    expect(result).toMatchObject({ phase: 'done', state: 'shipped' });
    expectPurged(await parties(h, '113-3000001-0000001'), '113-3000001-0000001');
  });

  it('a cancelled order is purged the same way after the retention', async () => {
    const result: any = await h.client.workflow.getHandle(orderWorkflowId(account.id, '113-3000002-0000002')).result();
    expect(result).toMatchObject({ phase: 'done', state: 'cancelled' });
    expectPurged(await parties(h, '113-3000002-0000002'), '113-3000002-0000002');
  });
});

describe('`connector pii purge`: a sweep for orders whose retention passed without a timer (imported before the feature)', () => {
  let h: Harness;
  const account = {
    id: `pii-sweep-${Date.now().toString(36)}`,
    sellerId: 'A6PIISWEEP0001',
    region: 'na' as const,
    marketplaceIds: [US],
  };
  const [overdue, recentlyCancelled, open] = ['113-4000001-0000001', '113-4000002-0000002', '113-4000003-0000003'];
  const savedEnv = { ...process.env };

  async function connector(...args: string[]): Promise<any> {
    const program = new Command('connector').option('--json').exitOverride();
    piiCli.register(program);
    let stdout = '';
    const out = jest
      .spyOn(process.stdout, 'write')
      .mockImplementation((chunk: any) => ((stdout += String(chunk)), true));
    try {
      await program.parseAsync([...args, '--json'], { from: 'user' });
    } finally {
      out.mockRestore();
    }
    return JSON.parse(stdout);
  }

  beforeAll(async () => {
    h = await startHarness({ accounts: [account] }); // the default retention: 30 days
    process.env.DATABASE_URL = h.testDb.url;
    delete process.env.PII_RETENTION;
    await h.admin.addOrders(account.sellerId, [
      amazonOrder(overdue, 'SHIPPED'),
      amazonOrder(recentlyCancelled, 'CANCELLED'),
      amazonOrder(open, 'UNSHIPPED'),
    ]);
    await syncAll(h, account.id);
    await eventually(async () =>
      expect(await h.testDb.db('sale_orders').where({ account_id: account.id }).count({ n: '*' }).first()).toEqual({
        n: '3',
      }),
    );
    // As if delivered before the connector had retention timers: 31 days ago, and 2 days ago.
    await h.testDb
      .db('sale_orders')
      .where({ amazon_order_id: overdue })
      .update({ delivered_at: daysAgo(31) });
    await h.testDb
      .db('sale_orders')
      .where({ amazon_order_id: recentlyCancelled })
      .update({ delivered_at: daysAgo(2) });
  });

  afterAll(async () => {
    process.env = savedEnv;
    // Their retention timers would wait 30 days: end the runs this test started.
    for (const id of [overdue, recentlyCancelled, open]) {
      await h?.client.workflow
        .getHandle(orderWorkflowId(account.id, id))
        .terminate('test over')
        .catch(() => undefined);
    }
    await h?.close();
  });

  it('--dry-run lists the orders delivered longer ago than the retention and changes nothing', async () => {
    const report = await connector('pii', 'purge', '--dry-run', '--account', account.id);
    expect(report).toMatchObject({
      dryRun: true,
      overdue: 1,
      orders: [{ amazonOrderId: overdue, account: account.id, state: 'shipped' }],
    });
    const p = await parties(h, overdue);
    expect(p.order.pii_purged_at).toBeNull();
    expect(p.address).toMatchObject({ name: 'Daniel Carter', street: '2217 NE 65th St' });
  });

  it('without --dry-run purges them, keeps the tax fields, and leaves recent and open orders alone', async () => {
    expect(await connector('pii', 'purge', '--account', account.id)).toMatchObject({ purged: 1 });
    expectPurged(await parties(h, overdue), overdue);
    for (const id of [recentlyCancelled, open]) {
      const p = await parties(h, id);
      expect({ id, purged: p.order.pii_purged_at }).toEqual({ id, purged: null });
      expect(p.contact.name).toBe('Emily Carter');
    }
    expect(await connector('pii', 'purge', '--account', account.id)).toMatchObject({ purged: 0, orders: [] });
  });

  it("an account's own retention (days) wins over the default", async () => {
    await h.testDb.db('seller_accounts').where({ id: account.id }).update({ pii_retention_days: 1 });
    const report = await connector('pii', 'purge', '--dry-run', '--account', account.id);
    expect(report.orders.map((o: any) => o.amazonOrderId)).toEqual([recentlyCancelled]);
  });

  it("a flagged order no one retried loses its buyer data at retention, counted from Amazon's last update", async () => {
    // The open order, flagged (say its confirmation was refused) and left alone: the account keeps PII 1 day.
    const flag = (updated: Date) =>
      h.testDb
        .db('sale_orders')
        .where({ account_id: account.id, amazon_order_id: open })
        .update({ state: 'needs_attention', attention_reason: 'left alone', amazon_updated_at: updated });
    await flag(daysAgo(0.5));
    let report = await connector('pii', 'purge', '--dry-run', '--account', account.id);
    expect(report.orders.map((o: any) => o.amazonOrderId)).not.toContain(open);
    const lastUpdate = daysAgo(2);
    await flag(lastUpdate);
    report = await connector('pii', 'purge', '--account', account.id);
    expect(report.orders).toContainEqual(
      expect.objectContaining({
        amazonOrderId: open,
        state: 'needs_attention',
        retentionFrom: lastUpdate.toISOString(),
      }),
    );
    expectPurged(await parties(h, open), open);
  });

  it('a flagged order that never imports loses its stored Amazon payload (buyer, recipient) at retention', async () => {
    const flagged = '113-4000004-0000004';
    const malformed = JSON.parse(
      fs.readFileSync(path.join(__dirname, '../fixtures/orders/malformed-three-decimals.json'), 'utf8'),
    );
    await h.admin.addOrders(account.sellerId, [
      { ...malformed, orderId: flagged, createdTime: minutesAgo(60), lastUpdatedTime: minutesAgo(5) },
    ]);
    await syncAll(h, account.id);
    const snapshot = () =>
      h.testDb.db('amazon_order_snapshots').where({ account_id: account.id, amazon_order_id: flagged }).first();
    await eventually(async () =>
      expect(await h.testDb.db('sale_orders').where({ amazon_order_id: flagged }).first('state')).toEqual({
        state: 'needs_attention',
      }),
    );
    expect((await snapshot())?.payload.buyer.buyerName).toBe('Marcus Bell');
    const age = (days: number) =>
      h.testDb
        .db('amazon_order_snapshots')
        .where({ amazon_order_id: flagged })
        .update({ last_updated_time: daysAgo(days) });

    // The account keeps PII 1 day (the test before). Within it the payload stays; past it, `pii purge` deletes it.
    await age(0.5);
    expect(await connector('pii', 'purge', '--account', account.id)).toMatchObject({ snapshots: 0 });
    await age(2);
    expect(await connector('pii', 'purge', '--dry-run', '--account', account.id)).toMatchObject({ snapshots: 1 });
    expect(await snapshot()).toBeDefined();
    expect(await connector('pii', 'purge', '--account', account.id)).toMatchObject({ snapshots: 1 });
    expect(await snapshot()).toBeUndefined();

    // Without anyone running the sweep: the account's next orderSync purges it (here a window that no longer holds it).
    await h.testDb.db('amazon_order_snapshots').insert({
      account_id: account.id,
      amazon_order_id: flagged,
      last_updated_time: daysAgo(2),
      payload: JSON.stringify(malformed),
    });
    (await h.client.workflow.execute('orderSync', {
      taskQueue: h.taskQueue,
      workflowId: `pii-sync-late-${Date.now()}`,
      args: [{ accountId: account.id, since: minutesAgo(1) }],
    })) as OrderSyncResult;
    expect(await snapshot()).toBeUndefined();
  });
});
