import type { ActivityOptions } from '@temporalio/workflow';
import {
  AmazonAuthFailed,
  AmazonRejected,
  failureTypes,
  InvalidInput,
  InvalidShipment,
  UnknownAccount,
} from '../lib/errors';

/**
 * Retry policies, named by what the activity needs, readable without scrolling. Transient failures (network, 5xx,
 * 429, a busy database) are retried forever with backoff: an order is never dropped, it waits visibly in the UI.
 * The errors that would fail the same way again are named here (lib/errors.ts) and not retried. AccountDisabled is
 * retried on purpose: the work resumes by itself once the account is enabled again.
 */
const NON_RETRYABLE = failureTypes(AmazonRejected, AmazonAuthFailed, InvalidInput, InvalidShipment, UnknownAccount);

/** Short writes to our own PostgreSQL. */
export const BOOK_WRITE: ActivityOptions = {
  startToCloseTimeout: '30 seconds',
  retry: {
    initialInterval: '1 second',
    backoffCoefficient: 2,
    maximumInterval: '1 minute',
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
};

/** A call to Amazon, which waits for the shared rate limiter first (QuotaExceeded retries after the bucket refills). */
export const AMAZON_CALL: ActivityOptions = {
  startToCloseTimeout: '2 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
};

/**
 * The order path's Amazon calls heartbeat while they wait (activities/heartbeat.ts): a worker killed in the middle of
 * one is noticed after the heartbeat timeout, not after the whole start-to-close timeout (the fault suite's R1).
 */
export const AMAZON_CALL_HEARTBEATING: ActivityOptions = { ...AMAZON_CALL, heartbeatTimeout: '15 seconds' };

/** Paging through Amazon (listings, FBA inventory), heartbeating per page. */
export const AMAZON_PAGING: ActivityOptions = {
  startToCloseTimeout: '30 minutes',
  heartbeatTimeout: '2 minutes',
  retry: {
    initialInterval: '2 seconds',
    backoffCoefficient: 2,
    maximumInterval: '5 minutes',
    nonRetryableErrorTypes: NON_RETRYABLE,
  },
};

/** orderSync's pages: searched and signalled, heartbeating, noticed sooner than other paging when a worker dies. */
export const ORDER_PAGES: ActivityOptions = { ...AMAZON_PAGING, heartbeatTimeout: '20 seconds' };

/**
 * Webhook deliveries: each attempt long-polls the feed and POSTs in order; a failed POST is retried from 5 s, doubling,
 * up to an hour apart, for the workflow's retry window (scheduleToCloseTimeout, 3 days by default). 410 Gone is final.
 */
export const WEBHOOK_DELIVERY: ActivityOptions = {
  startToCloseTimeout: '10 minutes',
  heartbeatTimeout: '20 seconds', // a POST times out after 10 s: a live attempt heartbeats well within this
  retry: {
    initialInterval: '5 seconds',
    backoffCoefficient: 2,
    maximumInterval: '1 hour',
    nonRetryableErrorTypes: ['WebhookGone'],
  },
};
