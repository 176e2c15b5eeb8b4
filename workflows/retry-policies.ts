import type { ActivityOptions } from '@temporalio/workflow';

/**
 * Retry policies, readable without scrolling. Transient failures (network, 5xx, 429, a busy database) are retried
 * forever with backoff: an order is never dropped, it waits visibly in the UI. Errors that would fail the same way
 * again are named here and not retried.
 */
export const NON_RETRYABLE = ['AmazonRejected', 'AmazonAuthFailed', 'InvalidInput', 'UnknownAccount'];
// AccountDisabled is retried on purpose: the work resumes by itself once the account is enabled again.

/** Short writes to our own PostgreSQL. */
export const ORDER_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
};

/** Calls to Amazon, which wait for the shared rate limiter first (QuotaExceeded retries after the bucket refills). */
export const SPAPI_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
};

/** Activities that page through Amazon and heartbeat per page. */
export const PAGING_ACTIVITY_OPTIONS: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
};

/**
 * The order path's activities heartbeat while they wait (activities/heartbeat.ts): a worker killed in the middle of one
 * is noticed after the heartbeat timeout, not after the whole start-to-close timeout (the fault suite's R1).
 */
export const ORDER_SPAPI_ACTIVITY_OPTIONS: ActivityOptions = {
  ...SPAPI_ACTIVITY_OPTIONS,
  heartbeatTimeout: '15 seconds',
};
export const ORDER_PAGING_ACTIVITY_OPTIONS: ActivityOptions = {
  ...PAGING_ACTIVITY_OPTIONS,
  heartbeatTimeout: '20 seconds',
};
