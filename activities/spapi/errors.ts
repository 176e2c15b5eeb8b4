/**
 * Typed failures of Amazon's API. Retry policies name these types (see activities/retry-policies.ts), never strings.
 * - QuotaExceeded: 429. Retryable; nextRetryDelayMs says when the bucket has a token again.
 * - AmazonUnavailable: 5xx, timeouts, resets, unparseable bodies. Retryable with backoff.
 * - AmazonRejected: Amazon refused the request (4xx other than 429). Not retryable: the data must change first.
 * - AmazonAuthFailed: credentials refused (LWA invalid_grant/invalid_client, 403 not due to expiry). Not retryable.
 */
export class SpApiError extends Error {
  constructor(
    message: string,
    readonly operation: string,
    readonly status?: number,
    readonly code?: string,
  ) {
    super(message);
  }
}

export class QuotaExceeded extends SpApiError {
  override name = 'QuotaExceeded';
  constructor(
    operation: string,
    readonly nextRetryDelayMs: number,
    /** `limiter`: our own limiter deferred the call before Amazon saw it (its queue was longer than a call may sleep). */
    readonly source: 'amazon' | 'limiter' = 'amazon',
  ) {
    super(
      source === 'amazon'
        ? `${operation}: Amazon answered 429 QuotaExceeded; retry in ${nextRetryDelayMs} ms`
        : `${operation}: waiting for the seller's rate quota (queued behind other calls); retry in ${nextRetryDelayMs} ms`,
      operation,
      429,
      'QuotaExceeded',
    );
  }
}

export class AmazonUnavailable extends SpApiError {
  override name = 'AmazonUnavailable';
}

export class AmazonRejected extends SpApiError {
  override name = 'AmazonRejected';
  constructor(
    operation: string,
    status: number,
    code: string,
    readonly amazonMessage: string,
    readonly details?: string,
  ) {
    super(
      `${operation}: Amazon rejected the request (${status} ${code}): ${amazonMessage}${details ? ` (${details})` : ''}`,
      operation,
      status,
      code,
    );
  }
}

export class AmazonAuthFailed extends SpApiError {
  override name = 'AmazonAuthFailed';
}

/** Error type names that must not be retried by Temporal: the request would fail the same way again. */
export const NON_RETRYABLE_SPAPI_ERRORS = ['AmazonRejected', 'AmazonAuthFailed'];
