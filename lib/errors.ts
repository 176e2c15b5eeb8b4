/**
 * The connector's typed failures, in one module. Each class's `name` is the failure type Temporal records when an
 * activity throws it, so retry policies name classes (workflows/retry-policies.ts `nonRetryable(...)`), never strings.
 * Pure: the workflow bundle imports it too.
 */

/** A mistake the user can fix (bad flag, unknown id): the CLI prints it as one line, without a stack trace. */
export class UserError extends Error {
  override name = 'UserError';
}

/** Input that can never succeed as given; `field` names what to fix (a flag, a JSON path, a CSV column). */
export class InvalidInput extends UserError {
  override name = 'InvalidInput';
  constructor(
    message: string,
    readonly field?: string,
    readonly details?: unknown,
  ) {
    super(message);
  }
}

export class UnknownAccount extends UserError {
  override name = 'UnknownAccount';
  constructor(readonly accountId: string) {
    super(`account "${accountId}" does not exist: see \`connector accounts list\``);
  }
}

/** A disabled account is never synced. Retried on purpose: the work resumes by itself once it is enabled again. */
export class AccountDisabled extends UserError {
  override name = 'AccountDisabled';
  constructor(readonly accountId: string) {
    super(`account "${accountId}" is disabled: enable it with \`connector accounts enable ${accountId}\``);
  }
}

export class UnknownMarketplace extends UserError {
  override name = 'UnknownMarketplace';
}

export class UnknownOrder extends UserError {
  override name = 'UnknownOrder';
  constructor(
    readonly amazonOrderId: string,
    message = `no order ${amazonOrderId} in the book: check the id, or run \`connector sync orders --account <A>\``,
  ) {
    super(message);
  }
}

/** Why a shipment was refused before anything reached Amazon; the HTTP API maps each to its status code. */
export type ShipmentRefusal = 'unknown_order' | 'not_fbm' | 'cancelled' | 'invalid' | 'nothing_open' | 'over_quantity';

export class InvalidShipment extends UserError {
  override name = 'InvalidShipment';
  constructor(
    readonly refusal: ShipmentRefusal,
    message: string,
    readonly field?: string,
  ) {
    super(message);
  }
}

/**
 * Failures of Amazon's API.
 * - QuotaExceeded: 429, or our limiter deferring the call. Retryable; nextRetryDelayMs says when a token is free.
 * - AmazonUnavailable: 5xx, timeouts, resets, unparseable bodies. Retryable with backoff.
 * - AmazonRejected: Amazon refused the request (4xx other than 429). Not retryable: the data must change first.
 * - AmazonAuthFailed: credentials refused (LWA invalid_grant/invalid_client, 403 not due to expiry). Not retryable.
 */
export class SpApiError extends Error {
  override name = 'SpApiError';
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

/** The failure types of these classes, for a retry policy's nonRetryableErrorTypes (each class's `name` is its own). */
export function failureTypes(...classes: Array<abstract new (...args: any[]) => Error>): string[] {
  return classes.map((c) => c.name);
}
