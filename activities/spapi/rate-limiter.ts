import type { Db } from '../../db';
import { deferToken, drainBucket, takeToken } from '../../book/rate-buckets';
import { QuotaExceeded } from '../../lib/errors';
import { LISTINGS_FEED_PLAN, USAGE_PLANS, type UsagePlan } from '../../lib/amazon-facts';

/** Buckets that are not an operation: Amazon's own limit on JSON_LISTINGS_FEED submissions (activities/spapi/feeds.ts). */
const EXTRA_PLANS: Record<string, UsagePlan> = { JSON_LISTINGS_FEED: LISTINGS_FEED_PLAN };

export interface RateLimiterOptions {
  /** Multiplies Amazon's rates: 60 against a sandbox in `x60` mode. 1 against Amazon. */
  speedup?: number;
  /** Longer waits are not slept in the activity: it fails retryably and Temporal retries after the wait. */
  maxWaitMs?: number;
}

/**
 * How long a call may sleep for its token inside an activity. A sleeping call holds one of the worker's activity slots,
 * so this bounds how many slots one (seller, operation) queue takes: at confirmShipment's 2/s, 5 s is 10 slots. With
 * 30 s, one seller's backlog filled every slot and starved the other sellers and the order workflows' database steps.
 * A call further back gives its reservation back and is deferred: Temporal retries it (QuotaExceeded.nextRetryDelay)
 * at the next token time not yet handed out, so a backlog of N comes back spread over N tokens, not all at once.
 */
export const MAX_LIMITER_SLEEP_MS = 5_000;

/**
 * One token bucket per (seller, operation) in PostgreSQL (book/rate-buckets.ts), shared by every worker process.
 * Each call reserves a token atomically; a negative balance is a queue position, so the caller sleeps exactly
 * until its token exists. Amazon's buckets start full; so do ours, one token short to absorb clock skew.
 */
export class RateLimiter {
  private readonly speedup: number;
  private readonly maxWaitMs: number;

  constructor(
    private readonly db: Db,
    options: RateLimiterOptions = {},
  ) {
    this.speedup = options.speedup ?? 1;
    this.maxWaitMs = options.maxWaitMs ?? MAX_LIMITER_SLEEP_MS;
  }

  async acquire(sellerId: string, operation: string): Promise<void> {
    const plan = USAGE_PLANS[operation] ?? EXTRA_PLANS[operation];
    if (!plan || this.speedup <= 0) return;
    const rate = plan.rate * this.speedup;
    const burst = Math.max(1, plan.burst - 1);
    const key = `${sellerId}:${operation}`;
    const tokens = await takeToken(this.db, { key, rate, burst });
    if (tokens >= 0) return;
    const waitMs = Math.ceil((-tokens / rate) * 1000);
    if (waitMs > this.maxWaitMs)
      throw new QuotaExceeded(operation, await deferToken(this.db, { key, rate, waitMs }), 'limiter');
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }

  /** After a 429 Amazon's bucket is empty whatever ours says: empty ours so every worker slows down. */
  async drain(sellerId: string, operation: string): Promise<void> {
    await drainBucket(this.db, { key: `${sellerId}:${operation}` });
  }
}
