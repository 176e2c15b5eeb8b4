import { fbmOfferQuantities } from '../../book/stock';
import { requestStockSync } from '../../lib/workflow-client';
import { QuotaExceeded } from '../../lib/errors';
import { LISTINGS_FEED_BUCKET } from '../../activities/spapi/feeds';
import { RateLimiter } from '../../activities/spapi/rate-limiter';
import { stockSync, StockSyncInput, StockSyncResult } from '../../workflows/stock-sync';
import { eventually, Harness, startHarness, TestAccount } from '../support/harness';
import { DE, delivery, offer, offerRow, product, setOnHand } from '../fixtures/stock/book';

/** One seller account per behaviour, so that one test's offers never count in another's run. */
const names = ['rule', 'feed', 'fatal', 'fba', 'found', 'debounce', 'lease'] as const;
const ACCOUNTS = Object.fromEntries(
  names.map((n, i) => [
    n,
    { id: `stock-${n}`, sellerId: `A2STOCKSELLER0${i}`, region: 'eu' as const, marketplaceIds: [DE] },
  ]),
) as Record<(typeof names)[number], TestAccount>;
let h: Harness;
let runs = 0;

beforeAll(async () => {
  h = await startHarness({
    accounts: Object.values(ACCOUNTS),
    sandbox: { feedQueueMs: 200, feedProcessingMs: 300, listingApplyDelayMs: 50 },
    env: { FEED_POLL_INTERVAL: '250ms' },
  });
});
afterAll(async () => h?.close());

const db = () => h.testDb.db;

function sync(account: TestAccount, input: Partial<StockSyncInput> = {}): Promise<StockSyncResult> {
  return h.client.workflow.execute(stockSync, {
    taskQueue: h.taskQueue,
    workflowId: `stock-sync:${account.id}:test:${runs++}:${Date.now()}`,
    args: [{ accountId: account.id, reason: 'manual', ...input }],
  });
}

async function listing(account: TestAccount, sku: string, quantity: number | undefined, channel = 'DEFAULT') {
  await h.admin.putListing(account.sellerId, sku, {
    marketplaceId: DE,
    productType: 'HOME',
    fulfillmentChannelCode: channel,
    ...(quantity === undefined ? {} : { quantity }),
  });
}

const amazonQuantity = async (account: TestAccount, sku: string) =>
  (await h.admin.getListing(account.sellerId, sku))?.quantity;
const calls = async (operation: string) => (await h.admin.stats()).operations[operation]?.calls ?? 0;

