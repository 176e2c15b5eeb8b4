import { patched, proxyActivities } from '@temporalio/workflow';
import type { OrderSyncActivities, OrderSyncWindow } from '../activities/order-sync';
import { BOOK_WRITE, ORDER_PAGES } from './retry-policies';

export interface OrderSyncInput {
  accountId: string;
  /** ISO: search from here instead of the cursor (backfill, `sync orders --since`). */
  since?: string;
  until?: string;
  /** Move the account's cursor when done (schedule runs); backfill slices leave it. */
  advanceCursor?: boolean;
  /** Return the dispatched order ids (for `sync orders --wait`). */
  collectIds?: boolean;
}

export interface OrderSyncResult {
  window: { lastUpdatedAfter: string; lastUpdatedBefore: string; marketplaceIds: string[] };
  pages: number;
  /** Orders Amazon reported in the window. */
  found: number;
  /** Of those, the ones signalled (the rest the book already held at that update time). */
  dispatched: number;
  pending: number;
  orderIds?: string[];
}

type PageSummary = Pick<OrderSyncResult, 'found' | 'dispatched' | 'pending' | 'orderIds'>;

/** Pages whose orders are being signalled while the next page is searched: bounds the signal-with-starts in flight. */
const PAGE_DISPATCHES_IN_FLIGHT = 2;

const { planOrderSync, advanceOrderCursor } = proxyActivities<OrderSyncActivities>(BOOK_WRITE);
const { searchOrdersPage, dispatchOrdersPage, syncOrdersPage } = proxyActivities<OrderSyncActivities>(ORDER_PAGES);

/** One pass over an account's orders updated in a window: every order signalled to its own workflow, then the cursor. */
export async function orderSync(input: OrderSyncInput): Promise<OrderSyncResult> {
  const window = await planOrderSync({ accountId: input.accountId, since: input.since, until: input.until });
  const result: OrderSyncResult = {
    window,
    pages: 0,
    found: 0,
    dispatched: 0,
    pending: 0,
    ...(input.collectIds ? { orderIds: [] } : {}),
  };
  if (window.marketplaceIds.length === 0) return result;
  if (patched('pipelined-order-pages')) await pipelinedPages(input, window, result);
  else await pageByPage(input, window, result);
  if (input.advanceCursor !== false)
    await advanceOrderCursor({ accountId: input.accountId, cursor: window.lastUpdatedBefore });
  return result;
}

function count(result: OrderSyncResult, page: PageSummary): void {
  result.pages++;
  result.found += page.found;
  result.dispatched += page.dispatched;
  result.pending += page.pending;
  if (page.orderIds) result.orderIds!.push(...page.orderIds);
}

/**
 * Page N+1 is searched (waiting in the rate limiter for its token) while page N's orders are signalled: the engine's
 * signal-with-starts stay out of the searchOrders pace. Headers pass between the two activities in PostgreSQL.
 */
async function pipelinedPages(input: OrderSyncInput, window: OrderSyncWindow, result: OrderSyncResult): Promise<void> {
  const dispatching: Array<Promise<unknown>> = [];
  let nextToken: string | undefined;
  let pageNo = 0;
  do {
    const page = await searchOrdersPage({
      accountId: input.accountId,
      window,
      nextToken,
      pageNo,
      collectIds: input.collectIds,
    });
    count(result, page);
    if (page.dispatched > 0) {
      if (dispatching.length >= PAGE_DISPATCHES_IN_FLIGHT) await dispatching.shift();
      const dispatched = dispatchOrdersPage({ accountId: input.accountId, pageNo });
      dispatched.catch(() => undefined); // awaited below; until then a failure must not count as unhandled
      dispatching.push(dispatched);
    }
    nextToken = page.nextToken;
    pageNo++;
  } while (nextToken);
  for (const dispatched of dispatching) await dispatched;
}

/** Before 'pipelined-order-pages': one activity per page searched and dispatched it, the next page waited for both. */
async function pageByPage(input: OrderSyncInput, window: OrderSyncWindow, result: OrderSyncResult): Promise<void> {
  let nextToken: string | undefined;
  do {
    const page = await syncOrdersPage({
      accountId: input.accountId,
      window,
      nextToken,
      collectIds: input.collectIds,
    });
    count(result, page);
    nextToken = page.nextToken;
  } while (nextToken);
}
