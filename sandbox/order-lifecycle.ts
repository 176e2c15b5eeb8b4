import { LOCALES } from './locales';
import { HttpError, invalidInput, iso } from './http';
import { fulfilledByOf, marketplaceOf, statusOf } from './order-view';
import { Random } from './random';
import type { OrderJson } from './state';

/** How orders change after they are placed: shipment confirmations (Orders v0) and status changes (admin API). */

const isObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:?\d{2})$/;

export interface PackageItem {
  orderItemId: string;
  quantity: number;
  transparencyCodes?: string[];
}

function items(order: OrderJson): Record<string, any>[] {
  return Array.isArray(order.orderItems) ? order.orderItems.filter(isObject) : [];
}

function packages(order: OrderJson): Record<string, any>[] {
  if (!Array.isArray(order.packages)) order.packages = [];
  return order.packages;
}

/** Units of each order item in packages, leaving out one package (the one being replaced). */
function shippedUnits(order: OrderJson, exceptPackage?: string): Map<string, number> {
  const shipped = new Map<string, number>();
  for (const p of Array.isArray(order.packages) ? order.packages : []) {
    if (!isObject(p) || p.packageReferenceId === exceptPackage || !Array.isArray(p.packageItems)) continue;
    for (const pi of p.packageItems)
      shipped.set(pi.orderItemId, (shipped.get(pi.orderItemId) ?? 0) + (Number(pi.quantity) || 0));
  }
  return shipped;
}

/** Sets each item's fulfilled/unfulfilled units from the packages, and the order's status from the items. */
function settleFromPackages(order: OrderJson): void {
  const shipped = shippedUnits(order);
  let all = true;
  let any = false;
  for (const item of items(order)) {
    const done = shipped.get(item.orderItemId) ?? 0;
    const ordered = Number(item.quantityOrdered) || 0;
    item.fulfillment = {
      ...(isObject(item.fulfillment) ? item.fulfillment : {}),
      quantityFulfilled: done,
      quantityUnfulfilled: Math.max(0, ordered - done),
    };
    if (done < ordered) all = false;
    if (done > 0) any = true;
  }
  if (any) order.fulfillment = { ...order.fulfillment, fulfillmentStatus: all ? 'SHIPPED' : 'PARTIALLY_SHIPPED' };
}

/**
 * Orders v0 confirmShipment, validated as the model says: numeric packageReferenceId (a repeat replaces that package),
 * carrierCode (+ carrierName for "Other"), trackingNumber, ISO 8601 shipDate, orderItems of this order within their
 * unshipped units. On success the order shows the package and PARTIALLY_SHIPPED or SHIPPED.
 */
