import type { Knex } from 'knex';
import { z } from 'zod';
import { normalizeCarrier } from '../lib/carriers';
import { InvalidShipment, UnknownOrder, UserError } from '../lib/errors';
import { describeIssue } from '../lib/validation';
import { ShipmentInput } from '../lib/shipment';
import { accountLocations, postMove } from './locations';
import { operation } from './operation';
import { fbmState } from './order-import';
import { findOrder, OrderView, orderView } from './orders';

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
      return { outcome: 'recorded', packageReferenceId, duplicate: false };
    }),
);

async function openDeliveryLines(trx: Knex, orderId: number) {
  return trx('delivery_lines')
    .join('deliveries', 'deliveries.id', 'delivery_lines.delivery_id')
    .where({ 'deliveries.order_id': orderId, 'deliveries.state': 'open' })
    .orderBy('delivery_lines.id')
    .select('delivery_lines.*');
}

/** The package's delivery and lines, the backorder reduced, the stock moved out to the customer. */
async function insertPackage(
  trx: Knex,
  order: { id: number },
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
      await trx('deliveries')
        .where({ id: input.deliveryId })
        .update({
          confirmation_state: input.accepted ? 'confirmed' : 'rejected',
          confirmation_error: input.accepted ? null : (input.amazonMessage ?? null),
          updated_at: trx.fn.now(),
        });
      if (!input.accepted)
        await trx('sale_orders')
          .where({ account_id: input.accountId, amazon_order_id: input.amazonOrderId })
          .update({
            state: 'needs_attention',
            attention_reason: input.reason ?? input.amazonMessage ?? 'Amazon rejected a package',
            attention_source: 'confirmation',
            updated_at: trx.fn.now(),
          });
    });
  },
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

export const PackageEdit = z.object({
  amazonOrderId: z.string().min(1),
  packageReferenceId: z.number().int().positive(),
  carrier: z.string().optional(),
  carrierName: z.string().optional(),
  trackingNumber: z.string().optional(),
  shipDate: z.string().optional(),
  shippingMethod: z.string().optional(),
});

/**
 * Corrects a package Amazon has not accepted yet (pending or rejected), e.g. after "Amazon rejected package 1".
 * The next `retry` of the order re-sends it. A confirmed package is Amazon's record now: it is not edited here.
 */
export const editPackage = operation(
  {
    name: 'editPackage',
    input: PackageEdit,
    output: z.object({
      workflowId: z.string(),
      packageReferenceId: z.number().int(),
      changed: z.array(z.string()),
    }),
  },
  async (db, edit) =>
    db.transaction(async (trx) => {
      const { amazonOrderId, packageReferenceId } = edit;
      const order = await trx('sale_orders')
        .where({ amazon_order_id: amazonOrderId })
        .first('id', 'workflow_id', 'account_id');
      if (!order) throw new UnknownOrder(amazonOrderId, `no order ${amazonOrderId} in the book`);
      const pkg = await trx('deliveries')
        .where({ order_id: order.id, package_reference_id: packageReferenceId })
        .forUpdate()
        .first();
      if (!pkg)
        throw new UserError(
          `--package ${packageReferenceId}: order ${amazonOrderId} has no such package (see \`connector orders show ${amazonOrderId}\`)`,
        );
      if (pkg.confirmation_state === 'confirmed') {
        throw new UserError(
          `package ${packageReferenceId} of ${amazonOrderId} is already confirmed to Amazon: it cannot be edited`,
        );
      }
      const changes: Record<string, unknown> = {};
      if (edit.carrier) {
        const carrier = normalizeCarrier(edit.carrier, edit.carrierName);
        changes.carrier_code = carrier.carrierCode;
        changes.carrier_name = carrier.carrierName ?? null;
      }
      if (edit.trackingNumber !== undefined) {
        if (!edit.trackingNumber.trim()) throw new UserError('--tracking must not be empty');
        changes.tracking_number = edit.trackingNumber.trim();
      }
      if (edit.shipDate !== undefined) {
        if (!ShipmentInput.shape.shipDate.safeParse(edit.shipDate).success)
          throw new UserError('--ship-date must be an ISO 8601 date-time, e.g. 2026-11-26T10:00:00Z');
        changes.ship_date = edit.shipDate;
      }
      if (edit.shippingMethod !== undefined) changes.shipping_method = edit.shippingMethod;
      if (Object.keys(changes).length === 0)
        throw new UserError('nothing to change: give --carrier, --tracking, --ship-date or --method');
      await trx('deliveries')
        .where({ id: pkg.id })
        .update({ ...changes, updated_at: trx.fn.now() });
      return { workflowId: order.workflow_id as string, packageReferenceId, changed: Object.keys(changes) };
    }),
);

