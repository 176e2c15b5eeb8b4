import type { SandboxAdmin } from '../../sandbox/admin-client';

/**
 * Amazon ships what the sandbox's generator left open, and the first of those orders is charged `mismatch` more than
 * its proceeds (Finances then disagrees with the Orders API by that much). Returns that order's id.
 */
export async function shipAllWithOneMismatch(
  admin: SandboxAdmin,
  orderIds: string[],
  mismatch = '0.07',
): Promise<string> {
  let mismatched: string | undefined;
  for (const orderId of orderIds) {
    const order = (await admin.getOrder(orderId))!;
    if (!['UNSHIPPED', 'PARTIALLY_SHIPPED'].includes(order.fulfillment.fulfillmentStatus)) continue;
    if (!mismatched) {
      mismatched = orderId;
      await admin.setFinanceMismatch(orderId, mismatch);
    }
    await admin.setOrderStatus(orderId, 'SHIPPED');
  }
  if (!mismatched) throw new Error('no open order to ship: generate some unshipped ones');
  return mismatched;
}