export function confirmShipment(order: OrderJson, body: unknown, now: number): void {
  if (!isObject(body)) throw invalidInput('The request body must be a ConfirmShipmentRequest object.');
  const { marketplaceId, packageDetail: p, codCollectionMethod } = body;
  if (typeof marketplaceId !== 'string' || !marketplaceId) throw invalidInput('marketplaceId is required.');
  if (!isObject(p)) throw invalidInput('packageDetail is required.');
  if (codCollectionMethod !== undefined && codCollectionMethod !== 'DirectPayment') {
    throw invalidInput('codCollectionMethod must be DirectPayment (JP marketplace only).');
  }
  if (marketplaceId !== marketplaceOf(order)) {
    throw invalidInput(`Order ${order.orderId} was not placed in marketplace ${marketplaceId}.`);
  }
  const ref = p.packageReferenceId;
  if (typeof ref !== 'string' || !/^[1-9]\d{0,17}$/.test(ref)) {
    throw invalidInput('packageReferenceId must be a positive number, as a string (like "1").');
  }
  const text = (name: string) => {
    const v = p[name];
    if (typeof v !== 'string' || v.trim() === '') throw invalidInput(`${name} is required.`);
    return v;
  };
  const carrierCode = text('carrierCode');
  const carrierName = carrierCode === 'Other' ? text('carrierName') : undefined;
  const trackingNumber = text('trackingNumber');
  const shipDate = text('shipDate');
  if (!DATE_TIME.test(shipDate) || Number.isNaN(Date.parse(shipDate))) {
    throw invalidInput(`shipDate ${shipDate} is not an ISO 8601 date-time (like 2026-11-26T10:00:00Z).`);
  }
  if (Date.parse(shipDate) < Date.parse(order.createdTime)) {
    throw invalidInput(`shipDate ${shipDate} is before the order was placed (${order.createdTime}).`);
  }
  for (const optional of ['carrierName', 'shippingMethod', 'shipFromSupplySourceId']) {
    if (p[optional] !== undefined && typeof p[optional] !== 'string')
      throw invalidInput(`${optional} must be a string.`);
  }
  if (!Array.isArray(p.orderItems) || p.orderItems.length === 0)
    throw invalidInput('orderItems must list at least one order item.');

  if (fulfilledByOf(order) === 'AMAZON')
    throw invalidInput(`Order ${order.orderId} is fulfilled by Amazon: it cannot be confirmed by the seller.`);
  const status = statusOf(order);
  if (status === 'CANCELLED') throw invalidInput(`Order ${order.orderId} is cancelled.`);
  if (status === 'PENDING' || status === 'PENDING_AVAILABILITY')
    throw invalidInput(`Order ${order.orderId} is pending: it cannot be shipped yet.`);

  const byId = new Map(items(order).map((i) => [i.orderItemId, i]));
  const already = shippedUnits(order, ref);
  const seen = new Set<string>();
  const packageItems: PackageItem[] = p.orderItems.map((raw: unknown, n: number) => {
    if (!isObject(raw) || typeof raw.orderItemId !== 'string')
      throw invalidInput(`orderItems[${n}].orderItemId is required.`);
    const { orderItemId, quantity, transparencyCodes } = raw;
    if (!Number.isInteger(quantity) || quantity < 1)
      throw invalidInput(`orderItems[${n}].quantity must be a positive integer.`);
    const item = byId.get(orderItemId);
    if (!item) throw invalidInput(`orderItemId ${orderItemId} is not an item of order ${order.orderId}.`);
    if (seen.has(orderItemId)) throw invalidInput(`orderItemId ${orderItemId} is listed twice.`);
    seen.add(orderItemId);
    const unshipped = (Number(item.quantityOrdered) || 0) - (already.get(orderItemId) ?? 0);
    if (quantity > unshipped) {
      throw invalidInput(
        `quantity ${quantity} of orderItemId ${orderItemId} is more than its ${unshipped} unshipped unit(s).`,
      );
    }
    if (
      transparencyCodes !== undefined &&
      !(Array.isArray(transparencyCodes) && transparencyCodes.every((c) => typeof c === 'string'))
    ) {
      throw invalidInput(`orderItems[${n}].transparencyCodes must be a list of strings.`);
    }
    return { orderItemId, quantity, ...(transparencyCodes ? { transparencyCodes } : {}) };
  });

  const list = packages(order);
  const existing = list.findIndex((x) => isObject(x) && x.packageReferenceId === ref);
  const pkg = {
    packageReferenceId: ref,
    createdTime: existing >= 0 ? list[existing].createdTime : iso(now),
    packageStatus: { status: 'SHIPPED' },
    carrier: carrierName ?? carrierCode,
    shipTime: new Date(Date.parse(shipDate)).toISOString(),
    ...(p.shippingMethod ? { shippingService: p.shippingMethod } : {}),
    trackingNumber,
    packageItems,
  };
  if (existing >= 0) list[existing] = pkg;
  else list.push(pkg);
  settleFromPackages(order);
  order.lastUpdatedTime = iso(now);
}

/** Allowed admin transitions; setting the same status again only moves lastUpdatedTime. */
const TRANSITIONS: Record<string, string[]> = {
  PENDING_AVAILABILITY: ['PENDING', 'CANCELLED'],
  PENDING: ['UNSHIPPED', 'SHIPPED', 'CANCELLED'],
  UNSHIPPED: ['PARTIALLY_SHIPPED', 'SHIPPED', 'CANCELLED', 'UNFULFILLABLE'],
  PARTIALLY_SHIPPED: ['SHIPPED', 'CANCELLED'],
  SHIPPED: [],
  CANCELLED: [],
  UNFULFILLABLE: [],
};

export const FULFILLMENT_STATUSES = Object.keys(TRANSITIONS);

export interface StatusChange {
  status: string;
  /** ISO time for lastUpdatedTime (default now): backdating spares tests the 2-minute lag of searchOrders. */
  at?: string;
  cancelledBy?: 'BUYER' | 'MERCHANT' | 'AMAZON';
  cancelReason?: string;
  carrier?: string;
  trackingNumber?: string;
}

