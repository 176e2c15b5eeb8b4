/**
 * Amazon's published usage plans (rate in requests per second, burst), from the models' "Usage Plan" tables.
 * The sandbox enforces the same numbers; our limiter stays just under them.
 */
export const USAGE_PLANS: Record<string, { rate: number; burst: number }> = {
  searchOrders: { rate: 0.0056, burst: 20 },
  getOrder: { rate: 0.5, burst: 30 },
  confirmShipment: { rate: 2, burst: 10 },
  createFeedDocument: { rate: 0.5, burst: 15 },
  createFeed: { rate: 0.0083, burst: 15 },
  getFeed: { rate: 2, burst: 15 },
  getFeedDocument: { rate: 0.0222, burst: 10 },
  getListingsItem: { rate: 5, burst: 10 },
  patchListingsItem: { rate: 5, burst: 5 },
  searchListingsItems: { rate: 5, burst: 5 },
  getMarketplaceParticipations: { rate: 0.016, burst: 15 },
  getInventorySummaries: { rate: 2, burst: 2 },
  // Not an operation: Amazon's own limit on JSON_LISTINGS_FEED submissions, 5 per 5 minutes (activities/spapi/feeds.ts).
  JSON_LISTINGS_FEED: { rate: 5 / 300, burst: 5 },
};
