import type { Knex } from 'knex';
import { z } from 'zod';
import { normalizeCarrier } from '../lib/carriers';
import { UnknownOrder } from '../lib/errors';
import { ShipmentInput } from '../lib/shipment';
import { emit, orderLink } from './events';
import { accountLocations, postMove } from './locations';
import { operation } from './operation';
import { fbmState } from './order-import';
import { markAttention } from './orders';

/** Packages of FBM orders: what shipped (recorded from the warehouse), and what Amazon answered to each. */

const OrderRef = z.object({ accountId: z.string().min(1), amazonOrderId: z.string().min(1) });

type Allocation = Array<{
  deliveryLineId: number;
  orderLineId: number;
  productId: number;
  sku: string;
  orderItemId: string;
  quantity: number;
}>;

/** Which open delivery lines a shipment takes: everything open, or the listed SKUs (first lines first). */
function allocate(open: any[], items: ShipmentInput['items']): Allocation | string {
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
  a: Array<{ sku: string | null; quantity: number }>,
  b: Array<{ sku: string | null; quantity: number }>,
) => {
  const totals = (x: typeof a) => {
    const sums = new Map<string | null, number>();
    for (const i of x) sums.set(i.sku, (sums.get(i.sku) ?? 0) + i.quantity);
    return [...sums]
      .map(([sku, q]) => `${sku}:${q}`)
      .sort()
      .join(',');
  };
  return totals(a) === totals(b);
};

const Recorded = z.discriminatedUnion('outcome', [
  z.object({ outcome: z.literal('rejected'), reason: z.string() }),
  z.object({ outcome: z.literal('recorded'), packageReferenceId: z.number().int(), duplicate: z.boolean() }),
]);

/**
 * Records one shipped package: a done delivery `pkg:<n>` with what shipped, the rest stays open (backorder).
 * A repeated shipment (same tracking, same items) returns the package already recorded.
 */
export const recordShipment = operation(
  { name: 'recordShipment', input: OrderRef.extend({ shipment: ShipmentInput }), output: Recorded },
  async (db, { accountId, amazonOrderId, shipment }) =>
    db.transaction(async (trx): Promise<z.input<typeof Recorded>> => {
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
      const open = await openDeliveryLines(trx, order.id);
      const allocation = open.length ? allocate(open, shipment.items) : 'nothing is left to ship on this order';

      // The same shipment twice (same tracking; same SKUs and quantities, or "everything" again) records nothing new.
      for (const pkg of packages.filter((p) => p.tracking_number === shipment.trackingNumber)) {
        const shipped = await trx('delivery_lines').where({ delivery_id: pkg.id }).select('sku', 'quantity');
        if (!shipment.items || sameSkuQuantities(shipped, shipment.items)) {
          return { outcome: 'recorded', packageReferenceId: pkg.package_reference_id, duplicate: true };
        }
      }
      if (typeof allocation === 'string') return { outcome: 'rejected', reason: allocation };

      const packageReferenceId = Math.max(0, ...packages.map((p) => p.package_reference_id)) + 1;
      await insertPackage(trx, order, packageReferenceId, shipment, allocation, accountId, amazonOrderId);
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
      if (!stillFlagged && state !== order.state)
        await emit(trx, [
          {
            type: 'order.updated',
            account: accountId,
            marketplace: order.marketplace_id,
            amazonOrderId,
            data: {
              state,
              previousState: order.state,
              amazonStatus: order.amazon_status,
              link: orderLink(accountId, amazonOrderId),
            },
          },
        ]);
      return { outcome: 'recorded', packageReferenceId, duplicate: false };
    }),
);

export async function openDeliveryLines(trx: Knex, orderId: number) {
  return trx('delivery_lines')
    .join('deliveries', 'deliveries.id', 'delivery_lines.delivery_id')
    .where({ 'deliveries.order_id': orderId, 'deliveries.state': 'open' })
    .orderBy('delivery_lines.id')
    .select('delivery_lines.*');
}

