import type { Knex } from 'knex';
import type { Db } from '../db';
import type { ShipmentSignal } from '../workflows/order-types';
import { normalizeCarrier } from '../activities/spapi/carriers';
import { AmazonRejected } from '../activities/spapi/errors';
import { asActivityFailure, SpApi } from '../activities/spapi/gateway';
import { accountLocations, postMove } from './locations';
import { fbmState } from './order-import';

type Rejected = { outcome: 'rejected'; reason: string };
type Allocation = Array<{
  deliveryLineId: number;
  orderLineId: number;
  productId: number;
  sku: string;
  orderItemId: string;
  quantity: number;
}>;

/** Which open delivery lines a shipment takes: everything open, or the listed SKUs (first lines first). */
function allocate(open: any[], items: ShipmentSignal['items']): Allocation | string {
  const take = (line: any, quantity: number) => ({
    deliveryLineId: line.id,
    orderLineId: line.order_line_id,
    productId: line.product_id,
    sku: line.sku,
    orderItemId: line.amazon_order_item_id,
    quantity,
  });
  if (!items) return open.map((l) => take(l, l.quantity));
  const result: Allocation = [];
  for (const item of items) {
    const lines = open.filter((l) => l.sku === item.sku);
    const available = lines.reduce((sum, l) => sum + l.quantity, 0);
    if (lines.length === 0) return `SKU ${item.sku} has nothing open to ship on this order`;
    if (item.quantity > available) return `SKU ${item.sku}: ${item.quantity} requested but only ${available} open`;
    let remaining = item.quantity;
    for (const line of lines) {
      const already = result.filter((r) => r.deliveryLineId === line.id).reduce((s, r) => s + r.quantity, 0);
      const quantity = Math.min(remaining, line.quantity - already);
      if (quantity > 0) result.push(take(line, quantity));
      remaining -= quantity;
    }
  }
  return result;
}

/** Same SKUs with the same total quantities, however they are split over lines. */
export const sameSkuQuantities = (
  a: Array<{ sku: string; quantity: number }>,
  b: Array<{ sku: string; quantity: number }>,
) => {
  const totals = (x: typeof a) => {
    const sums = new Map<string, number>();
    for (const i of x) sums.set(i.sku, (sums.get(i.sku) ?? 0) + i.quantity);
    return [...sums]
      .map(([sku, q]) => `${sku}:${q}`)
      .sort()
      .join(',');
  };
  return totals(a) === totals(b);
};

/**
 * Records one shipped package: a done delivery `pkg:<n>` with what shipped, the rest stays open (backorder).
 * A repeated signal (same tracking, same items) returns the package already recorded.
 */
export async function recordPackage(
  db: Db,
  accountId: string,
  amazonOrderId: string,
  shipment: ShipmentSignal,
): Promise<Rejected | { outcome: 'recorded'; packageReferenceId: number; duplicate: boolean }> {
  return db.transaction(async (trx) => {
    const order = await trx('sale_orders')
      .where({ account_id: accountId, amazon_order_id: amazonOrderId })
      .forUpdate()
      .first();
    if (!order) return { outcome: 'rejected', reason: 'the order is not imported yet' };
    if (order.channel !== 'FBM')
      return { outcome: 'rejected', reason: 'shipmentDone is for FBM orders; Amazon ships FBA orders' };
    if (order.amazon_status === 'CANCELLED' || order.state === 'cancelled') {
      return { outcome: 'rejected', reason: 'the order was cancelled on Amazon: do not ship it' };
    }
    const packages = await trx('deliveries').where({ order_id: order.id }).whereNotNull('package_reference_id');
    const open = await trx('delivery_lines')
      .join('deliveries', 'deliveries.id', 'delivery_lines.delivery_id')
      .where({ 'deliveries.order_id': order.id, 'deliveries.state': 'open' })
      .orderBy('delivery_lines.id')
      .select('delivery_lines.*');
    const allocation = open.length ? allocate(open, shipment.items) : 'nothing is left to ship on this order';

    // The same signal twice (same tracking; same SKUs and quantities, or "everything" again) records nothing new.
    for (const pkg of packages.filter((p) => p.tracking_number === shipment.trackingNumber)) {
      const shipped = await trx('delivery_lines').where({ delivery_id: pkg.id }).select('sku', 'quantity');
      if (!shipment.items || sameSkuQuantities(shipped, shipment.items)) {
        return { outcome: 'recorded', packageReferenceId: pkg.package_reference_id, duplicate: true };
      }
    }
    if (typeof allocation === 'string') return { outcome: 'rejected', reason: allocation };

    const packageReferenceId = Math.max(0, ...packages.map((p) => p.package_reference_id)) + 1;
    const carrier = normalizeCarrier(shipment.carrier, shipment.carrierName);
    const [pkg] = await trx('deliveries')
      .insert({
        order_id: order.id,
        ref: `pkg:${packageReferenceId}`,
        state: 'done',
        package_reference_id: packageReferenceId,
        carrier_code: carrier.carrierCode,
        carrier_name: carrier.carrierName ?? null,
        tracking_number: shipment.trackingNumber,
        shipping_method: shipment.shippingMethod ?? null,
        ship_date: shipment.shipDate ?? trx.fn.now(),
        confirmation_state: 'pending',
        done_at: trx.fn.now(),
      })
      .returning('id');
    const locations = await accountLocations(trx, accountId);
    for (const a of allocation) {
      const [line] = await trx('delivery_lines')
        .insert({
          delivery_id: pkg.id,
          order_line_id: a.orderLineId,
          product_id: a.productId,
          sku: a.sku,
          amazon_order_item_id: a.orderItemId,
          quantity: a.quantity,
        })
        .returning('id');
      await trx('delivery_lines').where({ id: a.deliveryLineId }).decrement('quantity', a.quantity);
      await postMove(trx, {
        reference: `delivery-line:${line.id}`,
        productId: a.productId,
        fromId: locations.warehouseId,
        toId: locations.customersId,
        quantity: a.quantity,
        origin: amazonOrderId,
      });
    }
    await trx('delivery_lines')
      .whereIn(
        'id',
        allocation.map((a) => a.deliveryLineId),
      )
      .where('quantity', '<=', 0)
      .delete();
    await removeEmptyBackorders(trx, order.id);
    const state = await fbmState(trx, order.id);
    const stillFlagged = order.state === 'needs_attention' && order.attention_source !== 'shipment';
    await trx('sale_orders')
      .where({ id: order.id })
      .update(
        stillFlagged
          ? { updated_at: trx.fn.now() }
          : {
              state,
              attention_reason: null,
              attention_source: null,
              delivered_at: state === 'shipped' ? trx.fn.now() : null,
              updated_at: trx.fn.now(),
            },
      );
    return { outcome: 'recorded', packageReferenceId, duplicate: false };
  });
}

