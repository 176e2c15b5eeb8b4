import { ORDER_INCLUDED_DATA } from '../../lib/amazon-facts';
import type { SpApi } from './gateway';
import type { Order } from './orders-2026-types';

/** The Orders API calls the connector makes: searchOrders and getOrder (2026-01-01), confirmShipment (v0). */

export interface OrderSearchWindow {
  marketplaceIds: string[];
  lastUpdatedAfter: string;
  lastUpdatedBefore: string;
}

export async function searchOrders(
  spapi: SpApi,
  accountId: string,
  window: OrderSearchWindow,
  nextToken?: string,
): Promise<{ orders: Order[]; nextToken?: string }> {
  const page = await spapi.call<{ orders?: Order[]; pagination?: { nextToken?: string } }>(accountId, {
    operation: 'searchOrders',
    endpoint: 'orders',
    // Amazon: a page token must come with the same parameters as the first request (bar page size, includedData).
    query: {
      marketplaceIds: window.marketplaceIds,
      lastUpdatedAfter: window.lastUpdatedAfter,
      lastUpdatedBefore: window.lastUpdatedBefore,
      includedData: ORDER_INCLUDED_DATA,
      maxResultsPerPage: 100,
      ...(nextToken ? { paginationToken: nextToken } : {}),
    },
  });
  return { orders: page.orders ?? [], nextToken: page.pagination?.nextToken };
}

export async function getOrder(spapi: SpApi, accountId: string, amazonOrderId: string): Promise<Order> {
  const response = await spapi.call<{ order: Order }>(accountId, {
    operation: 'getOrder',
    endpoint: 'orders',
    path: { orderId: amazonOrderId },
    query: { includedData: ORDER_INCLUDED_DATA },
  });
  return response.order;
}

/** One package of an FBM order (Orders v0 ConfirmShipmentRequest). Amazon answers 204, or a 4xx AmazonRejected. */
export async function confirmShipment(
  spapi: SpApi,
  accountId: string,
  amazonOrderId: string,
  request: { marketplaceId: string; packageDetail: Record<string, unknown> },
): Promise<void> {
  await spapi.call(accountId, {
    operation: 'confirmShipment',
    endpoint: 'orders',
    version: 'v0',
    path: { orderId: amazonOrderId },
    body: request,
  });
}
