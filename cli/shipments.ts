import type { Db } from '../db';
import { loadOrderView, openShipmentLines, OrderView } from '../book/orders';
import { UserError } from '../lib/errors';
import { ShipmentSignal, validateShipmentSignal } from '../workflows/order-types';

/** Why a shipment was refused before anything was sent; the HTTP API maps each to its status code. */
export type ShipmentRefusal = 'unknown_order' | 'not_fbm' | 'cancelled' | 'invalid' | 'nothing_open' | 'over_quantity';

export class ShipmentRefused extends UserError {
  override name = 'ShipmentRefused';
  constructor(
    readonly refusal: ShipmentRefusal,
    message: string,
  ) {
    super(message);
  }
}

export interface CheckedShipment {
  order: OrderView;
  shipment: ShipmentSignal;
  /** What is still open to ship on the order, by delivery line. */
  open: Array<{ sku: string; quantity: number }>;
}

/**
 * What `connector ship` and `POST /orders/{id}/shipments` check before they signal shipmentDone: the order exists,
 * is FBM and not cancelled, the payload is well formed, and it asks for no more than is open. The workflow checks
 * again (a signal typed into the UI skips this), so this is about answering the sender at once with the reason.
 */
export async function checkShipment(
  db: Db,
  amazonOrderId: string,
  payload: unknown,
  options: { accountId?: string; allowNothingOpen?: boolean; wording?: 'cli' | 'json' } = {},
): Promise<CheckedShipment> {
  const cli = options.wording === 'cli';
  const order = await loadOrderView(db, amazonOrderId, options.accountId);
  if (!order) {
    throw new ShipmentRefused(
      'unknown_order',
      `no order ${amazonOrderId} in the book: check the id, or run \`connector sync orders --account <A>\``,
    );
  }
  if (order.channel !== 'FBM') {
    throw new ShipmentRefused(
      'not_fbm',
      `${amazonOrderId} is fulfilled by Amazon (FBA): there is nothing for us to ship`,
    );
  }
  if (order.state === 'cancelled')
    throw new ShipmentRefused('cancelled', `${amazonOrderId} was cancelled on Amazon: do not ship it`);
  const checked = validateShipmentSignal(payload);
  if (!checked.ok)
    throw new ShipmentRefused('invalid', cli ? checked.reason.replace('trackingNumber', '--tracking') : checked.reason);
  const open = await openShipmentLines(db, order.id);
  if (open.length === 0 && !options.allowNothingOpen)
    throw new ShipmentRefused('nothing_open', `${amazonOrderId} has nothing left to ship`);
  for (const item of checked.shipment.items ?? []) {
    const available = open.filter((l) => l.sku === item.sku).reduce((s, l) => s + l.quantity, 0);
    if (item.quantity > available) {
      throw new ShipmentRefused(
        'over_quantity',
        `${cli ? '--items' : 'items'} ${item.sku}:${item.quantity}: only ${available} open on ${amazonOrderId}`,
      );
    }
  }
  return { order, shipment: checked.shipment, open };
}
