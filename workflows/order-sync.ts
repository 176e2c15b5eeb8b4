import { proxyActivities } from '@temporalio/workflow';
import type { createDispatchActivities } from '../activities/dispatch';
import { ORDER_PAGING_ACTIVITY_OPTIONS, ORDER_ACTIVITY_OPTIONS } from './retry-policies';

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

const plan = proxyActivities<ReturnType<typeof createDispatchActivities>>(ORDER_ACTIVITY_OPTIONS);
const paging = proxyActivities<ReturnType<typeof createDispatchActivities>>(ORDER_PAGING_ACTIVITY_OPTIONS);

/** One pass over an account's orders updated in a window: every order signalled to its own workflow, then the cursor. */
export async function orderSync(input: OrderSyncInput): Promise<OrderSyncResult> {
  const window = await plan.planOrderSync({ accountId: input.accountId, since: input.since, until: input.until });
  const result: OrderSyncResult = {
    window,
    pages: 0,
    found: 0,
    dispatched: 0,
    pending: 0,
    ...(input.collectIds ? { orderIds: [] } : {}),
  };
  if (window.marketplaceIds.length === 0) return result;
  let nextToken: string | undefined;
  do {
    const page = await paging.syncOrdersPage({
      accountId: input.accountId,
      window,
      nextToken,
      collectIds: input.collectIds,
    });
    result.pages++;
    result.found += page.found;
    result.dispatched += page.dispatched;
    result.pending += page.pending;
    if (page.orderIds) result.orderIds!.push(...page.orderIds);
    nextToken = page.nextToken;
  } while (nextToken);
  if (input.advanceCursor !== false)
    await plan.advanceOrderCursor({ accountId: input.accountId, cursor: window.lastUpdatedBefore });
  return result;
}
