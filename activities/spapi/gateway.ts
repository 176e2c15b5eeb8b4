import type { SellingPartner } from 'amazon-sp-api';
import { ApplicationFailure } from '@temporalio/activity';
import type { AccountCredentials } from './client';
import { callSpApi, SpApiRequest } from './call';
import { AmazonAuthFailed, AmazonRejected, QuotaExceeded, SpApiError } from '../../lib/errors';
import type { RateLimiter } from './rate-limiter';

export interface AccountClientSource {
  forAccount(accountId: string): Promise<{ sp: SellingPartner; account: AccountCredentials }>;
}

export interface SpApiCallObserver {
  (operation: string, outcome: 'ok' | 'throttled' | 'rejected' | 'unavailable'): void;
}

/** Every SP-API call of every activity goes through here: the account's client, the shared rate limiter, typed errors. */
export class SpApi {
  constructor(
    private readonly clients: AccountClientSource,
    private readonly limiter: RateLimiter,
    private readonly observe: SpApiCallObserver = () => {},
  ) {}

  async call<T = any>(accountId: string, req: SpApiRequest): Promise<T> {
    const { sp, account } = await this.clients.forAccount(accountId);
    await this.limiter.acquire(account.sellerId, req.operation);
    try {
      const result = await callSpApi<T>(sp, req);
      this.observe(req.operation, 'ok');
      return result;
    } catch (err) {
      if (err instanceof QuotaExceeded) {
        this.observe(req.operation, 'throttled');
        await this.limiter.drain(account.sellerId, req.operation);
      } else if (err instanceof AmazonRejected || err instanceof AmazonAuthFailed)
        this.observe(req.operation, 'rejected');
      else this.observe(req.operation, 'unavailable');
      throw err;
    }
  }

  async sellerId(accountId: string): Promise<string> {
    return (await this.clients.forAccount(accountId)).account.sellerId;
  }
}

/**
 * Turns an SP-API error into the Temporal failure its retry policy expects: QuotaExceeded carries the delay until
 * the bucket refills; rejections are non-retryable. Anything else is rethrown unchanged (retried with backoff).
 */
export function asActivityFailure(err: unknown): unknown {
  if (err instanceof QuotaExceeded) {
    return ApplicationFailure.create({
      type: 'QuotaExceeded',
      message: err.message,
      nextRetryDelay: err.nextRetryDelayMs,
    });
  }
  if (err instanceof AmazonRejected || err instanceof AmazonAuthFailed) {
    return ApplicationFailure.create({
      type: err.name,
      message: err.message,
      nonRetryable: true,
      details: [err.code ?? null],
    });
  }
  if (err instanceof SpApiError) return ApplicationFailure.create({ type: err.name, message: err.message });
  return err;
}
