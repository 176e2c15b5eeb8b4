import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Db } from '../db';
import {
  advanceOrderCursor,
  deletePage,
  orderSyncStart,
  pageHeaders,
  recordSearchedOrders,
  saveOrderSnapshot,
  savePageHeaders,
  sweepStalePages,
} from '../book/order-sync';
import { purgeStaleSnapshots } from '../book/order-lifecycle';
import type { Logger } from '../lib/logger';
import { signalOrder } from '../lib/workflow-client';
import type { OrderHeader } from '../workflows/order-types';
import { heartbeating } from './heartbeat';
import { activityLogger } from './log';
import { asActivityFailure, SpApi } from './spapi/gateway';
import { orderHeader } from './spapi/order-mapping';
import { getOrder, OrderSearchWindow, searchOrders } from './spapi/orders';

/** orderSync's activities: one window of an account's updated orders, searched page by page and signalled. */

export type OrderSyncWindow = OrderSearchWindow;

export interface OrderSyncActivityDeps {
  db: Db;
  spapi: SpApi;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  /** Amazon requires lastUpdatedBefore ≥ 2 minutes before now. */
  searchLagMs?: number;
  overlapMs: number;
  /** Where an account with no cursor starts. */
  initialLookbackMs?: number;
  /** PII_RETENTION: the longest a snapshot of an order (buyer, recipient) is kept when its account sets none. */
  piiRetentionMs: number;
}

interface SearchPageInput {
  accountId: string;
  window: OrderSyncWindow;
  nextToken?: string;
  collectIds?: boolean;
}

interface SearchedPage {
  headers: OrderHeader[];
  /** The headers the book does not hold at their update time yet: the ones to signal. */
  fresh: OrderHeader[];
  nextToken?: string;
}

/** What a page reports to the orderSync history: counts, the next token, and the fresh ids only if asked. */
function pageSummary(page: SearchedPage, collectIds?: boolean) {
  return {
    found: page.headers.length,
    dispatched: page.fresh.length,
    pending: page.headers.filter((h) => h.amazonStatus.startsWith('PENDING')).length,
    nextToken: page.nextToken,
    orderIds: collectIds ? page.fresh.map((h) => h.amazonOrderId) : undefined,
  };
}

/** A page's row in order_sync_pages: the orderSync run that calls the activity, and the page's number in it. */
function pageKey(pageNo: number) {
  const run = Context.current().info.workflowExecution;
  if (!run)
    throw ApplicationFailure.create({
      type: 'InvalidInput',
      message: 'an order page activity runs only for an orderSync workflow',
      nonRetryable: true,
    });
  return { workflowId: run.workflowId, runId: run.runId, pageNo };
}

/** Signal-with-start of order workflows, at most this many in flight per page. */
const DISPATCH_CONCURRENCY = 16;
/** An order_sync_pages row this old belongs to a run that ended without dispatching it (planOrderSync sweeps it). */
const STALE_PAGE_MS = 7 * 86_400_000;

