import { SCHEDULED_KINDS, ScheduledKind, type Ctx, type Route, type SandboxConfig } from '../context';
import { validateFaults } from '../faults';
import { parseFinanceConfig, recordShipments } from '../finances/service';
import { generateOrders, GeneratorError } from '../generator';
import { HttpError, iso, ok, parseIsoTime, Reply } from '../http';
import { amazonChannelOf, MARKETPLACES } from '../marketplaces';
import { publishOrderChange } from '../order-change-notification';
import { changeStatus, StatusChange } from '../order-lifecycle';
import { statusOf } from '../order-view';
import { parseRateLimitMode } from '../rate-limits';
import type { FbaInventoryItem, Listing, Seller } from '../state';
import { statusOf as feedStatus } from './feeds';

/** The admin API under /_sandbox/: what tests, the demo and benchmarks use to set Amazon's side up and observe it. */

const isObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);
const fail = (status: number, message: string) => new HttpError(status, [{ code: 'AdminError', message }]);
const text = (v: unknown, name: string): string => {
  if (typeof v !== 'string' || v.trim() === '') throw fail(400, `${name} is required (a non-empty string)`);
  return v;
};
const count = (v: unknown, name: string, fallback?: number): number => {
  if (v === undefined && fallback !== undefined) return fallback;
  if (!Number.isInteger(v) || (v as number) < 0) throw fail(400, `${name} must be an integer of 0 or more`);
  return v as number;
};

async function createSeller(ctx: Ctx): Promise<Reply> {
  const body = await ctx.jsonBody();
  if (!isObject(body))
    throw fail(400, 'body must be {sellerId, marketplaceIds, clientId, clientSecret, refreshToken, piiAccess?}');
  const sellerId = text(body.sellerId, 'sellerId');
  if (!/^[A-Za-z0-9_-]+$/.test(sellerId)) throw fail(400, 'sellerId may hold letters, digits, - and _ only');
  if (!Array.isArray(body.marketplaceIds) || body.marketplaceIds.length === 0)
    throw fail(400, 'marketplaceIds must list at least one marketplace');
  const unknown = body.marketplaceIds.find((id: unknown) => typeof id !== 'string' || !MARKETPLACES.has(id));
  if (unknown !== undefined) throw fail(400, `marketplace ${unknown} is not an Amazon marketplace the sandbox knows`);
  if (body.piiAccess !== undefined && typeof body.piiAccess !== 'boolean')
    throw fail(400, 'piiAccess must be true or false');
  const seller: Seller = {
    sellerId,
    marketplaceIds: [...new Set<string>(body.marketplaceIds)],
    clientId: text(body.clientId, 'clientId'),
    clientSecret: text(body.clientSecret, 'clientSecret'),
    refreshToken: text(body.refreshToken, 'refreshToken'),
    piiAccess: body.piiAccess ?? true,
    storeName: typeof body.storeName === 'string' && body.storeName ? body.storeName : `${sellerId} Store`,
  };
  const { state } = ctx.sb;
  const holder = [...state.sellers.values()].find(
    (s) => s.refreshToken === seller.refreshToken && s.sellerId !== sellerId,
  );
  if (holder) throw fail(409, `refreshToken is already the token of seller ${holder.sellerId}`);
  const existed = state.sellers.has(sellerId);
  state.sellers.set(sellerId, seller);
  ctx.sb.changed();
  return ok(seller, existed ? 200 : 201);
}

function sellerOf(ctx: Ctx, sellerId: string): Seller {
  const seller = ctx.sb.state.sellers.get(sellerId);
  if (!seller) throw fail(404, `no seller ${sellerId}: create it with POST /_sandbox/sellers`);
  return seller;
}

function expireTokens(ctx: Ctx): Reply {
  sellerOf(ctx, ctx.params.sellerId);
  let expired = 0;
  for (const token of ctx.sb.state.accessTokens.values()) {
    if (token.sellerId === ctx.params.sellerId && token.expiresAt > ctx.sb.now()) {
      token.expiresAt = ctx.sb.now();
      expired++;
    }
  }
  return ok({ expired });
}