/** The package's delivery and lines, the backorder reduced, the stock moved out to the customer. */
async function insertPackage(
  trx: Knex,
  order: { id: number; latest_ship_date: Date | null },
  packageReferenceId: number,
  shipment: ShipmentInput,
  allocation: Allocation,
  accountId: string,
  amazonOrderId: string,
): Promise<void> {
  const carrier = normalizeCarrier(shipment.carrier, shipment.carrierName);
  const [pkg] = await trx('deliveries')
    .insert({
      order_id: order.id,
      ref: `pkg:${packageReferenceId}`,
      state: 'done',
      latest_ship_date: order.latest_ship_date,
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
  // Backorders left without lines go.
  await trx('deliveries')
    .where({ order_id: order.id, state: 'open' })
    .whereNotExists(trx('delivery_lines').whereRaw('delivery_lines.delivery_id = deliveries.id'))
    .delete();
}

const PackageStatus = z.object({
  packageReferenceId: z.number().int(),
  trackingNumber: z.string(),
  status: z.enum(['confirmed', 'rejected', 'pending']),
});
export type PackageStatus = z.infer<typeof PackageStatus>;

const PackageToConfirm = z.object({
  deliveryId: z.number().int(),
  packageReferenceId: z.number().int(),
  trackingNumber: z.string(),
  /** confirmShipment's body (Orders v0 ConfirmShipmentRequest). */
  request: z.object({
    marketplaceId: z.string(),
    packageDetail: z.object({
      packageReferenceId: z.string(),
      carrierCode: z.string(),
      carrierName: z.string().optional(),
      shippingMethod: z.string().optional(),
      trackingNumber: z.string(),
      shipDate: z.string(),
      orderItems: z.array(z.object({ orderItemId: z.string(), quantity: z.number().int() })),
    }),
  }),
});

/** Every recorded package Amazon has not accepted yet (pending, or rejected and maybe corrected since), in order. */
export const packagesToConfirm = operation(
  { name: 'packagesToConfirm', input: OrderRef, output: z.array(PackageToConfirm) },
  async (db, { accountId, amazonOrderId }) => {
    const order = await db('sale_orders')
      .where({ account_id: accountId, amazon_order_id: amazonOrderId })
      .first('id', 'marketplace_id');
    if (!order) throw new UnknownOrder(amazonOrderId);
    const pending = await db('deliveries')
      .where({ order_id: order.id })
      .whereIn('confirmation_state', ['pending', 'rejected'])
      .orderBy('package_reference_id');
    const lines = await db('delivery_lines')
      .whereIn(
        'delivery_id',
        pending.map((p) => p.id),
      )
      .orderBy('id');
    return pending.map((pkg) => ({
      deliveryId: pkg.id,
      packageReferenceId: pkg.package_reference_id,
      trackingNumber: pkg.tracking_number,
      request: {
        marketplaceId: order.marketplace_id,
        packageDetail: {
          packageReferenceId: String(pkg.package_reference_id),
          carrierCode: pkg.carrier_code,
          ...(pkg.carrier_name ? { carrierName: pkg.carrier_name } : {}),
          ...(pkg.shipping_method ? { shippingMethod: pkg.shipping_method } : {}),
          trackingNumber: pkg.tracking_number,
          shipDate: new Date(pkg.ship_date).toISOString(),
          orderItems: lines
            .filter((l) => l.delivery_id === pkg.id)
            .map((l) => ({ orderItemId: l.amazon_order_item_id, quantity: l.quantity })),
        },
      },
    }));
  },
);

/** Amazon's answer to one package: accepted, or rejected with its message (which flags the order). */
export const recordConfirmation = operation(
  {
    name: 'recordConfirmation',
    input: OrderRef.extend({
      deliveryId: z.number().int(),
      accepted: z.boolean(),
      /** Amazon's message, and the reason the order is flagged with, when rejected. */
      amazonMessage: z.string().optional(),
      reason: z.string().optional(),
    }),
    output: z.void(),
  },
  async (db, input) => {
    await db.transaction(async (trx) => {
      const confirmation = input.accepted ? 'confirmed' : 'rejected';
      const error = input.accepted ? null : (input.amazonMessage ?? null);
      const [pkg] = await trx('deliveries')
        .where({ id: input.deliveryId })
        .whereRaw('(confirmation_state, confirmation_error) IS DISTINCT FROM (?, ?)', [confirmation, error])
        .update({ confirmation_state: confirmation, confirmation_error: error, updated_at: trx.fn.now() })
        .returning(['package_reference_id', 'carrier_code', 'carrier_name', 'tracking_number']);
      if (!input.accepted)
        await trx('sale_orders')
          .where({ account_id: input.accountId, amazon_order_id: input.amazonOrderId })
          .update({
            state: 'needs_attention',
            attention_reason: input.reason ?? input.amazonMessage ?? 'Amazon rejected a package',
            attention_source: 'confirmation',
            updated_at: trx.fn.now(),
          });
      if (!pkg) return; // recorded before (a retried activity): no news
      const order = await trx('sale_orders')
        .where({ account_id: input.accountId, amazon_order_id: input.amazonOrderId })
        .first('marketplace_id');
      const base = {
        account: input.accountId,
        marketplace: order?.marketplace_id ?? null,
        amazonOrderId: input.amazonOrderId,
      };
      const data = {
        packageReferenceId: pkg.package_reference_id,
        carrier: pkg.carrier_name ?? pkg.carrier_code,
        trackingNumber: pkg.tracking_number,
        link: orderLink(input.accountId, input.amazonOrderId),
      };
      await emit(trx, [
        input.accepted
          ? { ...base, type: 'shipment.confirmed', data }
          : { ...base, type: 'shipment.rejected', data: { ...data, error: error ?? 'Amazon rejected the package' } },
      ]);
    });
  },
);

/**
 * A confirmation not sent because the credentials were refused (not the package): the package stays pending with the
 * reason (its answer's `blocked`), and the order is flagged until it is retried. A later acceptance clears the reason.
 */
export const holdConfirmation = operation(
  {
    name: 'holdConfirmation',
    input: OrderRef.extend({ deliveryId: z.number().int(), reason: z.string().min(1) }),
    output: z.void(),
  },
  async (db, input) =>
    db.transaction(async (trx) => {
      await trx('deliveries')
        .where({ id: input.deliveryId, confirmation_state: 'pending' })
        .update({ confirmation_error: input.reason, updated_at: trx.fn.now() });
      await markAttention(trx, { ...input, source: 'confirmation' });
    }),
);

/** After a pass of confirmations: a confirmation flag clears once nothing is rejected; every package's status. */
export const finishConfirmations = operation(
  {
    name: 'finishConfirmations',
    input: OrderRef.extend({ rejected: z.boolean() }),
    output: z.array(PackageStatus),
  },
  async (db, { accountId, amazonOrderId, rejected }) => {
    const order = await db('sale_orders')
      .where({ account_id: accountId, amazon_order_id: amazonOrderId })
      .first('id', 'attention_source');
    if (!order) throw new UnknownOrder(amazonOrderId);
    if (!rejected && order.attention_source === 'confirmation') {
      await db('sale_orders')
        .where({ id: order.id })
        .update({ state: await fbmState(db, order.id), attention_reason: null, attention_source: null });
    }
    const all = await db('deliveries')
      .where({ order_id: order.id })
      .whereNotNull('package_reference_id')
      .orderBy('package_reference_id');
    return all.map((p) => ({
      packageReferenceId: p.package_reference_id,
      trackingNumber: p.tracking_number,
      status: p.confirmation_state,
    }));
  },
);
