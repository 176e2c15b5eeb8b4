import crypto from 'node:crypto';
import { FULFILLMENT_STATUSES } from '../../lib/amazon-facts';
import type { Ctx, Route } from '../context';
import { invalidInput, iso, notFound, ok, Query, Reply } from '../http';
import { marketplace } from '../marketplaces';
import { fulfilledByOf, INCLUDED_DATA, marketplaceOf, orderView, statusOf } from '../order-view';
import { decodePageToken, encodePageToken } from '../page-tokens';
import type { StoredOrder } from '../state';

/** Orders API 2026-01-01: searchOrders and getOrder. */

const FULFILLED_BY = ['MERCHANT', 'AMAZON'];
const TOKEN_LIFETIME_MS = 24 * 3_600_000;
const ORDER_ID = /^\d{3}-\d{7}-\d{7}$/;

interface OrdersPageToken {
  v: 1;
  /** seller, fingerprint of the filters, effective *Before, cursor (time, orderId), issued at */
  s: string;
  f: string;
  b: number;
  k: [number, string];
  t: number;
}

function enumList(query: Query, name: string, allowed: readonly string[]): string[] | undefined {
  const values = query.list(name);
  const bad = values?.find((v) => !allowed.includes(v));
  if (bad !== undefined) throw invalidInput(`Invalid ${name} value: ${bad}. Allowed values: ${allowed.join(', ')}.`);
  return values;
}

export function includedDataOf(query: Query): Set<string> {
  return new Set(enumList(query, 'includedData', INCLUDED_DATA) ?? []);
}

function sellerOf(ctx: Ctx) {
  return ctx.sb.state.sellers.get(ctx.sellerId)!;
}

