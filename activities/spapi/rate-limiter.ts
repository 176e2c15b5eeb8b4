import type { Db } from '../../db';
import { QuotaExceeded } from './errors';
import { USAGE_PLANS } from './usage-plans';

export interface RateLimiterOptions {
  /** Multiplies Amazon's rates: 60 against a sandbox in `x60` mode. 1 against Amazon. */
  speedup?: number;
  /** Longer waits are not slept in the activity: it fails retryably and Temporal retries after the wait. */
  maxWaitMs?: number;
}

/**
 * One token bucket per (seller, operation) in PostgreSQL, shared by every worker process.
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
    this.maxWaitMs = options.maxWaitMs ?? 30_000;
  }

  async acquire(sellerId: string, operation: string): Promise<void> {
    const plan = USAGE_PLANS[operation];
    if (!plan || this.speedup <= 0) return;
    const rate = plan.rate * this.speedup;
    const burst = Math.max(1, plan.burst - 1);
    const key = `${sellerId}:${operation}`;
    const { rows } = await this.db.raw(
      `INSERT INTO rate_buckets (bucket_key, tokens, refilled_at) VALUES (?, ? - 1, clock_timestamp())
       ON CONFLICT (bucket_key) DO UPDATE SET
         tokens = LEAST(?, rate_buckets.tokens + ? * EXTRACT(EPOCH FROM clock_timestamp() - rate_buckets.refilled_at)) - 1,
         refilled_at = clock_timestamp()
       RETURNING tokens`,
      [key, burst, burst, rate],
    );
    const tokens = Number(rows[0].tokens);
    if (tokens >= 0) return;
    const waitMs = Math.ceil((-tokens / rate) * 1000);
    if (waitMs > this.maxWaitMs) {
      await this.db.raw('UPDATE rate_buckets SET tokens = tokens + 1 WHERE bucket_key = ?', [key]);
      throw new QuotaExceeded(operation, waitMs);
    }
    await new Promise((resolve) => setTimeout(resolve, waitMs));
  }

  /** After a 429 Amazon's bucket is empty whatever ours says: empty ours so every worker slows down. */
  async drain(sellerId: string, operation: string): Promise<void> {
    await this.db.raw(
      'UPDATE rate_buckets SET tokens = LEAST(tokens, 0), refilled_at = clock_timestamp() WHERE bucket_key = ?',
      [`${sellerId}:${operation}`],
    );
  }
}
