import { ApplicationFailure, Context } from '@temporalio/activity';
import type { Client } from '@temporalio/client';
import type { Db } from '../db';
import type { Logger } from '../lib/logger';
import { activityLogger } from './log';
import { orderWorkflowId } from '../workflows/ids';
import type { OrderHeader } from '../workflows/order-types';
import { amazonUpdate, order } from '../workflows/order';
import {
  AMAZON_ORDER_ID,
  FULFILLMENT_CHANNEL,
  MARKETPLACE_ID,
  ORDER_STATE,
  SELLER_ACCOUNT,
} from '../workflows/search-attributes';
import { enabledMarketplaces } from '../book/marketplaces';
import { heartbeating } from './heartbeat';
import { asActivityFailure, SpApi } from './spapi/gateway';
import { orderHeader } from './spapi/order-mapping';
import type { Order } from './spapi/orders-2026-types';
import { ORDER_INCLUDED_DATA } from '../lib/amazon-facts';

export interface OrderSyncWindow {
  marketplaceIds: string[];
  lastUpdatedAfter: string;
  lastUpdatedBefore: string;
}

export interface DispatchDeps {
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
  return { workflow_id: run.workflowId, run_id: run.runId, page_no: pageNo };
}

/** Signal-with-start of order workflows, at most this many in flight per page. */
const DISPATCH_CONCURRENCY = 16;
/** An order_sync_pages row this old belongs to a run that ended without dispatching it (planOrderSync sweeps it). */
const STALE_PAGE_MS = 7 * 86_400_000;