function searchOrders(ctx: Ctx): Reply {
  const { query: q, sb } = ctx;
  const now = sb.now();
  const lagMs = sb.config.minBeforeLagSeconds * 1000;
  const byCreation = q.has('createdAfter');
  if (byCreation === q.has('lastUpdatedAfter')) {
    throw invalidInput('Exactly one of createdAfter and lastUpdatedAfter must be provided.');
  }
  if (byCreation && (q.has('lastUpdatedBefore') || q.has('lastUpdatedAfter'))) {
    throw invalidInput('lastUpdatedAfter and lastUpdatedBefore cannot be provided with createdAfter.');
  }
  if (!byCreation && q.has('createdBefore'))
    throw invalidInput('createdBefore cannot be provided with lastUpdatedAfter.');
  const afterName = byCreation ? 'createdAfter' : 'lastUpdatedAfter';
  const beforeName = byCreation ? 'createdBefore' : 'lastUpdatedBefore';
  const after = q.time(afterName)!;
  const givenBefore = q.time(beforeName);
  if (givenBefore !== undefined && givenBefore > now - lagMs) {
    throw invalidInput(
      `${beforeName} must be at least ${sb.config.minBeforeLagSeconds / 60} minutes before the time of the request.`,
    );
  }
  if (givenBefore !== undefined && givenBefore < after)
    throw invalidInput(`${beforeName} must be equal to or after ${afterName}.`);
  if (givenBefore === undefined && after > now - lagMs) {
    throw invalidInput(
      `${afterName} must be at least ${sb.config.minBeforeLagSeconds / 60} minutes before the time of the request.`,
    );
  }

  const seller = sellerOf(ctx);
  const requested = q.list('marketplaceIds');
  if (requested && requested.length > 50) throw invalidInput('marketplaceIds can list at most 50 marketplaces.');
  for (const id of requested ?? []) {
    const m = marketplace(id);
    if (!seller.marketplaceIds.includes(id) || (ctx.region && m && m.region !== ctx.region)) {
      throw invalidInput(`Invalid marketplaceIds: ${id} is not a marketplace of this seller in this region.`);
    }
  }
  const marketplaceIds =
    requested ?? seller.marketplaceIds.filter((id) => !ctx.region || marketplace(id)?.region === ctx.region);
  const statuses = enumList(q, 'fulfillmentStatuses', FULFILLMENT_STATUSES);
  const fulfilledBy = enumList(q, 'fulfilledBy', FULFILLED_BY);
  const included = includedDataOf(q);
  const pageSize = q.int('maxResultsPerPage', { min: 1, max: 100 }, 100);

  const fingerprint = crypto
    .createHash('sha256')
    .update(
      JSON.stringify([
        afterName,
        q.get(afterName),
        q.get(beforeName) ?? null,
        [...marketplaceIds].sort(),
        [...(statuses ?? [])].sort(),
        [...(fulfilledBy ?? [])].sort(),
      ]),
    )
    .digest('base64url')
    .slice(0, 16);
  let before = givenBefore ?? now - lagMs;
  let cursor: [number, string] | undefined;
  const tokenText = q.get('paginationToken');
  if (tokenText !== undefined) {
    const token = decodePageToken<OrdersPageToken>(tokenText);
    if (!token || token.v !== 1 || token.s !== ctx.sellerId) throw invalidInput('Invalid paginationToken.');
    if (now - token.t > TOKEN_LIFETIME_MS)
      throw invalidInput('The paginationToken has expired: tokens are valid for 24 hours.');
    if (token.f !== fingerprint) {
      throw invalidInput(
        'The parameters differ from the request that returned this paginationToken: only maxResultsPerPage and includedData may change.',
      );
    }
    before = token.b;
    cursor = token.k;
  }

  const timeField = byCreation ? 'createdTime' : 'lastUpdatedTime';
  const matches: Array<{ time: number; stored: StoredOrder }> = [];
  for (const stored of sb.state.sellerOrders(ctx.sellerId)) {
    const o = stored.order;
    const time = Date.parse(String(o?.[timeField]));
    if (Number.isNaN(time) || time < after || time > before) continue;
    if (!marketplaceIds.includes(marketplaceOf(o) ?? '')) continue;
    if (statuses && !statuses.includes(statusOf(o) ?? '')) continue;
    if (fulfilledBy && !fulfilledBy.includes(fulfilledByOf(o) ?? '')) continue;
    if (cursor && (time < cursor[0] || (time === cursor[0] && String(o.orderId) <= cursor[1]))) continue;
    matches.push({ time, stored });
  }
  matches.sort((a, b) => a.time - b.time || (String(a.stored.order.orderId) < String(b.stored.order.orderId) ? -1 : 1));
  const page = matches.slice(0, pageSize);
  const last = page[page.length - 1];
  const body: Record<string, unknown> = {
    orders: page.map((m) => orderView(m.stored.order, included, { piiAccess: seller.piiAccess })),
  };
  if (matches.length > pageSize) {
    const token: OrdersPageToken = {
      v: 1,
      s: ctx.sellerId,
      f: fingerprint,
      b: before,
      k: [last.time, String(last.stored.order.orderId)],
      t: tokenText ? decodePageToken<OrdersPageToken>(tokenText)!.t : now,
    };
    body.pagination = { nextToken: encodePageToken(token) };
  }
  body[beforeName] = iso(before);
  return ok(body);
}

function getOrder(ctx: Ctx): Reply {
  const { orderId } = ctx.params;
  const included = includedDataOf(ctx.query);
  const stored = ctx.sb.state.orders.get(orderId);
  if (!stored || stored.sellerId !== ctx.sellerId) {
    if (!ORDER_ID.test(orderId)) throw invalidInput('Invalid Input', `orderId ${orderId} is not in the 3-7-7 format.`);
    throw notFound('NotFound', `Order ${orderId} was not found.`);
  }
  return ok({ order: orderView(stored.order, included, { piiAccess: sellerOf(ctx).piiAccess }) });
}

export const ordersRoutes: Route[] = [
  { method: 'GET', path: '/orders/2026-01-01/orders', kind: 'spapi', operation: 'searchOrders', handler: searchOrders },
  {
    method: 'GET',
    path: '/orders/2026-01-01/orders/{orderId}',
    kind: 'spapi',
    operation: 'getOrder',
    handler: getOrder,
  },
];