async function addOrders(ctx: Ctx): Promise<Reply> {
  const body = await ctx.jsonBody();
  if (!isObject(body)) throw fail(400, 'body must be {sellerId, orders: [...]} or {sellerId, generate: {...}}');
  const seller = sellerOf(ctx, text(body.sellerId, 'sellerId'));
  const { state } = ctx.sb;
  let orders: Array<Record<string, any>>;
  if (body.generate !== undefined) {
    if (!isObject(body.generate)) throw fail(400, 'generate must be an object like {count: 100, seed: 7}');
    try {
      orders = generateOrders({ seed: ctx.sb.config.seed, ...body.generate } as any, {
        now: ctx.sb.now(),
        sellerMarketplaceIds: seller.marketplaceIds,
        isTaken: (id) => state.orders.has(id),
      });
    } catch (err) {
      if (err instanceof GeneratorError) throw fail(400, err.message);
      throw err;
    }
  } else if (Array.isArray(body.orders)) {
    orders = body.orders;
    // Stored exactly as given (malformed on purpose is allowed); only an orderId is needed to find it again.
    orders.forEach((o, i) => {
      if (!isObject(o) || typeof o.orderId !== 'string' || !o.orderId)
        throw fail(400, `orders[${i}].orderId is required`);
      const other = state.orders.get(o.orderId);
      if (other && other.sellerId !== seller.sellerId)
        throw fail(409, `order ${o.orderId} belongs to seller ${other.sellerId}`);
    });
  } else {
    throw fail(400, 'give orders: [...] or generate: {...}');
  }
  for (const order of orders) {
    state.putOrder(seller.sellerId, order);
    publishOrderChange(ctx.sb, { sellerId: seller.sellerId, order });
  }
  recordShipments(ctx.sb, seller.sellerId, orders);
  ctx.sb.changed();
  return ok({ orderIds: orders.map((o) => o.orderId) }, 201);
}

function storedOrder(ctx: Ctx) {
  const stored = ctx.sb.state.orders.get(ctx.params.orderId);
  if (!stored) throw fail(404, `no order ${ctx.params.orderId}`);
  return stored;
}

async function setOrderStatus(ctx: Ctx): Promise<Reply> {
  const stored = storedOrder(ctx);
  const body = await ctx.jsonBody();
  if (!isObject(body)) throw fail(400, 'body must be {status, at?}');
  text(body.status, 'status');
  if (body.at !== undefined && parseIsoTime(body.at) === undefined)
    throw fail(400, `at ${body.at} is not an ISO 8601 date-time`);
  const before = statusOf(stored.order);
  let shipped: Map<string, number>;
  try {
    shipped = changeStatus(stored.order, body as StatusChange, ctx.sb.now());
  } catch (err) {
    if (err instanceof HttpError) throw fail(err.status, err.errors[0].message);
    throw err;
  }
  // Amazon's fulfillment centers ship FBA units out of the seller's FBA stock.
  const marketplaceId = stored.order.salesChannel?.marketplaceId;
  if (stored.order.fulfillment?.fulfilledBy === 'AMAZON' && marketplaceId) {
    const inventory = ctx.sb.state.inventory(stored.sellerId, marketplaceId);
    for (const [sku, units] of shipped) {
      const item = inventory.get(sku);
      if (!item) continue;
      item.fulfillableQuantity = Math.max(0, item.fulfillableQuantity - units);
      item.lastUpdatedTime = iso(ctx.sb.now());
    }
  }
  if (statusOf(stored.order) !== before) publishOrderChange(ctx.sb, stored);
  recordShipments(ctx.sb, stored.sellerId, [stored.order]);
  ctx.sb.changed();
  return ok(stored.order);
}

async function putListing(ctx: Ctx): Promise<Reply> {
  const seller = sellerOf(ctx, ctx.params.sellerId);
  const body = await ctx.jsonBody();
  if (!isObject(body)) throw fail(400, 'body must be {marketplaceId, productType, fulfillmentChannelCode, quantity}');
  const marketplaceIds: string[] = body.marketplaceIds ?? (body.marketplaceId ? [body.marketplaceId] : []);
  if (!Array.isArray(marketplaceIds) || marketplaceIds.length === 0) throw fail(400, 'marketplaceId is required');
  const foreign = marketplaceIds.find((m) => !seller.marketplaceIds.includes(m));
  if (foreign) throw fail(400, `marketplace ${foreign} is not one of seller ${seller.sellerId}'s`);
  const channel = body.fulfillmentChannelCode ?? 'DEFAULT';
  if (channel !== 'DEFAULT' && !/^AMAZON_[A-Z]+$/.test(channel))
    throw fail(
      400,
      `fulfillmentChannelCode ${channel} must be DEFAULT or AMAZON_NA, AMAZON_EU, ... (${amazonChannelOf(marketplaceIds[0])} here)`,
    );
  if (body.quantity !== undefined) count(body.quantity, 'quantity');
  const now = iso(ctx.sb.now());
  const sku = ctx.params.sku;
  const old = ctx.sb.state.listing(seller.sellerId, sku);
  const price =
    typeof body.price === 'string'
      ? {
          amount: body.price,
          currencyCode: String(body.currencyCode ?? MARKETPLACES.get(marketplaceIds[0])!.defaultCurrencyCode),
        }
      : body.price;
  const listing: Listing = {
    sellerId: seller.sellerId,
    sku,
    productType:
      typeof body.productType === 'string' && body.productType
        ? body.productType
        : (old?.productType ?? text(body.productType, 'productType')),
    marketplaceIds: [...new Set([...(old?.marketplaceIds ?? []), ...marketplaceIds])],
    fulfillmentChannelCode: channel,
    ...(body.quantity !== undefined
      ? { quantity: body.quantity }
      : old?.quantity !== undefined
        ? { quantity: old.quantity }
        : {}),
    ...pick(body, old, ['asin', 'fnSku', 'itemName']),
    conditionType: body.conditionType ?? old?.conditionType ?? 'new_new',
    status: body.status ?? old?.status ?? ['BUYABLE', 'DISCOVERABLE'],
    ...((price ?? old?.price) ? { price: price ?? old?.price } : {}),
    attributes: isObject(body.attributes) ? body.attributes : (old?.attributes ?? {}),
    createdDate: old?.createdDate ?? now,
    lastUpdatedDate: now,
  };
  ctx.sb.state.putListing(listing);
  ctx.sb.changed();
  return ok(listing, old ? 200 : 201);
}