/**
 * Moves an order as Amazon (or the seller in Seller Central) would: confirming a pending order, shipping (FBA: all
 * units fulfilled; FBM: a package for what was unshipped), cancelling. Returns the units shipped now, per SKU.
 */
export function changeStatus(order: OrderJson, change: StatusChange, now: number): Map<string, number> {
  const from = statusOf(order);
  const to = change.status;
  if (!FULFILLMENT_STATUSES.includes(to))
    throw new HttpError(400, [
      { code: 'InvalidInput', message: `status must be one of ${FULFILLMENT_STATUSES.join(', ')}` },
    ]);
  const at = change.at === undefined ? now : Date.parse(change.at);
  if (Number.isNaN(at))
    throw new HttpError(400, [{ code: 'InvalidInput', message: `at ${change.at} is not an ISO 8601 date-time` }]);
  if (from !== to && !(from && TRANSITIONS[from]?.includes(to))) {
    throw new HttpError(409, [
      { code: 'InvalidStatusChange', message: `order ${order.orderId} cannot go from ${from} to ${to}` },
    ]);
  }
  const shippedNow = new Map<string, number>();
  const fba = fulfilledByOf(order) === 'AMAZON';
  if (from !== to && (to === 'SHIPPED' || to === 'PARTIALLY_SHIPPED')) {
    const already = shippedUnits(order);
    const open = items(order)
      .map((i) => ({
        item: i,
        left:
          (Number(i.quantityOrdered) || 0) -
          (fba ? Number(i.fulfillment?.quantityFulfilled) || 0 : (already.get(i.orderItemId) ?? 0)),
      }))
      .filter((x) => x.left > 0);
    if (to === 'PARTIALLY_SHIPPED') {
      const units = open.reduce((n, x) => n + x.left, 0);
      if (units < 2)
        throw new HttpError(409, [
          { code: 'InvalidStatusChange', message: `order ${order.orderId} has fewer than 2 unshipped units` },
        ]);
      if (open.length > 1) open.splice(1);
      else open[0].left -= 1;
    }
    for (const { item, left } of open)
      shippedNow.set(item.product?.sellerSku ?? '', (shippedNow.get(item.product?.sellerSku ?? '') ?? 0) + left);
    if (fba) {
      for (const { item, left } of open) {
        const done = (Number(item.fulfillment?.quantityFulfilled) || 0) + left;
        item.fulfillment = {
          ...(isObject(item.fulfillment) ? item.fulfillment : {}),
          quantityFulfilled: done,
          quantityUnfulfilled: (Number(item.quantityOrdered) || 0) - done,
        };
      }
    } else if (open.length > 0) {
      packages(order).push(sellerCentralPackage(order, open, change, at));
      settleFromPackages(order);
    }
  }
  if (from !== to && to === 'CANCELLED') {
    for (const item of items(order)) {
      item.cancellation = {
        cancellationExecution: {
          cancelledBy: change.cancelledBy ?? 'BUYER',
          cancelReason: change.cancelReason ?? 'BUYER_CANCELED',
        },
      };
      if (isObject(item.fulfillment)) item.fulfillment.quantityUnfulfilled = 0;
    }
  }
  order.fulfillment = { ...(isObject(order.fulfillment) ? order.fulfillment : {}), fulfillmentStatus: to };
  order.lastUpdatedTime = iso(at);
  return shippedNow;
}

/** The package Seller Central records when the seller ships there: next numeric reference, a carrier of the country. */
function sellerCentralPackage(
  order: OrderJson,
  open: Array<{ item: Record<string, any>; left: number }>,
  change: StatusChange,
  at: number,
) {
  const list = packages(order);
  const next = 1 + Math.max(0, ...list.map((p) => Number(p?.packageReferenceId) || 0));
  const r = new Random([...String(order.orderId)].reduce((h, c) => (h * 31 + c.charCodeAt(0)) >>> 0, next));
  const carrier = r.pick(LOCALES.get(marketplaceOf(order) ?? '')?.carriers ?? LOCALES.get('ATVPDKIKX0DER')!.carriers);
  return {
    packageReferenceId: String(next),
    createdTime: iso(at),
    packageStatus: { status: 'SHIPPED' },
    carrier: change.carrier ?? carrier.code,
    shipTime: iso(at),
    shippingService: carrier.service,
    trackingNumber: change.trackingNumber ?? carrier.tracking(r),
    packageItems: open.map(({ item, left }) => ({ orderItemId: item.orderItemId, quantity: left })),
  };
}