export function createOrderSyncActivities(deps: OrderSyncActivityDeps) {
  const { db, spapi, temporal, taskQueue } = deps;
  const dispatch = (accountId: string, header: OrderHeader) => signalOrder(temporal, { taskQueue, accountId, header });

  /** searchOrders with the window's parameters; each order's payload kept as a snapshot unless the book is up to date. */
  async function searchPage(input: SearchPageInput): Promise<SearchedPage> {
    const { accountId } = input;
    let page: Awaited<ReturnType<typeof searchOrders>>;
    try {
      page = await searchOrders(spapi, accountId, input.window, input.nextToken);
    } catch (err) {
      throw asActivityFailure(err);
    }
    const headers: OrderHeader[] = [];
    for (const o of page.orders) {
      try {
        headers.push(orderHeader(o));
      } catch (err) {
        activityLogger(deps.logger, { account: accountId }).warn(
          { amazonOrderId: o?.orderId, err: (err as Error).message },
          'order without a usable header',
        );
        // Signalled all the same: its workflow flags it with the reason, rather than it being skipped in silence.
        if (o?.orderId)
          headers.push({
            amazonOrderId: o.orderId,
            marketplaceId: '',
            channel: 'FBM',
            amazonStatus: 'UNKNOWN',
            lastUpdatedTime: new Date(0).toISOString(),
          });
      }
    }
    const payloads = new Map(page.orders.filter((o) => o?.orderId && o.lastUpdatedTime).map((o) => [o.orderId, o]));
    const freshIds = new Set(
      await recordSearchedOrders(db, {
        accountId,
        orders: headers.map((h) => ({
          amazonOrderId: h.amazonOrderId,
          lastUpdatedTime: payloads.get(h.amazonOrderId)?.lastUpdatedTime ?? h.lastUpdatedTime,
          payload: payloads.get(h.amazonOrderId),
        })),
      }),
    );
    return { headers, fresh: headers.filter((h) => freshIds.has(h.amazonOrderId)), nextToken: page.nextToken };
  }

  /** Signal-with-start of each header, DISPATCH_CONCURRENCY at a time, heartbeating per batch. */
  async function dispatchAll(accountId: string, headers: OrderHeader[]): Promise<void> {
    for (let i = 0; i < headers.length; i += DISPATCH_CONCURRENCY) {
      await Promise.all(headers.slice(i, i + DISPATCH_CONCURRENCY).map((h) => dispatch(accountId, h)));
      Context.current().heartbeat(i);
    }
  }

  const activities = {
    /** The search window: cursor − overlap (Amazon's lastUpdatedTime can lag its write) to now − lag. */
    async planOrderSync(input: { accountId: string; since?: string; until?: string }): Promise<OrderSyncWindow> {
      const account = await orderSyncStart(db, { accountId: input.accountId });
      const now = Date.now();
      await sweepStalePages(db, { olderThanMs: STALE_PAGE_MS });
      // Snapshots of orders never imported (flagged, pending) would otherwise keep the buyer's data forever.
      await purgeStaleSnapshots(db, { accountId: input.accountId, defaultRetentionMs: deps.piiRetentionMs });
      // Amazon requires *Before to be at least 2 minutes in the past, even for a backfill slice ending now.
      const latest = now - (deps.searchLagMs ?? 120_000);
      const before = input.until ? Math.min(Date.parse(input.until), latest) : latest;
      const after = input.since
        ? Date.parse(input.since)
        : account.orderCursor
          ? Date.parse(account.orderCursor) - deps.overlapMs
          : now - (deps.initialLookbackMs ?? 30 * 86_400_000);
      return {
        marketplaceIds: account.marketplaceIds,
        lastUpdatedAfter: new Date(Math.min(after, before - 1000)).toISOString(),
        lastUpdatedBefore: new Date(before).toISOString(),
      };
    },

    /**
     * One searchOrders page, searched and dispatched in one activity: the path of orderSync histories from before
     * 'pipelined-order-pages' (workflows/order-sync.ts), kept for them.
     */
    async syncOrdersPage(input: SearchPageInput) {
      const page = await searchPage(input);
      await dispatchAll(input.accountId, page.fresh);
      return pageSummary(page, input.collectIds);
    },

    /**
     * One searchOrders page: each order's payload kept as a snapshot, the fresh headers kept for dispatchOrdersPage
     * under (this run, pageNo). Only ids and counts go back into the orderSync history.
     */
    async searchOrdersPage(input: SearchPageInput & { pageNo: number }) {
      const page = await searchPage(input);
      if (page.fresh.length)
        await savePageHeaders(db, { ...pageKey(input.pageNo), accountId: input.accountId, headers: page.fresh });
      return pageSummary(page, input.collectIds);
    },

    /**
     * Signal-with-start of the orders searchOrdersPage kept for (this run, pageNo), then the page row goes. No row:
     * this is a retry of a dispatch that finished (signalling a header twice would be harmless too).
     */
    async dispatchOrdersPage(input: { accountId: string; pageNo: number }): Promise<{ dispatched: number }> {
      const key = pageKey(input.pageNo);
      const headers = await pageHeaders(db, key);
      if (!headers) return { dispatched: 0 };
      await dispatchAll(input.accountId, headers);
      await deletePage(db, key);
      return { dispatched: headers.length };
    },

    async advanceOrderCursor(input: { accountId: string; cursor: string }): Promise<void> {
      await advanceOrderCursor(db, input);
    },

    /** getOrder → signal: `connector orders resync` and operators fixing one order. */
    async resyncOrder(input: { accountId: string; amazonOrderId: string }): Promise<OrderHeader> {
      try {
        const order = await getOrder(spapi, input.accountId, input.amazonOrderId);
        const header = orderHeader(order);
        await saveOrderSnapshot(db, {
          accountId: input.accountId,
          order: { amazonOrderId: order.orderId, lastUpdatedTime: order.lastUpdatedTime, payload: order },
        });
        await dispatch(input.accountId, header);
        return header;
      } catch (err) {
        throw asActivityFailure(err);
      }
    },
  };
  // The page heartbeats while it waits for the rate limiter and Amazon: its retry policy has a short heartbeatTimeout.
  return {
    ...activities,
    syncOrdersPage: (input: Parameters<typeof activities.syncOrdersPage>[0]) =>
      heartbeating(() => activities.syncOrdersPage(input)),
    searchOrdersPage: (input: Parameters<typeof activities.searchOrdersPage>[0]) =>
      heartbeating(() => activities.searchOrdersPage(input)),
    dispatchOrdersPage: (input: Parameters<typeof activities.dispatchOrdersPage>[0]) =>
      heartbeating(() => activities.dispatchOrdersPage(input)),
  };
}

export type OrderSyncActivities = ReturnType<typeof createOrderSyncActivities>;