function pick(body: Record<string, any>, old: Listing | undefined, keys: Array<'asin' | 'fnSku' | 'itemName'>) {
  return Object.fromEntries(
    keys.flatMap((k) => (body[k] !== undefined ? [[k, String(body[k])]] : old?.[k] !== undefined ? [[k, old[k]]] : [])),
  );
}

function getListing(ctx: Ctx): Reply {
  const listing = ctx.sb.state.listing(ctx.params.sellerId, ctx.params.sku);
  if (!listing) throw fail(404, `no listing ${ctx.params.sku} for seller ${ctx.params.sellerId}`);
  return ok(listing);
}

async function putFbaInventory(ctx: Ctx): Promise<Reply> {
  const seller = sellerOf(ctx, ctx.params.sellerId);
  const { marketplaceId } = ctx.params;
  if (!seller.marketplaceIds.includes(marketplaceId))
    throw fail(400, `marketplace ${marketplaceId} is not one of seller ${seller.sellerId}'s`);
  const body = await ctx.jsonBody();
  if (!Array.isArray(body)) throw fail(400, 'body must be a list of {sellerSku, fulfillableQuantity, ...}');
  const inventory = ctx.sb.state.inventory(seller.sellerId, marketplaceId);
  const now = iso(ctx.sb.now());
  const next = new Map<string, FbaInventoryItem>();
  body.forEach((raw, i) => {
    if (!isObject(raw)) throw fail(400, `[${i}] must be an object`);
    const item: FbaInventoryItem = {
      sellerSku: text(raw.sellerSku, `[${i}].sellerSku`),
      ...(raw.asin ? { asin: String(raw.asin) } : {}),
      ...(raw.fnSku ? { fnSku: String(raw.fnSku) } : {}),
      ...(raw.productName ? { productName: String(raw.productName) } : {}),
      condition: raw.condition ?? 'NewItem',
      fulfillableQuantity: count(raw.fulfillableQuantity, `[${i}].fulfillableQuantity`),
      inboundWorkingQuantity: count(raw.inboundWorkingQuantity, `[${i}].inboundWorkingQuantity`, 0),
      inboundShippedQuantity: count(raw.inboundShippedQuantity, `[${i}].inboundShippedQuantity`, 0),
      inboundReceivingQuantity: count(raw.inboundReceivingQuantity, `[${i}].inboundReceivingQuantity`, 0),
      reservedQuantity: count(raw.reservedQuantity, `[${i}].reservedQuantity`, 0),
      unfulfillableQuantity: count(raw.unfulfillableQuantity, `[${i}].unfulfillableQuantity`, 0),
      researchingQuantity: count(raw.researchingQuantity, `[${i}].researchingQuantity`, 0),
      lastUpdatedTime: now,
    };
    const old = inventory.get(item.sellerSku);
    // Unchanged quantities keep their time: startDateTime filters on real changes only.
    if (old && JSON.stringify({ ...old, lastUpdatedTime: '' }) === JSON.stringify({ ...item, lastUpdatedTime: '' }))
      item.lastUpdatedTime = old.lastUpdatedTime;
    if (typeof raw.lastUpdatedTime === 'string') item.lastUpdatedTime = raw.lastUpdatedTime;
    next.set(item.sellerSku, item);
  });
  inventory.clear();
  next.forEach((v, k) => inventory.set(k, v));
  ctx.sb.changed();
  return ok({ sellerId: seller.sellerId, marketplaceId, items: [...next.values()] });
}

function feeds(ctx: Ctx): Reply {
  sellerOf(ctx, ctx.params.sellerId);
  const list = [...ctx.sb.state.feeds.values()].filter((f) => f.sellerId === ctx.params.sellerId);
  return ok(
    list.map((f) => ({
      feedId: f.feedId,
      feedType: f.feedType,
      marketplaceIds: f.marketplaceIds,
      createdTime: iso(f.createdTime),
      processingStatus: feedStatus(ctx.sb, f),
      messages: f.messages,
      inputFeedDocumentId: f.inputFeedDocumentId,
      resultFeedDocumentId: f.resultFeedDocumentId,
    })),
  );
}

