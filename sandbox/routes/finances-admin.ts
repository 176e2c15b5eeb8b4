import type { Ctx, Route } from '../context';
import { places } from '../finances/amounts';
import {
  advanceFinances,
  establishmentOf,
  financeClock,
  RefundError,
  refundOrder,
  setMismatch,
} from '../finances/service';
import { HttpError, iso, ok, parseIsoTime, Reply } from '../http';

/**
 * The admin API of Finances, under /_sandbox/: refund an order, inject a mismatch between an order's charges and its
 * proceeds, set where a seller is established (for the VAT Amazon collects), and read the ledger as it is, lag or not.
 * The finance durations are in PUT /_sandbox/config (financeLag, financeDeferral, financeSettlement,
 * financeTimeScale).
 */

const isObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);
const fail = (status: number, message: string) => new HttpError(status, [{ code: 'AdminError', message }]);

function rethrow(err: unknown): never {
  if (err instanceof RefundError) throw fail(err.status, err.message);
  throw err;
}

function sellerOf(ctx: Ctx): string {
  const { sellerId } = ctx.params;
  if (!ctx.sb.state.sellers.has(sellerId))
    throw fail(404, `no seller ${sellerId}: create it with POST /_sandbox/sellers`);
  return sellerId;
}

/** POST /_sandbox/orders/{orderId}/refund {items?: [{orderItemId, quantity}], reason?, at?} */
async function refund(ctx: Ctx): Promise<Reply> {
  const body = (await ctx.jsonBody()) ?? {};
  if (!isObject(body)) throw fail(400, 'body must be {items?: [{orderItemId, quantity}], reason?, at?}');
  if (body.items !== undefined && (!Array.isArray(body.items) || body.items.length === 0))
    throw fail(400, 'items must list at least one {orderItemId, quantity}, or be left out to refund everything');
  const items = body.items?.map((raw: unknown, i: number) => {
    if (!isObject(raw) || typeof raw.orderItemId !== 'string' || raw.orderItemId === '')
      throw fail(400, `items[${i}].orderItemId is required`);
    if (!Number.isInteger(raw.quantity) || raw.quantity < 1)
      throw fail(400, `items[${i}].quantity must be a positive integer`);
    return { orderItemId: raw.orderItemId, quantity: raw.quantity as number };
  });
  if (body.reason !== undefined && typeof body.reason !== 'string') throw fail(400, 'reason must be a string');
  const now = ctx.sb.now();
  const at = body.at === undefined ? now : parseIsoTime(body.at);
  if (at === undefined) throw fail(400, `at ${body.at} is not an ISO 8601 date-time`);
  if (at > now) throw fail(400, `at ${body.at} is in the future: a refund is posted when it is made`);
  try {
    const stored = refundOrder(ctx.sb, ctx.params.orderId, items, { reason: body.reason, at });
    return ok({ reason: stored.reason, transaction: stored.transaction }, 201);
  } catch (err) {
    rethrow(err);
  }
}

/** PUT /_sandbox/orders/{orderId}/finance-mismatch {amount: "-0.50"} */
async function mismatch(ctx: Ctx): Promise<Reply> {
  const body = await ctx.jsonBody();
  const amount = isObject(body) ? body.amount : undefined;
  if (typeof amount !== 'string' || !/^-?\d+(\.\d{1,2})?$/.test(amount))
    throw fail(400, 'amount is required: a decimal string such as "-0.50" ("0" clears the mismatch)');
  try {
    setMismatch(ctx.sb, ctx.params.orderId, amount);
  } catch (err) {
    rethrow(err);
  }
  return ok({ orderId: ctx.params.orderId, amount });
}

/** PUT /_sandbox/finances/{sellerId}/establishment {country: "CN"} */
async function setEstablishment(ctx: Ctx): Promise<Reply> {
  const sellerId = sellerOf(ctx);
  const body = await ctx.jsonBody();
  const country = isObject(body) ? body.country : undefined;
  if (typeof country !== 'string' || !/^[A-Z]{2}$/.test(country))
    throw fail(400, 'country is required: the ISO 3166 code of where the seller is established, like "DE" or "CN"');
  ctx.sb.state.finances.establishedIn.set(sellerId, country);
  ctx.sb.changed();
  return ok({ sellerId, country });
}

/** GET /_sandbox/finances/{sellerId}/transactions: every transaction, with when listTransactions starts to show it. */
function transactions(ctx: Ctx): Reply {
  const sellerId = sellerOf(ctx);
  advanceFinances(ctx.sb);
  const ledger = ctx.sb.state.finances;
  const lagMs = financeClock(ctx.sb).lagMs;
  return ok({
    establishedIn: establishmentOf(ctx.sb, sellerId),
    transactions: ledger.sellerTransactions(sellerId).map((id) => {
      const t = ledger.transactions.get(id)!;
      return {
        visibleAt: iso(t.postedAt + lagMs),
        ...(t.reason ? { reason: t.reason } : {}),
        transaction: t.transaction,
      };
    }),
  });
}

/** GET /_sandbox/finances/{sellerId}/groups: the settlement groups, their balance and transfer. */
function groups(ctx: Ctx): Reply {
  const sellerId = sellerOf(ctx);
  advanceFinances(ctx.sb);
  const ledger = ctx.sb.state.finances;
  return ok(
    ledger.sellerGroups(sellerId).map((g) => ({
      groupId: g.groupId,
      settlementId: g.settlementId,
      marketplaceId: g.marketplaceId,
      currency: g.currency,
      start: iso(g.start),
      end: iso(g.end),
      closed: g.closed,
      transactionCount: g.transactionIds.length - (g.transferId ? 1 : 0),
      balance: ledger.balance(g).toFixed(places(g.currency)),
      ...(g.transferId ? { transferTransactionId: g.transferId } : {}),
    })),
  );
}

export const financeAdminRoutes: Route[] = [
  { method: 'POST', path: '/_sandbox/orders/{orderId}/refund', kind: 'admin', handler: refund },
  { method: 'PUT', path: '/_sandbox/orders/{orderId}/finance-mismatch', kind: 'admin', handler: mismatch },
  { method: 'PUT', path: '/_sandbox/finances/{sellerId}/establishment', kind: 'admin', handler: setEstablishment },
  { method: 'GET', path: '/_sandbox/finances/{sellerId}/transactions', kind: 'admin', handler: transactions },
  { method: 'GET', path: '/_sandbox/finances/{sellerId}/groups', kind: 'admin', handler: groups },
];
