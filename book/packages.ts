import type { Knex } from 'knex';
import { z } from 'zod';
import { normalizeCarrier } from '../lib/carriers';
import { InvalidShipment, UnknownOrder, UserError } from '../lib/errors';
import { ShipmentInput } from '../lib/shipment';
import { describeIssue } from '../lib/validation';
import { operation } from './operation';
import { findOrder, OrderView, orderView } from './orders';
import { openDeliveryLines } from './shipments';

/**
 * Packages as the warehouse sees them: a shipment checked before it is sent to the order's workflow, a rejected
 * package corrected, and what Amazon answered to a package. (book/shipments.ts records them and their confirmations.)
 */

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

export const PackageAnswer = z.object({
  packageReferenceId: z.number().int(),
  carrier: z.string().nullable(),
  trackingNumber: z.string().nullable(),
  shipDate: z.string().nullable(),
  items: z.array(z.object({ sku: z.string().nullable(), quantity: z.number().int() })),
  /** pending: not yet sent or not yet answered; confirmed: Amazon accepted it; rejected: see amazonError. */
  confirmation: z.enum(['pending', 'confirmed', 'rejected']),
  amazonError: z.string().nullable(),
  /** Why a pending package is not being sent (the credentials were refused): it goes once the order is retried. */
  blocked: z.string().nullable(),
});
export type PackageAnswer = z.infer<typeof PackageAnswer>;

/** A package of an order and Amazon's answer to it so far. */
export const packageAnswer = operation(
  {
    name: 'packageAnswer',
    input: z.object({
      accountId: z.string().min(1),
      amazonOrderId: z.string().min(1),
      packageReferenceId: z.number().int(),
    }),
    output: PackageAnswer.optional(),
  },
  async (db, input) => {
    const pkg = await db('deliveries as d')
      .join('sale_orders as o', 'o.id', 'd.order_id')
      .where({
        'o.account_id': input.accountId,
        'o.amazon_order_id': input.amazonOrderId,
        'd.package_reference_id': input.packageReferenceId,
      })
      .first('d.*');
    if (!pkg) return undefined;
    const lines = await db('delivery_lines').where({ delivery_id: pkg.id }).orderBy('id').select('sku', 'quantity');
    return {
      packageReferenceId: pkg.package_reference_id,
      carrier: pkg.carrier_name ?? pkg.carrier_code,
      trackingNumber: pkg.tracking_number,
      shipDate: pkg.ship_date ? new Date(pkg.ship_date).toISOString() : null,
      items: lines,
      confirmation: pkg.confirmation_state,
      amazonError: pkg.confirmation_state === 'rejected' ? pkg.confirmation_error : null,
      blocked: pkg.confirmation_state === 'pending' ? pkg.confirmation_error : null,
    };
  },
);
