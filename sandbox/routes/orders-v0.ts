import type { Ctx, Route } from '../context';
import { HttpError, Reply } from '../http';
import { recordShipments } from '../finances/service';
import { publishOrderChange } from '../order-change-notification';
import { confirmShipment } from '../order-lifecycle';
import { statusOf } from '../order-view';

/** Orders API v0: confirmShipment, the one v0 operation the connector uses (Amazon retires the v0 reads in 2027). */

async function confirm(ctx: Ctx): Promise<Reply> {
  const { orderId } = ctx.params;
  const stored = ctx.sb.state.orders.get(orderId);
  const body = await ctx.jsonBody();
  if (!stored || stored.sellerId !== ctx.sellerId) {
    throw new HttpError(404, [{ code: 'NotFound', message: `Order ${orderId} was not found.` }]);
  }
  const before = statusOf(stored.order);
  confirmShipment(stored.order, body, ctx.sb.now());
  recordShipments(ctx.sb, stored.sellerId, [stored.order]);
  if (statusOf(stored.order) !== before) publishOrderChange(ctx.sb, stored);
  ctx.sb.changed();
  return { status: 204 };
}

export const ordersV0Routes: Route[] = [
  {
    method: 'POST',
    path: '/orders/v0/orders/{orderId}/shipmentConfirmation',
    kind: 'spapi',
    operation: 'confirmShipment',
    handler: confirm,
  },
];
