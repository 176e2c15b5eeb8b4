/** Usage plans (lib/amazon-facts.ts): one token bucket per (seller, operation), 429 QuotaExceeded when empty. */

import { type UsagePlan } from '../lib/amazon-facts';

export { LISTINGS_FEED_PLAN, USAGE_PLANS, type UsagePlan } from '../lib/amazon-facts';

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
