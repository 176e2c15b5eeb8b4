import type { Sandbox } from './context';
import { fulfilledByOf, marketplaceOf, statusOf } from './order-view';
import type { OrderJson, StoredOrder } from './state';

/**
 * The ORDER_CHANGE notification (schema: lib/sp-api-models/OrderChangeNotification.json) of a stored Orders 2026-01-01
 * order: sent when an order is placed (stored through the admin API) and when its status changes (ship, cancel,
 * confirmShipment). Order level, with every item, as Amazon sends it to SQS.
 */

const ORDER_STATUS: Record<string, string> = {
  PENDING_AVAILABILITY: 'PendingAvailability',
  PENDING: 'Pending',
  UNSHIPPED: 'Unshipped',
  PARTIALLY_SHIPPED: 'PartiallyShipped',
  SHIPPED: 'Shipped',
  CANCELLED: 'Canceled',
  UNFULFILLABLE: 'Unfulfillable',
};
const FULFILLMENT_TYPE: Record<string, string> = { AMAZON: 'AFN', MERCHANT: 'MFN' };
const ORDER_PROGRAMS: Record<string, string> = {
  AMAZON_BUSINESS: 'Business',
  PRIME: 'Prime',
  PREMIUM: 'Premium',
  INVOICE_BY_AMAZON: 'IBA',
};
const SHIPPING_PROGRAMS: Record<string, string> = { AMAZON_EASY_SHIP: 'EasyShip', IN_STORE_PICK_UP: 'ISPU' };
/** The schema leaves ChangeReason free text; this is the sandbox's wording for a status change. */
const STATUS_CHANGE_REASON = 'Order status changed';

const isObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);

class Unpublishable extends Error {
  override name = 'Unpublishable';
}

function required<T>(value: T | undefined | null, what: string, orderId: unknown): T {
  if (value === undefined || value === null || value === '') throw new Unpublishable(`order ${orderId} has no ${what}`);
  return value;
}

const programs = (order: OrderJson, table: Record<string, string>) =>
  (Array.isArray(order.programs) ? order.programs : []).map((p: string) => table[p]).filter(Boolean);

/** Payload.OrderChangeNotification for the order as it is now; throws when the stored order lacks what Amazon always has. */
export function orderChangePayload(sellerId: string, order: OrderJson): Record<string, unknown> {
  const id = order.orderId;
  const status = ORDER_STATUS[required(statusOf(order), 'fulfillment.fulfillmentStatus', id)];
  const fulfillmentType = FULFILLMENT_TYPE[required(fulfilledByOf(order), 'fulfillment.fulfilledBy', id)];
  if (!status || !fulfillmentType) throw new Unpublishable(`order ${id} has an unknown status or fulfilledBy`);
  const mfn = fulfillmentType === 'MFN';
  const fulfillment = isObject(order.fulfillment) ? order.fulfillment : {};
  const items = (Array.isArray(order.orderItems) ? order.orderItems : []).filter(isObject).map((item) => {
    const quantity = Number(required(item.quantityOrdered, 'quantityOrdered on an item', id));
    const shipped = Number(item.fulfillment?.quantityFulfilled) || 0;
    const unshipped = isObject(item.fulfillment)
      ? Number(item.fulfillment.quantityUnfulfilled) || 0
      : Math.max(0, quantity - shipped);
    return {
      OrderItemId: String(required(item.orderItemId, 'orderItemId on an item', id)),
      SellerSKU: String(required(item.product?.sellerSku, 'product.sellerSku on an item', id)),
      SupplySourceId: null,
      Quantity: quantity,
      QuantityShipped: shipped,
      IsBuyerRequestedCancel: item.cancellation?.cancellationExecution?.cancelledBy === 'BUYER',
      unshipped,
    };
  });
  if (items.length === 0) throw new Unpublishable(`order ${id} has no items`);
  // OrderItemStatus is shown only when the items' statuses differ (the schema's words).
  const itemStatus = (i: { Quantity: number; QuantityShipped: number }) =>
    i.QuantityShipped >= i.Quantity ? 'Shipped' : 'Unshipped';
  const mixed = new Set(items.map(itemStatus)).size > 1;
  const orderPrograms = programs(order, ORDER_PROGRAMS);
  const shippingPrograms = programs(order, SHIPPING_PROGRAMS);
  const shipBy = isObject(fulfillment.shipByWindow) ? fulfillment.shipByWindow : {};
  const deliverBy = isObject(fulfillment.deliverByWindow) ? fulfillment.deliverByWindow : {};
  const settled = ['Pending', 'PendingAvailability', 'Canceled'].includes(status);
  return {
    OrderChangeNotification: {
      NotificationLevel: 'OrderLevel',
      SellerId: sellerId,
      AmazonOrderId: String(required(id, 'orderId', id)),
      OrderChangeType: 'OrderStatusChange',
      OrderChangeTrigger: { TimeOfOrderChange: order.lastUpdatedTime ?? null, ChangeReason: STATUS_CHANGE_REASON },
      Summary: {
        MarketplaceId: required(marketplaceOf(order), 'salesChannel.marketplaceId', id),
        OrderStatus: status,
        PurchaseDate: order.createdTime ?? null,
        DestinationPostalCode: order.recipient?.deliveryAddress?.postalCode ?? null,
        FulfillmentType: fulfillmentType,
        OrderType: Array.isArray(order.programs) && order.programs.includes('PREORDER') ? 'Preorder' : 'StandardOrder',
        NumberOfItemsShipped: items.reduce((n, i) => n + i.QuantityShipped, 0),
        NumberOfItemsUnshipped: items.reduce((n, i) => n + i.unshipped, 0),
        ...(mfn && deliverBy.earliestDateTime ? { EarliestDeliveryDate: deliverBy.earliestDateTime } : {}),
        ...(mfn && !settled && deliverBy.latestDateTime ? { LatestDeliveryDate: deliverBy.latestDateTime } : {}),
        ...(shipBy.earliestDateTime ? { EarliestShipDate: shipBy.earliestDateTime } : {}),
        ...(shipBy.latestDateTime ? { LatestShipDate: shipBy.latestDateTime } : {}),
        ...(orderPrograms.length ? { OrderPrograms: orderPrograms } : {}),
        ...(shippingPrograms.length ? { ShippingPrograms: shippingPrograms } : {}),
        OrderItems: items.map(({ unshipped: _u, ...item }) =>
          mixed ? { ...item, OrderItemStatus: itemStatus(item) } : item,
        ),
      },
    },
  };
}

/** Queues the order's ORDER_CHANGE for every subscribed destination. Never throws (an admin call must not fail on it). */
export function publishOrderChange(sb: Sandbox, stored: StoredOrder): void {
  const { sellerId, order } = stored;
  sb.notifications.publish(
    'ORDER_CHANGE',
    sellerId,
    { marketplaceId: isObject(order) ? marketplaceOf(order) : undefined, orderChangeType: 'OrderStatusChange' },
    () => orderChangePayload(sellerId, order),
  );
}
