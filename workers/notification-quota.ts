import { USAGE_PLANS } from '../lib/amazon-facts';

/**
 * Whether a notified order should be imported now (its import calls getOrder: 0.5 req/s, burst 30) or left to the next
 * searchOrders pass (up to 100 whole orders per page, snapshots the import uses without getOrder). A model of the
 * account's getOrder bucket, fed by the consumer's own signals: when the order would wait for its getOrder token longer
 * than until the next search, the search carries it sooner, and the getOrder tokens stay for the orders the search
 * cannot see yet. Pure (the clock is passed in): unit-tested.
 */
export class GetOrderBacklog {
  private readonly buckets = new Map<string, { tokens: number; at: number }>();
  private readonly rate: number;
  private readonly burst: number;

  constructor(options: { speedup?: number } = {}) {
    const plan = USAGE_PLANS.getOrder;
    this.rate = plan.rate * (options.speedup && options.speedup > 0 ? options.speedup : 1);
    this.burst = plan.burst;
  }

  private level(accountId: string, now: number) {
    const b = this.buckets.get(accountId) ?? { tokens: this.burst, at: now };
    b.tokens = Math.min(this.burst, b.tokens + ((now - b.at) / 1000) * this.rate);
    b.at = now;
    this.buckets.set(accountId, b);
    return b;
  }

  /** How long one more getOrder of the account would wait for its token, in ms (0: a token is there). */
  waitMs(accountId: string, now: number): number {
    const b = this.level(accountId, now);
    return b.tokens >= 1 ? 0 : Math.ceil(((1 - b.tokens) / this.rate) * 1000);
  }

  /**
   * Signal now (and count the getOrder it costs), or leave the order to the search due in `nextSearchInMs` (undefined:
   * no search scheduled, always signal).
   */
  decide(accountId: string, now: number, nextSearchInMs: number | undefined): 'signal' | 'leave_to_search' {
    if (nextSearchInMs !== undefined && this.waitMs(accountId, now) > nextSearchInMs) return 'leave_to_search';
    this.level(accountId, now).tokens -= 1;
    return 'signal';
  }
}
