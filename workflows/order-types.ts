/** Workflow-safe types and pure rules of the order lifecycle (no Node modules: bundled into the workflow sandbox). */

import type { FulfillmentStatus } from '../lib/amazon-facts';

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

/** The payload of the shipmentDone signal, as typed in the UI, the CLI or the warehouse API. */
export interface ShipmentSignal {
  carrier: string;
  carrierName?: string;
  trackingNumber: string;
  shipDate?: string;
  shippingMethod?: string;
  items?: Array<{ sku: string; quantity: number }>;
}

/** Checks what the workflow can check by itself; quantities against open lines are checked by the activity. */
export function validateShipmentSignal(
  raw: unknown,
): { ok: true; shipment: ShipmentSignal } | { ok: false; reason: string } {
  if (typeof raw !== 'object' || raw === null || Array.isArray(raw)) {
    return {
      ok: false,
      reason: 'shipmentDone payload must be a JSON object like {"carrier":"UPS","trackingNumber":"1Z..."}',
    };
  }
  const s = raw as Record<string, unknown>;
  if (typeof s.carrier !== 'string' || !s.carrier.trim())
    return { ok: false, reason: 'carrier is required (e.g. "UPS")' };
  if (typeof s.trackingNumber !== 'string' || !s.trackingNumber.trim()) {
    return { ok: false, reason: 'trackingNumber is required for every package' };
  }
  if (s.shipDate !== undefined && (typeof s.shipDate !== 'string' || Number.isNaN(Date.parse(s.shipDate)))) {
    return { ok: false, reason: 'shipDate must be an ISO 8601 date-time, e.g. 2026-11-26T10:00:00Z' };
  }
  for (const key of ['carrierName', 'shippingMethod'] as const) {
    if (s[key] !== undefined && typeof s[key] !== 'string') return { ok: false, reason: `${key} must be a string` };
  }
  if (s.items !== undefined) {
    if (!Array.isArray(s.items) || s.items.length === 0)
      return { ok: false, reason: 'items must be a non-empty list of {sku, quantity}' };
    for (const [i, item] of s.items.entries()) {
      if (typeof item?.sku !== 'string' || !item.sku) return { ok: false, reason: `items[${i}].sku is required` };
      if (!Number.isInteger(item.quantity) || item.quantity <= 0) {
        return { ok: false, reason: `items[${i}].quantity must be a whole number above 0` };
      }
    }
  }
  return {
    ok: true,
    shipment: {
      carrier: (s.carrier as string).trim(),
      trackingNumber: (s.trackingNumber as string).trim(),
      ...(s.carrierName ? { carrierName: s.carrierName as string } : {}),
      ...(s.shipDate ? { shipDate: s.shipDate as string } : {}),
      ...(s.shippingMethod ? { shippingMethod: s.shippingMethod as string } : {}),
      ...(s.items
        ? {
            items: (s.items as Array<{ sku: string; quantity: number }>).map((i) => ({
              sku: i.sku,
              quantity: i.quantity,
            })),
          }
        : {}),
    },
  };
}
