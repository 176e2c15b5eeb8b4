import fs from 'fs';
import path from 'path';

export const US = 'ATVPDKIKX0DER';
export const minutesAgo = (n: number): string => new Date(Date.now() - n * 60_000).toISOString();
export const hoursFromNow = (n: number): string => new Date(Date.now() + n * 3_600_000).toISOString();

/** An Amazon Order fixture (test/fixtures/orders, Orders 2026-01-01 shape). */
export function fixture(name: string): any {
  return JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/orders', name), 'utf8'));
}

/**
 * A fixture re-dated to now: created 30 minutes ago, updated 5 minutes ago (a search ending 2 minutes ago finds it),
 * to ship within `shipWithinHours` (default 72), so no ship-by alarm fires unless a test wants one.
 */
export function recentOrder(
  order: any,
  orderId: string,
  options: { status?: string; shipWithinHours?: number } = {},
): any {
  const fulfillment = { ...order.fulfillment, ...(options.status ? { fulfillmentStatus: options.status } : {}) };
  if (fulfillment.shipByWindow) {
    fulfillment.shipByWindow = {
      earliestDateTime: minutesAgo(30),
      latestDateTime: hoursFromNow(options.shipWithinHours ?? 72),
    };
  }
  return { ...order, orderId, createdTime: minutesAgo(30), lastUpdatedTime: minutesAgo(5), fulfillment };
}
