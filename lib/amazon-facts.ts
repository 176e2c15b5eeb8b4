/**
 * Amazon's facts, defined once: the connector and the sandbox both import this module (the sandbox imports nothing
 * else of the connector). Usage plans come from each operation's "Usage Plan" table in Amazon's models
 * (test/sandbox/rate-limits.test.ts reads them back from the vendored models to keep these equal).
 */

/** SP-API regions: each has its own hosts, and an account sells only in its region's marketplaces. */
export const REGIONS = ['na', 'eu', 'fe'] as const;
export type Region = (typeof REGIONS)[number];

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
  listTransactions: { rate: 0.5, burst: 10 },
  getDestinations: { rate: 1, burst: 5 },
  createDestination: { rate: 1, burst: 5 },
  getDestination: { rate: 1, burst: 5 },
  deleteDestination: { rate: 1, burst: 5 },
  getSubscription: { rate: 1, burst: 5 },
  createSubscription: { rate: 1, burst: 5 },
  getSubscriptionById: { rate: 1, burst: 5 },
  deleteSubscriptionById: { rate: 1, burst: 5 },
};

/** Amazon's extra limit on JSON_LISTINGS_FEED submissions: 5 feeds per 5 minutes (per seller and region). */
export const LISTINGS_FEED_PLAN: UsagePlan = { rate: 5 / 300, burst: 5 };

/** A JSON_LISTINGS_FEED document holds at most this many messages. */
export const MAX_FEED_MESSAGES = 25_000;

/** Orders 2026-01-01 FulfillmentStatus. */
export const FULFILLMENT_STATUSES = [
  'PENDING_AVAILABILITY',
  'PENDING',
  'UNSHIPPED',
  'PARTIALLY_SHIPPED',
  'SHIPPED',
  'CANCELLED',
  'UNFULFILLABLE',
] as const;
export type FulfillmentStatus = (typeof FULFILLMENT_STATUSES)[number];

/** Orders 2026-01-01 `includedData`: every dataset searchOrders and getOrder accept. */
export const INCLUDED_DATA = [
  'BUYER',
  'RECIPIENT',
  'PROCEEDS',
  'EXPENSE',
  'PROMOTION',
  'CANCELLATION',
  'FULFILLMENT',
  'PACKAGES',
  'TAX',
  'PAYMENT',
  'FULFILLMENT_ORDERS',
] as const;
export type IncludedData = (typeof INCLUDED_DATA)[number];

/** The datasets the connector asks for: what the book holds of an order (not tax registrations, payments, MCF). */
export const ORDER_INCLUDED_DATA: readonly IncludedData[] = INCLUDED_DATA.filter(
  (d) => d !== 'TAX' && d !== 'PAYMENT' && d !== 'FULFILLMENT_ORDERS',
);

/**
 * Login with Amazon client secrets. A secret lives 180 days (Amazon's rule since 2023: rotate every 180 days, or every
 * call of the app fails); Amazon e-mails 90 days before the deadline; a rotation (Solution Provider Portal, or
 * rotateApplicationClientSecret) keeps the old secret valid 7 more days (APPLICATION_OAUTH_CLIENT_NEW_SECRET's
 * `oldClientSecretExpiryTime`), then LWA refuses it with `invalid_client`.
 */
export const LWA_SECRET_LIFETIME_DAYS = 180;
export const LWA_SECRET_NOTICE_DAYS = 90;
export const LWA_OLD_SECRET_GRACE_DAYS = 7;