describe('stockSync: FBM quantities to Amazon', () => {
  it('sends on hand − open FBM reservations − safety stock, floored at 0, and only what Amazon has not accepted yet', async () => {
    const acc = ACCOUNTS.rule;
    const a = await product(db(), 'RULE-A', 10);
    const b = await product(db(), 'RULE-B', 2);
    const c = await product(db(), 'RULE-C', 7);
    await offer(db(), acc.id, 'RULE-A', a, { safetyStock: 1 });
    await offer(db(), acc.id, 'RULE-B', b);
    await offer(db(), acc.id, 'RULE-C', c);
    await delivery(db(), acc.id, a, 'RULE-A', 3, 'open');
    await delivery(db(), acc.id, a, 'RULE-A', 2, 'done'); // shipped: already out of on hand, reserves nothing
    await delivery(db(), acc.id, a, 'RULE-A', 4, 'cancelled');
    await delivery(db(), acc.id, b, 'RULE-B', 5, 'open');
    for (const sku of ['RULE-A', 'RULE-B', 'RULE-C']) await listing(acc, sku, 99);

    const computed = await fbmOfferQuantities(db(), { accountId: acc.id });
    expect(computed.map((q) => [q.sellerSku, q.onHand, q.reserved, q.safetyStock, q.quantity])).toEqual([
      ['RULE-A', 10, 3, 1, 6],
      ['RULE-B', 2, 5, 0, 0],
      ['RULE-C', 7, 0, 0, 7],
    ]);

    const first = await sync(acc);
    expect(first).toMatchObject({
      status: 'done',
      changed: 3,
      sent: 3,
      accepted: 3,
      rejected: 0,
      patched: 3,
      feeds: [],
    });
    // Three changes go by patchListingsItem (below the feed threshold); the product type was learned on the way.
    expect((await offerRow(db(), acc.id, 'RULE-A')).product_type).toBe('HOME');
    await eventually(async () =>
      expect([
        await amazonQuantity(acc, 'RULE-A'),
        await amazonQuantity(acc, 'RULE-B'),
        await amazonQuantity(acc, 'RULE-C'),
      ]).toEqual([6, 0, 7]),
    );
    expect((await offerRow(db(), acc.id, 'RULE-A')).last_sent_quantity).toBe(6);
  });

  it('sends nothing when nothing changed, then only the offer whose stock changed', async () => {
    const acc = ACCOUNTS.rule;
    await h.admin.clearStats();
    const again = await sync(acc);
    expect(again).toMatchObject({ status: 'nothing_to_send', changed: 0, sent: 0 });
    expect({ patches: await calls('patchListingsItem'), feeds: await calls('createFeed') }).toEqual({
      patches: 0,
      feeds: 0,
    });

    await setOnHand(db(), (await offerRow(db(), acc.id, 'RULE-C')).product_id, 4);
    const third = await sync(acc);
    expect(third).toMatchObject({ changed: 1, sent: 1, accepted: 1 });
    expect(await calls('patchListingsItem')).toBe(1);
    await eventually(async () => expect(await amazonQuantity(acc, 'RULE-C')).toBe(4));
  });

  it('sends many changes in one JSON_LISTINGS_FEED; a SKU Amazon does not know is flagged, the others accepted', async () => {
    const acc = ACCOUNTS.feed;
    await h.admin.clearStats();
    for (const sku of ['FEED-1', 'FEED-2', 'FEED-3', 'FEED-GONE']) {
      await offer(db(), acc.id, sku, await product(db(), sku, 20), { productType: 'HOME' });
      if (sku !== 'FEED-GONE') await listing(acc, sku, 0);
    }
    const result = await sync(acc, { patchThreshold: 0 });
    expect(result).toMatchObject({ changed: 4, sent: 4, accepted: 3, rejected: 1, failed: 0, patched: 0 });
    expect(result.feeds).toEqual([
      { feedId: expect.stringMatching(/^\d+$/), marketplaceId: DE, status: 'DONE', messages: 4 },
    ]);
    expect((await h.admin.stats()).feeds).toMatchObject({ created: 1, messages: 4 });
    for (const sku of ['FEED-1', 'FEED-2', 'FEED-3']) expect(await amazonQuantity(acc, sku)).toBe(20);
    const gone = await offerRow(db(), acc.id, 'FEED-GONE');
    // Rejected, then looked at again at once: still not listed, and Amazon's message stays on the offer.
    expect(gone).toMatchObject({ last_sent_quantity: null, amazon_channel_code: null, channel: 'FBM' });
    expect(gone.last_error).toMatch(/FEED-GONE.*does not exist/);
    expect((await offerRow(db(), acc.id, 'FEED-1')).last_error).toBeNull();

    // Next run: the flagged offer is looked up first, still not listed, and not sent again.
    const next = await sync(acc, { patchThreshold: 0 });
    expect(next).toMatchObject({ changed: 1, sent: 0, notSent: 1 });
    expect((await offerRow(db(), acc.id, 'FEED-GONE')).last_error).toMatch(/no listing for this SKU/);
  });

  it('marks nothing sent when the feed ends FATAL, and sends it again on the next run', async () => {
    const acc = ACCOUNTS.fatal;
    for (const sku of ['FATAL-1', 'FATAL-2']) {
      await offer(db(), acc.id, sku, await product(db(), sku, 5), { productType: 'HOME' });
      await listing(acc, sku, 0);
    }
    // The account configured with another seller's id: Amazon refuses the document's header as a whole.
    await db()('seller_accounts')
      .where({ id: acc.id })
      .update({ seller_id: 'A0WRONGSELLER0', updated_at: db().fn.now() });
    const fatal = await sync(acc, { patchThreshold: 0 });
    await db()('seller_accounts').where({ id: acc.id }).update({ seller_id: acc.sellerId, updated_at: db().fn.now() });
    expect(fatal).toMatchObject({ sent: 2, accepted: 0, failed: 2 });
    expect(fatal.feeds[0].status).toBe('FATAL');
    expect((await offerRow(db(), acc.id, 'FATAL-1')).last_sent_quantity).toBeNull();
    expect(await amazonQuantity(acc, 'FATAL-1')).toBe(0);
    const run = await db()('stock_sync_runs').where({ id: fatal.runId }).first();
    expect(run.error).toMatch(/FATAL.*not the seller that submitted the feed/);

    const retried = await sync(acc, { patchThreshold: 0 });
    expect(retried).toMatchObject({ changed: 2, sent: 2, accepted: 2, failed: 0 });
    expect(await amazonQuantity(acc, 'FATAL-1')).toBe(5);
  });

  it('never sends a DEFAULT quantity to an FBA offer, even of a product also sold FBM', async () => {
    const acc = ACCOUNTS.fba;
    await h.admin.clearStats();
    const p = await product(db(), 'BOTH', 12);
    await offer(db(), acc.id, 'BOTH-FBM', p, { productType: 'HOME' });
    await offer(db(), acc.id, 'BOTH-FBA', p, { channel: 'FBA', productType: 'HOME' });
    await listing(acc, 'BOTH-FBM', 0);
    await listing(acc, 'BOTH-FBA', undefined, 'AMAZON_EU');
    const result = await sync(acc);
    expect(result).toMatchObject({ changed: 1, sent: 1, accepted: 1 });
    await eventually(async () => expect(await amazonQuantity(acc, 'BOTH-FBM')).toBe(12));
    const fba = await h.admin.getListing(acc.sellerId, 'BOTH-FBA');
    expect({ channel: fba?.fulfillmentChannelCode, quantity: fba?.quantity }).toEqual({
      channel: 'AMAZON_EU',
      quantity: undefined,
    });
    expect(await calls('patchListingsItem')).toBe(1);
  });

  it('switches an offer to FBA when its listing shows AMAZON_*, before sending when the last look is old', async () => {
    const acc = ACCOUNTS.fba;
    await offer(db(), acc.id, 'TO-FBA-OLD', await product(db(), 'TO-FBA-OLD', 9), {
      productType: 'HOME',
      checkedAt: new Date(Date.now() - 2 * 3_600_000),
    });
    await listing(acc, 'TO-FBA-OLD', undefined, 'AMAZON_EU');
    await h.admin.clearStats();
    const result = await sync(acc);
    expect(result).toMatchObject({ changed: 1, switchedToFba: 1, skippedFba: 1, sent: 0 });
    expect(await calls('patchListingsItem')).toBe(0);
    expect(await offerRow(db(), acc.id, 'TO-FBA-OLD')).toMatchObject({
      channel: 'FBA',
      amazon_channel_code: 'AMAZON_EU',
      last_error: null,
    });
    expect((await sync(acc)).changed).toBe(0);
  });

  it('switches an offer to FBA when Amazon refuses its DEFAULT quantity, and sends it nothing after', async () => {
    const acc = ACCOUNTS.fba;
    await offer(db(), acc.id, 'TO-FBA-NEW', await product(db(), 'TO-FBA-NEW', 9), { productType: 'HOME' });
    await listing(acc, 'TO-FBA-NEW', undefined, 'AMAZON_EU'); // switched in Seller Central after our last look
    const result = await sync(acc);
    expect(result).toMatchObject({ changed: 1, sent: 1, rejected: 1, switchedToFba: 1 });
    expect(await offerRow(db(), acc.id, 'TO-FBA-NEW')).toMatchObject({
      channel: 'FBA',
      last_error: null,
      last_sent_quantity: null,
    });
    expect((await h.admin.getListing(acc.sellerId, 'TO-FBA-NEW'))?.fulfillmentChannelCode).toBe('AMAZON_EU');
    expect((await sync(acc)).changed).toBe(0);
  });

  it('finds offers for catalog products listed on Amazon, and remembers those that are not', async () => {
    const acc = ACCOUNTS.found;
    await product(db(), 'NEW-LISTED', 3);
    await product(db(), 'NOT-LISTED', 3);
    await listing(acc, 'NEW-LISTED', 0);
    const result = await sync(acc);
    expect(result).toMatchObject({ discovered: 1, changed: 1, sent: 1, accepted: 1 });
    expect(await offerRow(db(), acc.id, 'NEW-LISTED')).toMatchObject({
      channel: 'FBM',
      product_type: 'HOME',
      last_sent_quantity: 3,
    });
    expect(await offerRow(db(), acc.id, 'NOT-LISTED')).toBeUndefined();
    expect(await db()('listing_lookups').where({ account_id: acc.id, seller_sku: 'NOT-LISTED' }).first()).toMatchObject(
      { found: false },
    );
  });

  it('debounces stock changes: many within the window start one run, which sends the last quantity', async () => {
    const acc = ACCOUNTS.debounce;
    const id = await product(db(), 'DEBOUNCE', 1);
    await offer(db(), acc.id, 'DEBOUNCE', id, { productType: 'HOME', lastSent: 1 });
    await listing(acc, 'DEBOUNCE', 1);
    const windowMs = 3_000;
    // Five changes at instants of the current window (the clock is an input): no waiting for a window to begin.
    const windowStart = Math.floor(Date.now() / windowMs) * windowMs;
    const requests = [];
    for (const [i, qty] of [2, 3, 4, 5, 6].entries()) {
      await setOnHand(db(), id, qty);
      const now = windowStart + i;
      requests.push(await requestStockSync(h.client, { accountId: acc.id, taskQueue: h.taskQueue, windowMs, now }));
    }
    expect(requests.filter((r) => r.started)).toHaveLength(1);
    expect(new Set(requests.map((r) => r.workflowId)).size).toBe(1);
    const result = (await h.client.workflow.getHandle(requests[0].workflowId).result()) as StockSyncResult;
    expect(result).toMatchObject({ changed: 1, sent: 1, accepted: 1 });
    await eventually(async () => expect(await amazonQuantity(acc, 'DEBOUNCE')).toBe(6));
    const later = await requestStockSync(h.client, { accountId: acc.id, taskQueue: h.taskQueue, windowMs });
    expect(later).toMatchObject({ started: true });
    expect(later.workflowId).not.toBe(requests[0].workflowId);
    expect(((await h.client.workflow.getHandle(later.workflowId).result()) as StockSyncResult).changed).toBe(0);
  });

  it('runs one stock sync per account at a time: the second waits for the first to apply its report', async () => {
    const acc = ACCOUNTS.lease;
    for (const sku of ['LEASE-1', 'LEASE-2']) {
      await offer(db(), acc.id, sku, await product(db(), sku, 8), { productType: 'HOME' });
      await listing(acc, sku, 0);
    }
    const [a, b] = await Promise.all([sync(acc, { patchThreshold: 0 }), sync(acc, { patchThreshold: 0 })]);
    expect([a.sent, b.sent].sort()).toEqual([0, 2]);
    expect(await db()('stock_sync_leases').where({ account_id: acc.id })).toEqual([]);
  });

  it("keeps to Amazon's listings feed limit (5 per 5 minutes) in the shared rate limiter", async () => {
    const limiter = new RateLimiter(db(), { speedup: 1, maxWaitMs: 1_000 });
    for (let i = 0; i < 4; i++) await limiter.acquire('A2FEEDLIMIT01', LISTINGS_FEED_BUCKET);
    const refused = await limiter.acquire('A2FEEDLIMIT01', LISTINGS_FEED_BUCKET).catch((e) => e);
    expect(refused).toBeInstanceOf(QuotaExceeded);
    // One feed a minute after the burst: createFeed is retried when the bucket has a token again.
    expect(refused.nextRetryDelayMs).toBeGreaterThan(55_000);
  });
});