/** The package reference id the order workflow gave the package with this tracking number, once it has recorded it. */
export const recordedPackageId = operation(
  {
    name: 'recordedPackageId',
    input: z.object({ orderId: z.number().int(), trackingNumber: z.string() }),
    output: z.number().int().nullable(),
  },
  async (db, { orderId, trackingNumber }) => {
    const row = await db('deliveries')
      .where({ order_id: orderId, tracking_number: trackingNumber })
      .whereNotNull('package_reference_id')
      .first('package_reference_id');
    return row ? Number(row.package_reference_id) : null;
  },
);

export interface CheckedShipment {
  order: OrderView;
  shipment: ShipmentInput;
  /** What is still open to ship on the order, by delivery line. */
  open: Array<{ sku: string; quantity: number }>;
}

/**
 * What `connector ship` and the API check before they send a shipment to the order's workflow: the order exists, is
 * FBM and not cancelled, the payload is well formed, and it asks for no more than is open. The workflow checks the
 * payload again (a signal typed into the UI skips this), so this is about answering the sender at once with the reason.
 */
export async function checkShipmentRequest(
  db: Knex,
  input: {
    amazonOrderId: string;
    accountId?: string;
    payload: unknown;
    allowNothingOpen?: boolean;
    /** Names fields as the CLI's flags (--tracking, --items) instead of the JSON's. */
    wording?: 'cli' | 'json';
  },
): Promise<CheckedShipment> {
  const { amazonOrderId } = input;
  const cli = input.wording === 'cli';
  const found = await findOrder(db, { amazonOrderId, accountId: input.accountId });
  const order = found && (await orderView(db, { amazonOrderId, accountId: found.accountId }));
  if (!order) {
    throw new InvalidShipment(
      'unknown_order',
      `no order ${amazonOrderId} in the book: check the id, or run \`connector sync orders --account <A>\``,
    );
  }
  if (order.channel !== 'FBM') {
    throw new InvalidShipment(
      'not_fbm',
      `${amazonOrderId} is fulfilled by Amazon (FBA): there is nothing for us to ship`,
    );
  }
  if (order.state === 'cancelled')
    throw new InvalidShipment('cancelled', `${amazonOrderId} was cancelled on Amazon: do not ship it`);
  const parsed = ShipmentInput.safeParse(input.payload);
  if (!parsed.success) {
    const { field, message } = describeIssue(parsed.error.issues[0]);
    throw new InvalidShipment('invalid', cli ? message.replace('trackingNumber', '--tracking') : message, field);
  }
  const open = (await openDeliveryLines(db, order.id)).map((l) => ({ sku: l.sku as string, quantity: l.quantity }));
  if (open.length === 0 && !input.allowNothingOpen)
    throw new InvalidShipment('nothing_open', `${amazonOrderId} has nothing left to ship`);
  for (const item of parsed.data.items ?? []) {
    if (!order.lines.some((l) => l.kind === 'product' && l.sku === item.sku))
      throw new InvalidShipment(
        'over_quantity',
        `${cli ? '--items' : 'items'} ${item.sku}: this SKU is not on order ${amazonOrderId} (its SKUs: ${[...new Set(order.lines.flatMap((l) => (l.kind === 'product' && l.sku ? [l.sku] : [])))].join(', ')})`,
        'items',
      );
    const available = open.filter((l) => l.sku === item.sku).reduce((s, l) => s + l.quantity, 0);
    if (item.quantity > available) {
      throw new InvalidShipment(
        'over_quantity',
        `${cli ? '--items' : 'items'} ${item.sku}:${item.quantity}: only ${available} open on ${amazonOrderId}`,
        'items',
      );
    }
  }
  const shipment = Object.fromEntries(
    Object.entries(parsed.data).filter(([, v]) => v !== undefined && v !== ''),
  ) as ShipmentInput;
  return { order, shipment, open };
}