async function removeEmptyBackorders(trx: Knex, orderId: number): Promise<void> {
  await trx('deliveries')
    .where({ order_id: orderId, state: 'open' })
    .whereNotExists(trx('delivery_lines').whereRaw('delivery_lines.delivery_id = deliveries.id'))
    .delete();
}

export interface PackageStatus {
  packageReferenceId: number;
  trackingNumber: string;
  status: 'confirmed' | 'rejected' | 'pending';
}

/** confirmShipment (Orders v0) for each package not yet accepted. Amazon's 4xx marks the package rejected. */
export async function confirmPackages(
  db: Db,
  spapi: SpApi,
  accountId: string,
  amazonOrderId: string,
): Promise<{ packages: PackageStatus[]; rejected: string | null }> {
  const order = await db('sale_orders').where({ account_id: accountId, amazon_order_id: amazonOrderId }).first();
  const pending = await db('deliveries')
    .where({ order_id: order.id })
    .whereIn('confirmation_state', ['pending', 'rejected'])
    .orderBy('package_reference_id');
  let rejected: string | null = null;
  for (const pkg of pending) {
    const lines = await db('delivery_lines').where({ delivery_id: pkg.id });
    const body = {
      marketplaceId: order.marketplace_id,
      packageDetail: {
        packageReferenceId: String(pkg.package_reference_id),
        carrierCode: pkg.carrier_code,
        ...(pkg.carrier_name ? { carrierName: pkg.carrier_name } : {}),
        ...(pkg.shipping_method ? { shippingMethod: pkg.shipping_method } : {}),
        trackingNumber: pkg.tracking_number,
        shipDate: new Date(pkg.ship_date).toISOString(),
        orderItems: lines.map((l) => ({ orderItemId: l.amazon_order_item_id, quantity: l.quantity })),
      },
    };
    try {
      await spapi.call(accountId, {
        operation: 'confirmShipment',
        endpoint: 'orders',
        version: 'v0',
        path: { orderId: amazonOrderId },
        body,
      });
      await db('deliveries')
        .where({ id: pkg.id })
        .update({ confirmation_state: 'confirmed', confirmation_error: null, updated_at: db.fn.now() });
    } catch (err) {
      if (!(err instanceof AmazonRejected)) throw asActivityFailure(err);
      rejected = `Amazon rejected package ${pkg.package_reference_id} (tracking ${pkg.tracking_number}): ${err.amazonMessage}`;
      await db('deliveries')
        .where({ id: pkg.id })
        .update({ confirmation_state: 'rejected', confirmation_error: err.amazonMessage, updated_at: db.fn.now() });
      await db('sale_orders').where({ id: order.id }).update({
        state: 'needs_attention',
        attention_reason: rejected,
        attention_source: 'confirmation',
        updated_at: db.fn.now(),
      });
      break;
    }
  }
  if (!rejected && order.attention_source === 'confirmation') {
    await db('sale_orders')
      .where({ id: order.id })
      .update({ state: await fbmState(db, order.id), attention_reason: null, attention_source: null });
  }
  const all = await db('deliveries')
    .where({ order_id: order.id })
    .whereNotNull('package_reference_id')
    .orderBy('package_reference_id');
  return {
    packages: all.map((p) => ({
      packageReferenceId: p.package_reference_id,
      trackingNumber: p.tracking_number,
      status: p.confirmation_state,
    })),
    rejected,
  };
}
