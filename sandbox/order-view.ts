import { marketplace } from './marketplaces';
import type { OrderJson } from './state';

/** What searchOrders and getOrder show of a stored order: the requested datasets, within the seller's PII rights. */

export { INCLUDED_DATA } from '../lib/amazon-facts';

const ORDER_DATASETS: Record<string, string> = {
  buyer: 'BUYER',
  recipient: 'RECIPIENT',
  proceeds: 'PROCEEDS',
  payment: 'PAYMENT',
  tax: 'TAX',
  fulfillment: 'FULFILLMENT',
  packages: 'PACKAGES',
  fulfillmentOrders: 'FULFILLMENT_ORDERS',
};

const ITEM_DATASETS: Record<string, string> = {
  proceeds: 'PROCEEDS',
  expense: 'EXPENSE',
  promotion: 'PROMOTION',
  cancellation: 'CANCELLATION',
  fulfillment: 'FULFILLMENT',
  tax: 'TAX',
};

/** Amazon stopped sharing the buyer's name on North-American (US, CA, MX) FBA orders placed from this day. */
const NA_FBA_NAME_CUTOFF = Date.parse('2024-02-19T00:00:00Z');
const NORTH_AMERICA = ['US', 'CA', 'MX'];

/** Address parts that are not PII: what a seller without the PII role (or a pending order) still gets. */
const NON_PII_ADDRESS = ['city', 'stateOrRegion', 'postalCode', 'countryCode', 'addressType'];

const isObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);

export function statusOf(order: OrderJson): string | undefined {
  return isObject(order.fulfillment) ? order.fulfillment.fulfillmentStatus : undefined;
}

export function fulfilledByOf(order: OrderJson): string | undefined {
  return isObject(order.fulfillment) ? order.fulfillment.fulfilledBy : undefined;
}

export function marketplaceOf(order: OrderJson): string | undefined {
  return isObject(order.salesChannel) ? order.salesChannel.marketplaceId : undefined;
}

/**
 * A copy of the order with only the requested datasets. Without the PII role, or while the order is pending, BUYER is
 * withheld and RECIPIENT keeps only city, region, postal code and country. North-American FBA orders placed from
 * 2024-02-19 never show the buyer's name. Otherwise the order is served as stored (generated FBA orders have no buyer
 * email or phone, as the model notes; an order stored through the admin API keeps what it was given).
 */
export function orderView(stored: OrderJson, included: ReadonlySet<string>, opts: { piiAccess: boolean }): OrderJson {
  const order = structuredClone(stored);
  if (!isObject(order)) return order;
  for (const [field, dataset] of Object.entries(ORDER_DATASETS)) if (!included.has(dataset)) delete order[field];
  if (Array.isArray(order.orderItems)) {
    for (const item of order.orderItems) {
      if (!isObject(item)) continue;
      for (const [field, dataset] of Object.entries(ITEM_DATASETS)) if (!included.has(dataset)) delete item[field];
    }
  }

  const status = statusOf(stored);
  const restricted = !opts.piiAccess || status === 'PENDING' || status === 'PENDING_AVAILABILITY';
  if (restricted) {
    delete order.buyer;
    if (isObject(order.recipient)) {
      const address = order.recipient.deliveryAddress;
      order.recipient = isObject(address)
        ? { deliveryAddress: Object.fromEntries(Object.entries(address).filter(([k]) => NON_PII_ADDRESS.includes(k))) }
        : {};
    }
  }

  const fba = fulfilledByOf(stored) === 'AMAZON';
  const created = Date.parse(String(stored.createdTime));
  const northAmerica = NORTH_AMERICA.includes(marketplace(marketplaceOf(stored) ?? '')?.countryCode ?? '');
  if (fba && northAmerica && created >= NA_FBA_NAME_CUTOFF) {
    if (isObject(order.buyer)) {
      delete order.buyer.buyerName;
      if (Object.keys(order.buyer).length === 0) delete order.buyer;
    }
    const address = isObject(order.recipient) ? order.recipient.deliveryAddress : undefined;
    if (isObject(address)) delete address.name;
  }
  return order;
}