async function putConfig(ctx: Ctx): Promise<Reply> {
  const body = await ctx.jsonBody();
  if (!isObject(body)) throw fail(400, 'body must be {rateLimits?, faults?, ...}');
  const { sb } = ctx;
  const next: SandboxConfig = { ...sb.config };
  try {
    if (body.rateLimits !== undefined) next.rateLimits = parseRateLimitMode(String(body.rateLimits));
    if (body.faults !== undefined) next.faults = validateFaults(body.faults);
    Object.assign(next, parseFinanceConfig(body));
  } catch (err) {
    throw fail(400, (err as Error).message);
  }
  for (const key of [
    'tokenLifetimeSeconds',
    'minBeforeLagSeconds',
    'feedQueueMs',
    'feedProcessingMs',
    'listingApplyDelayMs',
  ] as const) {
    if (body[key] !== undefined) next[key] = count(body[key], key);
  }
  if (next.rateLimits !== sb.config.rateLimits) sb.limiter.reset();
  sb.config = next;
  sb.limiter.mode = next.rateLimits;
  sb.faults.config = next.faults;
  return ok(sb.config);
}

function stats(ctx: Ctx): Reply {
  return ok({
    operations: Object.fromEntries(ctx.sb.stats),
    feeds: ctx.sb.feedStats,
    notifications: ctx.sb.notifications.statsByType(),
  });
}

/** `?kind=listing&kind=feed` (or `kind=listing,feed`): the kinds of scheduled work to wait for; all when absent. */
function scheduledKinds(ctx: Ctx): ScheduledKind[] | undefined {
  const kinds = ctx.query.list('kind');
  const unknown = kinds?.find((k) => !(SCHEDULED_KINDS as readonly string[]).includes(k));
  if (unknown)
    throw new HttpError(400, [{ code: 'InvalidInput', message: `kind ${unknown}: use ${SCHEDULED_KINDS.join(', ')}` }]);
  return kinds as ScheduledKind[] | undefined;
}

function clearStats(ctx: Ctx): Reply {
  ctx.sb.stats.clear();
  Object.assign(ctx.sb.feedStats, { created: 0, processed: 0, messages: 0 });
  ctx.sb.notifications.clearStats();
  return { status: 204 };
}

export const adminRoutes: Route[] = [
  { method: 'POST', path: '/_sandbox/sellers', kind: 'admin', handler: createSeller },
  {
    method: 'GET',
    path: '/_sandbox/sellers/{sellerId}',
    kind: 'admin',
    handler: (ctx) => ok(sellerOf(ctx, ctx.params.sellerId)),
  },
  { method: 'POST', path: '/_sandbox/sellers/{sellerId}/expire-tokens', kind: 'admin', handler: expireTokens },
  { method: 'POST', path: '/_sandbox/orders', kind: 'admin', handler: addOrders },
  { method: 'GET', path: '/_sandbox/orders/{orderId}', kind: 'admin', handler: (ctx) => ok(storedOrder(ctx).order) },
  { method: 'POST', path: '/_sandbox/orders/{orderId}/status', kind: 'admin', handler: setOrderStatus },
  { method: 'PUT', path: '/_sandbox/listings/{sellerId}/{sku}', kind: 'admin', handler: putListing },
  { method: 'GET', path: '/_sandbox/listings/{sellerId}/{sku}', kind: 'admin', handler: getListing },
  {
    method: 'PUT',
    path: '/_sandbox/fba-inventory/{sellerId}/{marketplaceId}',
    kind: 'admin',
    handler: putFbaInventory,
  },
  { method: 'GET', path: '/_sandbox/feeds/{sellerId}', kind: 'admin', handler: feeds },
  { method: 'GET', path: '/_sandbox/config', kind: 'admin', handler: (ctx) => ok(ctx.sb.config) },
  { method: 'PUT', path: '/_sandbox/config', kind: 'admin', handler: putConfig },
  { method: 'GET', path: '/_sandbox/stats', kind: 'admin', handler: stats },
  // Answers once every scheduled change has happened: tests wait on it instead of sleeping past the delays.
  {
    method: 'GET',
    path: '/_sandbox/settled',
    kind: 'admin',
    handler: async (ctx) => (await ctx.sb.settled(scheduledKinds(ctx)), { status: 204 }),
  },
  { method: 'DELETE', path: '/_sandbox/stats', kind: 'admin', handler: clearStats },
  { method: 'POST', path: '/_sandbox/reset', kind: 'admin', handler: (ctx) => (ctx.sb.reset(), { status: 204 }) },
];
