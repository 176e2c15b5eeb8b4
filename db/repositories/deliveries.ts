import type { Db } from '..';
import { normalizeCarrier } from '../../activities/spapi/carriers';
import { UserError } from '../../lib/errors';

export interface PackageEdit {
  carrier?: string;
  carrierName?: string;
  trackingNumber?: string;
  shipDate?: string;
  shippingMethod?: string;
}

/**
 * Corrects a package Amazon has not accepted yet (pending or rejected), e.g. after "Amazon rejected package 1".
 * The next `retry` of the order re-sends it. A confirmed package is Amazon's record now: it is not edited here.
 */
export async function editPackage(db: Db, amazonOrderId: string, packageReferenceId: number, edit: PackageEdit) {
  return db.transaction(async (trx) => {
    const order = await trx('sale_orders')
      .where({ amazon_order_id: amazonOrderId })
      .first('id', 'workflow_id', 'account_id');
    if (!order) throw new UserError(`no order ${amazonOrderId} in the book`);
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
      if (Number.isNaN(Date.parse(edit.shipDate)))
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
  });
}

/** The package reference id the order workflow gave the package with this tracking number, once it has recorded it. */
export async function recordedPackageId(db: Db, orderId: number, trackingNumber: string): Promise<number | null> {
  const row = await db('deliveries')
    .where({ order_id: orderId, tracking_number: trackingNumber })
    .whereNotNull('package_reference_id')
    .first('package_reference_id');
  return row ? Number(row.package_reference_id) : null;
}
