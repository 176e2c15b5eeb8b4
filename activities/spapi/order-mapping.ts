import { FULFILLMENT_STATUSES } from '../../lib/amazon-facts';
import { parseAmount, sum } from '../../lib/money';
import { MarketplaceInfo, MoneyReader, OrderMappingError } from './order-mapping-common';
import { itemLines, orderLevelLines, productLineKey, readItemMoney, taxIncluded } from './order-mapping-lines';
import { mapCustomer, mapDeliveryAddress } from './order-mapping-parties';
import type { FulfillmentStatus, Order } from './orders-2026-types';
import type { z } from 'zod';
import type {
  AmazonPackage as AmazonPackageSchema,
  BookCustomer,
  BookDeliveryAddress,
  BookDeliveryItem,
  BookOrder,
  BookOrderLine,
  BuyerCancellationRequest as BuyerCancellationRequestSchema,
  OrderHeader as OrderHeaderSchema,
} from '../../book/order-records';

/**
 * Amazon Orders 2026-01-01 `Order` → our sales order, its lines, customer and delivery. Pure: data in, data out; no I/O,
 * no clock, no randomness. Money is exact decimal strings ("94.50"); every line is tax-exclusive, with its tax beside it,
 * so that untaxed + tax = total = Amazon's grandTotal for US (tax on top) and EU (VAT inside the prices) alike.
 */

export { OrderMappingError } from './order-mapping-common';

export type { MarketplaceInfo };

/** The book's shapes (book/order-records.ts), which the mapping fills. */
export type OrderHeader = z.infer<typeof OrderHeaderSchema> & { amazonStatus: BookOrder['amazonStatus'] };
export type MappedOrder = BookOrder;
export type MappedLine = BookOrderLine;
export type MappedTotals = BookOrder['totals'];
export type MappedCustomer = z.infer<typeof BookCustomer>;
export type MappedDeliveryAddress = z.infer<typeof BookDeliveryAddress>;
export type MappedDeliveryItem = z.infer<typeof BookDeliveryItem>;
export type BuyerCancellationRequest = z.infer<typeof BuyerCancellationRequestSchema>;
export type AmazonPackage = z.infer<typeof AmazonPackageSchema>;
export type OrderState = BookOrder['state'];

const STATUSES: readonly FulfillmentStatus[] = FULFILLMENT_STATUSES;

export function orderHeader(order: Order): OrderHeader {
  const status = order.fulfillment?.fulfillmentStatus;
  if (!status)
    throw new OrderMappingError('fulfillment.fulfillmentStatus', 'missing (request includedData=FULFILLMENT)');
  if (!STATUSES.includes(status))
    throw new OrderMappingError('fulfillment.fulfillmentStatus', `unknown status ${status}`);
  const fulfilledBy = order.fulfillment?.fulfilledBy;
  if (fulfilledBy !== 'AMAZON' && fulfilledBy !== 'MERCHANT') {
    throw new OrderMappingError(
      'fulfillment.fulfilledBy',
      `expected AMAZON or MERCHANT, got ${fulfilledBy ?? 'nothing'}`,
    );
  }
  if (!order.orderId) throw new OrderMappingError('orderId', 'missing');
  if (!order.lastUpdatedTime) throw new OrderMappingError('lastUpdatedTime', 'missing');
  const marketplaceId = order.salesChannel?.marketplaceId;
  if (!marketplaceId) throw new OrderMappingError('salesChannel.marketplaceId', 'missing');
  return {
    amazonOrderId: order.orderId,
    marketplaceId,
    channel: fulfilledBy === 'AMAZON' ? 'FBA' : 'FBM',
    amazonStatus: status,
    lastUpdatedTime: order.lastUpdatedTime,
  };
}

/** Not ready to import: placed, but payment or availability is still pending. */
export function isPending(header: Pick<OrderHeader, 'amazonStatus'>): boolean {
  return header.amazonStatus === 'PENDING' || header.amazonStatus === 'PENDING_AVAILABILITY';
}

function initialState(header: OrderHeader): OrderState {
  switch (header.amazonStatus) {
    case 'PENDING':
    case 'PENDING_AVAILABILITY':
      return 'pending';
    case 'UNSHIPPED':
    case 'PARTIALLY_SHIPPED':
      return 'confirmed'; // FBM: our delivery ships (the rest of) it; FBA: Amazon is on it.
    case 'SHIPPED':
      return 'shipped';
    case 'CANCELLED':
      return 'cancelled';
    case 'UNFULFILLABLE':
      // Only for Amazon-fulfilled orders placed outside Amazon: nothing of ours to book, a person must look.
      throw new OrderMappingError('fulfillment.fulfillmentStatus', 'UNFULFILLABLE: Amazon cannot fulfil this order');
  }
}

function checkItems(order: Order, header: OrderHeader): void {
  if (!order.orderItems?.length) throw new OrderMappingError('orderItems', 'the order has no items');
  const seen = new Set<string>();
  order.orderItems.forEach((item, i) => {
    if (!item.orderItemId) throw new OrderMappingError(`orderItems[${i}].orderItemId`, 'missing');
    if (seen.has(item.orderItemId)) {
      throw new OrderMappingError(`orderItems[${i}].orderItemId`, `${item.orderItemId} appears twice in the order`);
    }
    seen.add(item.orderItemId);
    const q = item.quantityOrdered;
    // Amazon sets a cancelled item's quantity to 0; any other item must have units.
    const cancelled = header.amazonStatus === 'CANCELLED' || !!item.cancellation?.cancellationExecution;
    if (!Number.isSafeInteger(q) || q < 0 || (q === 0 && !cancelled)) {
      throw new OrderMappingError(`orderItems[${i}].quantityOrdered`, `${q} is not a positive whole number of units`);
    }
  });
}

