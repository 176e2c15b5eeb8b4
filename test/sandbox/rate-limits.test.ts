import { USAGE_PLANS } from '../../lib/amazon-facts';
import { rateHeader, TokenBucket } from '../../sandbox/rate-limits';
import { loadModel } from '../support/models';
import { expectError, expectModel, newSeller, startTestSandbox, TestSandbox, US } from './support';

/** Usage plans: a token bucket per (seller, operation) with the models' rate and burst; 429 QuotaExceeded when empty. */

const MODEL_OF: Record<string, string> = {
  searchOrders: 'orders_2026-01-01.json',
  getOrder: 'orders_2026-01-01.json',
  confirmShipment: 'ordersV0.json',
  getFeeds: 'feeds_2021-06-30.json',
  createFeed: 'feeds_2021-06-30.json',
  getFeed: 'feeds_2021-06-30.json',
  cancelFeed: 'feeds_2021-06-30.json',
  createFeedDocument: 'feeds_2021-06-30.json',
  getFeedDocument: 'feeds_2021-06-30.json',
  getListingsItem: 'listingsItems_2021-08-01.json',
  patchListingsItem: 'listingsItems_2021-08-01.json',
  searchListingsItems: 'listingsItems_2021-08-01.json',
  getMarketplaceParticipations: 'sellers.json',
  getInventorySummaries: 'fbaInventory.json',
  listTransactions: 'finances_2024-06-19.json',
  getDestinations: 'notifications.json',
  createDestination: 'notifications.json',
  getDestination: 'notifications.json',
  deleteDestination: 'notifications.json',
  getSubscription: 'notifications.json',
  createSubscription: 'notifications.json',
  getSubscriptionById: 'notifications.json',
  deleteSubscriptionById: 'notifications.json',
};

/** The rate and burst in an operation's "Usage Plan" table. */
function planInModel(file: string, operationId: string): { rate: number; burst: number } {
  for (const methods of Object.values<any>(loadModel(file).paths)) {
    for (const op of Object.values<any>(methods)) {
      if (op?.operationId !== operationId) continue;
      const m =
        /\|\s*Rate \(requests per second\)\s*\|\s*Burst\s*\|\s*\n\|[-\s|]+\|\s*\n\|\s*([\d.]+)\s*\|\s*(\d+)\s*\|/.exec(
          op.description,
        );
      if (!m) throw new Error(`${file} ${operationId} has no usage plan table`);
      return { rate: Number(m[1]), burst: Number(m[2]) };
    }
  }
  throw new Error(`${file} has no operation ${operationId}`);
}

test('the sandbox’s usage plans are the ones in Amazon’s models', () => {
  expect(Object.keys(USAGE_PLANS).sort()).toEqual(Object.keys(MODEL_OF).sort());
  for (const [operation, file] of Object.entries(MODEL_OF)) {
    expect({ operation, ...USAGE_PLANS[operation] }).toEqual({ operation, ...planInModel(file, operation) });
  }
});

test('a token bucket starts full at its burst and refills at its rate, faster by the mode’s factor', () => {
  const bucket = new TokenBucket({ rate: 0.5, burst: 2 }, 0);
  expect([bucket.take(0, 1), bucket.take(0, 1), bucket.take(0, 1)]).toEqual([true, true, false]);
  expect(bucket.take(1999, 1)).toBe(false);
  expect(bucket.take(2000, 1)).toBe(true);
  expect(bucket.take(2034, 60)).toBe(true); // 34 ms × 0.5/s × 60 ≈ 1 token
  expect(rateHeader({ rate: 0.0056, burst: 20 }, 'x60')).toBe('0.336');
});

describe('over HTTP', () => {
  let clock = Date.now();
  let t: TestSandbox;
  beforeAll(async () => {
    t = await startTestSandbox({ rateLimits: 'real', now: () => clock });
  });
  afterAll(() => t.close());
  afterEach(() => t.admin.setConfig({ rateLimits: 'real' }));

  const searches = async (seller: Awaited<ReturnType<typeof newSeller>>, n: number) => {
    const results = [];
    for (let i = 0; i < n; i++) {
      results.push(
        await seller.call('GET', '/orders/2026-01-01/orders', {
          query: { createdAfter: new Date(clock - 3_600_000).toISOString() },
        }),
      );
    }
    return results;
  };

  test('real: 25 rapid searchOrders → 20 succeed (the burst), 5 get 429 QuotaExceeded with x-amzn-RateLimit-Limit', async () => {
    const seller = await newSeller(t, { marketplaceIds: [US] });
    const results = await searches(seller, 25);
    expect(results.map((r) => r.status)).toEqual([...Array(20).fill(200), ...Array(5).fill(429)]);
    for (const r of results.slice(20)) {
      expectError(r, 429, 'QuotaExceeded');
      expect(r.json.errors[0].message).toBe('You exceeded your quota for the requested resource.');
      expect(r.headers['x-amzn-ratelimit-limit']).toBe('0.0056');
      expectModel('orders_2026-01-01.json', '/orders/2026-01-01/orders', 'get', r);
    }
    const stats = (await t.admin.stats()).operations.searchOrders;
    expect(stats).toMatchObject({ '429': 5 });
  });

  test('x60: the bucket refills 60 times faster (one searchOrders token in 3 s instead of 3 min)', async () => {
    for (const mode of ['real', 'x60'] as const) {
      await t.admin.setConfig({ rateLimits: mode });
      const seller = await newSeller(t, { marketplaceIds: [US] });
      await searches(seller, 20);
      expect((await searches(seller, 1))[0].status).toBe(429);
      clock += 3000; // 3 s × 0.0056/s × 60 = 1.008 tokens; × 1 = 0.0168
      const [after] = await searches(seller, 1);
      expect({ mode, status: after.status, limit: after.headers['x-amzn-ratelimit-limit'] }).toEqual({
        mode,
        status: mode === 'x60' ? 200 : 429,
        limit: mode === 'x60' ? '0.336' : '0.0056',
      });
    }
  });

  test('each seller and each operation has its own bucket', async () => {
    const a = await newSeller(t, { marketplaceIds: [US] });
    const b = await newSeller(t, { marketplaceIds: [US] });
    await searches(a, 20);
    expect((await searches(a, 1))[0].status).toBe(429);
    expect((await searches(b, 1))[0].status).toBe(200);
    expect((await a.call('GET', '/orders/2026-01-01/orders/111-0000000-0000000')).status).toBe(404);
  });

  test('off never answers 429, and still reports Amazon’s rate', async () => {
    await t.admin.setConfig({ rateLimits: 'off' });
    const seller = await newSeller(t, { marketplaceIds: [US] });
    const results = await searches(seller, 30);
    expect(results.every((r) => r.status === 200 && r.headers['x-amzn-ratelimit-limit'] === '0.0056')).toBe(true);
  });
});
