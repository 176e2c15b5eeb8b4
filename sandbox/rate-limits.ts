/**
 * Usage plans: one token bucket per (seller, operation) with the rate and burst of each operation's "Usage Plan" table
 * in Amazon's models. A test (test/sandbox/rate-limits.test.ts) reads the tables back from the models to keep these equal.
 */

export interface UsagePlan {
  /** Requests per second. */
  rate: number;
  burst: number;
}

export const USAGE_PLANS: Readonly<Record<string, UsagePlan>> = {
  searchOrders: { rate: 0.0056, burst: 20 },
  getOrder: { rate: 0.5, burst: 30 },
  confirmShipment: { rate: 2, burst: 10 },
  getFeeds: { rate: 0.0222, burst: 10 },
  createFeed: { rate: 0.0083, burst: 15 },
  getFeed: { rate: 2, burst: 15 },
  cancelFeed: { rate: 2, burst: 15 },
  createFeedDocument: { rate: 0.5, burst: 15 },
  getFeedDocument: { rate: 0.0222, burst: 10 },
  getListingsItem: { rate: 5, burst: 10 },
  patchListingsItem: { rate: 5, burst: 5 },
  searchListingsItems: { rate: 5, burst: 5 },
  getMarketplaceParticipations: { rate: 0.016, burst: 15 },
  getInventorySummaries: { rate: 2, burst: 2 },
};

/** Amazon's extra limit on JSON_LISTINGS_FEED submissions: 5 feeds per 5 minutes (per seller and region). */
export const LISTINGS_FEED_PLAN: UsagePlan = { rate: 5 / 300, burst: 5 };

export type RateLimitMode = 'real' | 'off' | `x${number}`;

export function parseRateLimitMode(text: string): RateLimitMode {
  if (text === 'real' || text === 'off') return text;
  const match = /^x(\d+(\.\d+)?)$/.exec(text);
  if (match && Number(match[1]) > 0) return text as RateLimitMode;
  throw new Error(`rate limit mode "${text}" is not one of real, off, x<K> (like x60)`);
}

/** How many times faster than Amazon buckets refill; Infinity when limits are off. */
export function speedOf(mode: RateLimitMode): number {
  if (mode === 'off') return Infinity;
  if (mode === 'real') return 1;
  return Number(mode.slice(1));
}

/** The x-amzn-RateLimit-Limit value: the rate actually applied, so a client's waits are right in x<K> mode too. */
export function rateHeader(plan: UsagePlan, mode: RateLimitMode): string {
  const speed = speedOf(mode);
  const rate = Number.isFinite(speed) ? plan.rate * speed : plan.rate;
  return String(Number(rate.toPrecision(6)));
}

export class TokenBucket {
  private tokens: number;
  private last: number;

  constructor(
    private readonly plan: UsagePlan,
    now: number,
  ) {
    this.tokens = plan.burst;
    this.last = now;
  }

  /** Takes one token if there is one; `speed` multiplies the refill rate. */
  take(now: number, speed: number): boolean {
    if (!Number.isFinite(speed)) return true;
    const elapsed = Math.max(0, now - this.last) / 1000;
    this.tokens = Math.min(this.plan.burst, this.tokens + elapsed * this.plan.rate * speed);
    this.last = now;
    if (this.tokens >= 1) {
      this.tokens -= 1;
      return true;
    }
    return false;
  }
}

/** All buckets of a running sandbox, created full on first use. */
export class RateLimiter {
  private readonly buckets = new Map<string, TokenBucket>();

  constructor(
    public mode: RateLimitMode,
    private readonly now: () => number,
  ) {}

  /** True when the call may proceed. */
  take(key: string, plan: UsagePlan): boolean {
    let bucket = this.buckets.get(key);
    if (!bucket) {
      bucket = new TokenBucket(plan, this.now());
      this.buckets.set(key, bucket);
    }
    return bucket.take(this.now(), speedOf(this.mode));
  }

  reset(): void {
    this.buckets.clear();
  }
}