function mapPackages(order: Order): AmazonPackage[] {
  const ids = new Set(order.orderItems.map((item) => item.orderItemId));
  return (order.packages ?? []).map((p, k) => ({
    packageReferenceId: p.packageReferenceId,
    status: p.packageStatus?.status ?? null,
    carrier: p.carrier ?? null,
    shippingService: p.shippingService ?? null,
    trackingNumber: p.trackingNumber ?? null,
    shipTime: p.shipTime ?? null,
    items: (p.packageItems ?? []).map((pi, j) => {
      if (!ids.has(pi.orderItemId)) {
        throw new OrderMappingError(
          `packages[${k}].packageItems[${j}].orderItemId`,
          `${pi.orderItemId} is not an item of the order`,
        );
      }
      if (!Number.isSafeInteger(pi.quantity) || pi.quantity <= 0) {
        throw new OrderMappingError(
          `packages[${k}].packageItems[${j}].quantity`,
          `${pi.quantity} is not a positive whole number`,
        );
      }
      return { amazonOrderItemId: pi.orderItemId, quantity: pi.quantity };
    }),
  }));
}

/** What an FBM delivery must ship: every item with units, on its product line. */
function deliveryItems(order: Order): MappedDeliveryItem[] {
  return order.orderItems
    .filter((item) => item.quantityOrdered > 0)
    .map((item) => ({
      lineKey: productLineKey(item.orderItemId),
      amazonOrderItemId: item.orderItemId,
      sku: item.product.sellerSku ?? null,
      quantity: item.quantityOrdered,
      quantityFulfilled: item.fulfillment?.quantityFulfilled ?? 0,
    }));
}

/** Requests nobody has executed yet: an executed one is already a cancellation. */
function openBuyerCancellations(order: Order): BuyerCancellationRequest[] {
  return order.orderItems
    .filter((item) => {
      const request = item.cancellation?.cancellationRequest;
      return request && (request.requester ?? 'BUYER') === 'BUYER' && !item.cancellation?.cancellationExecution;
    })
    .map((item) => ({
      amazonOrderItemId: item.orderItemId,
      sku: item.product.sellerSku ?? null,
      reason: item.cancellation?.cancellationRequest?.cancelReason?.trim() || null,
    }));
}

export function mapOrder(order: Order, marketplace: MarketplaceInfo): MappedOrder {
  const header = orderHeader(order);
  if (header.marketplaceId !== marketplace.id) {
    throw new OrderMappingError(
      'salesChannel.marketplaceId',
      `${header.marketplaceId} is not marketplace ${marketplace.code} (${marketplace.id})`,
    );
  }
  const state = initialState(header);
  // Required in Amazon's model; the book's purchase date (and every report by date) depends on it.
  if (typeof order.createdTime !== 'string' || Number.isNaN(Date.parse(order.createdTime))) {
    throw new OrderMappingError(
      'createdTime',
      `${order.createdTime === undefined ? 'missing' : `${order.createdTime} is not a date-time`}`,
    );
  }
  checkItems(order, header);
  const currency = marketplace.currency;
  const reader = new MoneyReader(currency);
  const lenient = state === 'pending' || state === 'cancelled';

  const money = order.orderItems.map((item, i) => readItemMoney(item, i, reader, lenient));
  const included = taxIncluded(money, marketplace);
  const lines = [
    ...order.orderItems.flatMap((item, i) => itemLines(item, i, money[i], included, currency)),
    ...orderLevelLines(order, money, reader),
  ];

  const untaxed = sum(lines.map((l) => parseAmount(l.subtotal)));
  const tax = sum(lines.map((l) => parseAmount(l.tax)));
  const total = untaxed.plus(tax);
  const grandTotal = order.proceeds?.grandTotal ? reader.read(order.proceeds.grandTotal, 'proceeds.grandTotal') : null;
  if (grandTotal && !grandTotal.eq(total)) {
    throw new OrderMappingError(
      'proceeds.grandTotal.amount',
      `Amazon's grandTotal is ${reader.format(grandTotal)} ${currency} but the order's lines add up to ${reader.format(total)}`,
    );
  }

  const programs = order.programs ?? [];
  const isBusiness = programs.includes('AMAZON_BUSINESS');
  const customer = mapCustomer(order, isBusiness);
  const messages = order.orderItems
    .map((item) => item.fulfillment?.packing?.giftOption?.giftMessage?.trim())
    .filter((m): m is string => !!m);

  return {
    ...header,
    currency,
    purchaseDate: order.createdTime,
    latestShipDate: order.fulfillment?.shipByWindow?.latestDateTime ?? null,
    shipServiceLevel: order.fulfillment?.fulfillmentServiceLevel ?? null,
    isBusiness,
    isPrime: programs.includes('PRIME'),
    giftMessage: messages.length ? [...new Set(messages)].join('\n') : null,
    amazonGrandTotal: grandTotal ? reader.format(grandTotal) : null,
    pricesIncludeTax: included,
    taxCollectionModel:
      order.orderItems.flatMap((item) => item.tax?.taxCollections ?? []).find((c) => c.model)?.model ?? null,
    state,
    lines,
    totals: { untaxed: reader.format(untaxed), tax: reader.format(tax), total: reader.format(total) },
    customer,
    deliveryAddress: mapDeliveryAddress(order, customer),
    deliveryItems: header.channel === 'FBM' && state !== 'cancelled' ? deliveryItems(order) : [],
    buyerCancellationRequests: openBuyerCancellations(order),
    amazonPackages: mapPackages(order),
  };
}