export function createDispatchActivities(deps: DispatchDeps) {
  const { db, spapi, temporal, taskQueue } = deps;

  async function dispatch(accountId: string, header: OrderHeader): Promise<void> {
    await temporal.workflow.signalWithStart(order, {
      workflowId: orderWorkflowId(accountId, header.amazonOrderId),
      taskQueue,
      args: [{ accountId, header }],
      signal: amazonUpdate,
      signalArgs: [header],
      typedSearchAttributes: [
        { key: AMAZON_ORDER_ID, value: header.amazonOrderId },
        { key: SELLER_ACCOUNT, value: accountId },
        { key: MARKETPLACE_ID, value: header.marketplaceId },
        { key: FULFILLMENT_CHANNEL, value: header.channel },
        { key: ORDER_STATE, value: 'new' },
      ],
    });
  }

  /** searchOrders with the window's parameters; each order's payload stored as a snapshot unless the book is up to date. */
  async function searchPage(input: SearchPageInput): Promise<SearchedPage> {
    const { accountId, window } = input;
    let page: { orders: Order[]; pagination?: { nextToken?: string } };
    try {
      page = await spapi.call(accountId, {
        operation: 'searchOrders',
        endpoint: 'orders',
        // Amazon: a page token must come with the same parameters as the first request (bar page size, includedData).
        query: {
          marketplaceIds: window.marketplaceIds,
          lastUpdatedAfter: window.lastUpdatedAfter,
          lastUpdatedBefore: window.lastUpdatedBefore,
          includedData: ORDER_INCLUDED_DATA,
          maxResultsPerPage: 100,
          ...(input.nextToken ? { paginationToken: input.nextToken } : {}),
        },
      });
    } catch (err) {
      throw asActivityFailure(err);
    }
    const headers: OrderHeader[] = [];
    for (const o of page.orders ?? []) {
      try {
        headers.push(orderHeader(o));
      } catch (err) {
        activityLogger(deps.logger, { account: accountId }).warn(
          { amazonOrderId: o?.orderId, err: (err as Error).message },
          'order without a usable header',
        );
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
    // Orders the book already holds at this update time need nothing: a repeated window costs one query per page.
    const known = await db('sale_orders')
      .where({ account_id: accountId })
      .whereIn(
        'amazon_order_id',
        headers.map((h) => h.amazonOrderId),
      )
      .whereNotNull('amazon_updated_at')
      .select('amazon_order_id', 'amazon_updated_at');
    const upToDate = new Set(
      known
        .filter((k) =>
          headers.some(
            (h) =>
              h.amazonOrderId === k.amazon_order_id &&
              Date.parse(h.lastUpdatedTime) <= new Date(k.amazon_updated_at).getTime(),
          ),
        )
        .map((k) => k.amazon_order_id as string),
    );
    const fresh = headers.filter((h) => !upToDate.has(h.amazonOrderId));
    const snapshots = (page.orders ?? [])
      .filter((o) => o?.orderId && o.lastUpdatedTime && !upToDate.has(o.orderId))
      .map((o) => ({
        account_id: accountId,
        amazon_order_id: o.orderId,
        last_updated_time: o.lastUpdatedTime,
        payload: JSON.stringify(o),
      }));
    if (snapshots.length) {
      await db.raw(
        `? ON CONFLICT (account_id, amazon_order_id) DO UPDATE SET payload = EXCLUDED.payload, last_updated_time = EXCLUDED.last_updated_time
         WHERE amazon_order_snapshots.last_updated_time <= EXCLUDED.last_updated_time`,
        [db('amazon_order_snapshots').insert(snapshots)],
      );
    }
    return { headers, fresh, nextToken: page.pagination?.nextToken };
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
      const account = await db('seller_accounts').where({ id: input.accountId }).first('order_cursor', 'enabled');
      if (!account) throw asActivityFailure(new Error(`unknown account ${input.accountId}`));
      const now = Date.now();
      // Pages a terminated or failed run never dispatched; a live run's dispatch takes seconds, or retries for hours.
      await db('order_sync_pages')
        .where('created_at', '<', new Date(now - STALE_PAGE_MS))
        .delete();
      // Amazon requires *Before to be at least 2 minutes in the past, even for a backfill slice ending now.
      const latest = now - (deps.searchLagMs ?? 120_000);
      const before = input.until ? Math.min(Date.parse(input.until), latest) : latest;
      const after = input.since
        ? Date.parse(input.since)
        : account.order_cursor
          ? new Date(account.order_cursor).getTime() - deps.overlapMs
          : now - (deps.initialLookbackMs ?? 30 * 86_400_000);
      return {
        marketplaceIds: account.enabled ? (await enabledMarketplaces(db, input.accountId)).map((m) => m.id) : [],
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
     * One searchOrders page: each order's payload stored as a snapshot, the fresh headers stored for
     * dispatchOrdersPage under (this run, pageNo). Only ids and counts go back into the orderSync history.
     */
    async searchOrdersPage(input: SearchPageInput & { pageNo: number }) {
      const page = await searchPage(input);
      if (page.fresh.length) {
        // A retried search rewrites its page: the same token gives the same orders, at their newest update.
        await db('order_sync_pages')
          .insert({
            ...pageKey(input.pageNo),
            account_id: input.accountId,
            headers: JSON.stringify(page.fresh),
          })
          .onConflict(['workflow_id', 'run_id', 'page_no'])
          .merge(['headers']);
      }
      return pageSummary(page, input.collectIds);
    },

    /**
     * Signal-with-start of the orders searchOrdersPage stored for (this run, pageNo), then the page row goes. No row:
     * this is a retry of a dispatch that finished (signalling a header twice would be harmless too).
     */
    async dispatchOrdersPage(input: { accountId: string; pageNo: number }): Promise<{ dispatched: number }> {
      const key = pageKey(input.pageNo);
      const row = await db('order_sync_pages').where(key).first('headers');
      if (!row) return { dispatched: 0 };
      const headers = row.headers as OrderHeader[];
      await dispatchAll(input.accountId, headers);
      await db('order_sync_pages').where(key).delete();
      return { dispatched: headers.length };
    },

    async advanceOrderCursor(input: { accountId: string; cursor: string }): Promise<void> {
      // Never backwards: a backfill or a late run must not rewind the schedule's progress.
      await db('seller_accounts')
        .where({ id: input.accountId })
        .andWhere((q) => q.whereNull('order_cursor').orWhere('order_cursor', '<', input.cursor))
        .update({ order_cursor: input.cursor, updated_at: db.fn.now() });
    },

    /** getOrder → signal: `connector orders resync` and operators fixing one order. */
    async resyncOrder(input: { accountId: string; amazonOrderId: string }): Promise<OrderHeader> {
      try {
        const { order: o } = await spapi.call<{ order: Order }>(input.accountId, {
          operation: 'getOrder',
          endpoint: 'orders',
          path: { orderId: input.amazonOrderId },
          query: { includedData: ORDER_INCLUDED_DATA },
        });
        const header = orderHeader(o);
        await db('amazon_order_snapshots')
          .insert({
            account_id: input.accountId,
            amazon_order_id: o.orderId,
            last_updated_time: o.lastUpdatedTime,
            payload: JSON.stringify(o),
          })
          .onConflict(['account_id', 'amazon_order_id'])
          .merge();
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
