import { RateLimiter } from '../../activities/spapi/rate-limiter';
import { QuotaExceeded } from '../../lib/errors';
import { createDb } from '../../db';
import { createTestDatabase, TestDatabase } from '../support/db';

describe('the SP-API rate limiter in PostgreSQL', () => {
  let testDb: TestDatabase;
  beforeAll(async () => {
    testDb = await createTestDatabase();
  });
  afterAll(async () => testDb.drop());

  it('holds one bucket per (seller, operation) across two workers with their own connection pools', async () => {
    // getOrder: 0.5/s, burst 30 (we keep one token spare: 29). × 20 speedup = 10/s.
    const second = createDb(testDb.url, { max: 5 });
    const workerA = new RateLimiter(testDb.db, { speedup: 20 });
    const workerB = new RateLimiter(second, { speedup: 20 });
    const started = Date.now();
    const grants: number[] = [];
    await Promise.all(
      Array.from({ length: 49 }, (_, i) =>
        (i % 2 ? workerA : workerB).acquire('SELLER-A', 'getOrder').then(() => grants.push(Date.now() - started)),
      ),
    );
    await second.destroy();
    // The bucket's law: by time t at most burst + rate·t grants. 29 from the burst, 20 more at 10/s ≈ 2 s.
    grants.sort((a, b) => a - b);
    grants.forEach((t, i) =>
      expect({ grant: i + 1, at: t, allowed: i + 1 <= 29 + Math.ceil((10 * (t + 50)) / 1000) }).toMatchObject({
        allowed: true,
      }),
    );
    expect(grants[48]).toBeGreaterThanOrEqual(1800);
    expect(grants[48]).toBeLessThan(4000);
  });

  it('keeps sellers and operations apart', async () => {
    const limiter = new RateLimiter(testDb.db, { speedup: 1 });
    for (let i = 0; i < 9; i++) await limiter.acquire('SELLER-B', 'confirmShipment');
    const started = Date.now();
    await limiter.acquire('SELLER-C', 'confirmShipment');
    await limiter.acquire('SELLER-B', 'getOrder');
    expect(Date.now() - started).toBeLessThan(300);
  });

  it('fails retryably with the wait when the wait is longer than an activity should sleep', async () => {
    const limiter = new RateLimiter(testDb.db, { speedup: 1, maxWaitMs: 1_000 });
    for (let i = 0; i < 19; i++) await limiter.acquire('SELLER-D', 'searchOrders');
    const error = await limiter.acquire('SELLER-D', 'searchOrders').catch((e) => e);
    expect(error).toBeInstanceOf(QuotaExceeded);
    // searchOrders refills one token per ~180 s
    expect(error.nextRetryDelayMs).toBeGreaterThan(170_000);
    // the refused reservation was given back: the balance is not driven further negative
    const { tokens } = await testDb.db('rate_buckets').where({ bucket_key: 'SELLER-D:searchOrders' }).first();
    expect(Number(tokens)).toBeGreaterThan(-0.01);
  });

  it('defers a backlog beyond what a call may sleep to successive token times, without holding its place', async () => {
    // confirmShipment: 2/s, burst 10 (9 kept). With 1 s of sleep allowed, 2 calls may wait; the rest are deferred.
    const limiter = new RateLimiter(testDb.db, { speedup: 1, maxWaitMs: 1_000 });
    for (let i = 0; i < 9; i++) await limiter.acquire('SELLER-F', 'confirmShipment');
    const outcomes = await Promise.all(
      Array.from({ length: 8 }, () =>
        limiter.acquire('SELLER-F', 'confirmShipment').then(
          () => 'granted' as const,
          (e) => e,
        ),
      ),
    );
    const granted = outcomes.filter((o) => o === 'granted');
    const deferred = outcomes.filter((o): o is QuotaExceeded => o instanceof QuotaExceeded);
    expect(granted.length).toBeGreaterThanOrEqual(1);
    expect(granted.length + deferred.length).toBe(8);
    expect(deferred[0].source).toBe('limiter');
    expect(deferred[0].message).toMatch(/waiting for the seller's rate quota/);
    // Each deferred call gets its own token time, 0.5 s apart (2/s): a backlog comes back spread, not all at once.
    const delays = deferred.map((d) => d.nextRetryDelayMs).sort((a, b) => a - b);
    delays.slice(1).forEach((d, i) => expect(d - delays[i]).toBeGreaterThanOrEqual(450));
    expect(delays[delays.length - 1] - delays[0]).toBeGreaterThanOrEqual(450 * (delays.length - 1));
    // Deferred calls gave their reservations back: the queue is only what is sleeping (≤ 1 s of tokens).
    const { tokens } = await testDb.db('rate_buckets').where({ bucket_key: 'SELLER-F:confirmShipment' }).first();
    expect(Number(tokens)).toBeGreaterThan(-3.01);
  });

  it('after a 429, empties the bucket so every worker slows down', async () => {
    const limiter = new RateLimiter(testDb.db, { speedup: 10 });
    await limiter.acquire('SELLER-E', 'getInventorySummaries');
    await limiter.drain('SELLER-E', 'getInventorySummaries');
    const started = Date.now();
    await limiter.acquire('SELLER-E', 'getInventorySummaries'); // 20/s after the drain: ≈ 50 ms
    expect(Date.now() - started).toBeGreaterThanOrEqual(40);
  });
});
