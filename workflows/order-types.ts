/** Workflow-safe types and pure rules of the order lifecycle (no Node modules: bundled into the workflow sandbox). */

import type { FulfillmentStatus } from '../lib/amazon-facts';
export type { ShipmentInput } from '../lib/shipment';

/** Amazon's fulfillment statuses (Orders 2026-01-01 FulfillmentStatus). */
export type AmazonStatus = FulfillmentStatus;

/** What an order workflow is started and signalled with: enough to decide, nothing personal. */
export interface OrderHeader {
  amazonOrderId: string;
  marketplaceId: string;
  channel: 'FBA' | 'FBM';
  amazonStatus: string;
  lastUpdatedTime: string;
}

export function isPending(status: string): boolean {
  return status === 'PENDING' || status === 'PENDING_AVAILABILITY';
}

/** Of two headers of the same order, the one Amazon updated last (ties: the later-received one). */
export function newerHeader(current: OrderHeader, incoming: OrderHeader): OrderHeader {
  return Date.parse(incoming.lastUpdatedTime) >= Date.parse(current.lastUpdatedTime) ? incoming : current;
}

/** Our order states, as in the DB, `orders show` and the OrderState search attribute. */
export type OrderState =
  'pending' | 'confirmed' | 'partially_shipped' | 'shipped' | 'cancelled' | 'needs_attention' | 'ship_risk' | 'late';
