import type { Client } from '@temporalio/client';
import type { Db } from '../db';
import {
  checkOrderChange,
  checkTransactionUpdate,
  Checked,
  NotificationEnvelope,
  orderChangeHeader,
} from '../activities/spapi/order-change';
import { orderAmazonUpdatedAt } from '../book/notifications';
import { requestFinanceSync, signalOrder } from '../lib/workflow-client';
import { scheduleId } from '../workflows/ids';
import { isPending } from '../workflows/order-types';
import { GetOrderBacklog } from './notification-quota';

/**
 * What the consumer does with each notification type: check the message, name its seller, handle it. The consumer
 * routes by NotificationType through a map of these (workers/notification-consumer.ts); a type with no handler is set
 * aside as unsupported.
 */
export interface NotificationHandler {
  check(message: unknown): Checked<NotificationEnvelope>;
  sellerId(envelope: NotificationEnvelope): string | undefined;
  handle(
    accountId: string,
    envelope: NotificationEnvelope,
  ): Promise<
    { ok: true; outcome: 'signalled' | 'stale' | 'left_to_search'; subject?: string } | { ok: false; reason: string }
  >;
}

/** Amazon's rule: a search ends at least 2 minutes before now, so an order changed at t is seen by a search from t + 2 min. */
export const SEARCH_LAG_MS = 120_000;

/** The first scheduled search that sees a change made at `changedAt`, in ms from `now`; undefined when none is known. */
export function nextCarryingSearchInMs(
  searchTimes: number[] | undefined,
  changedAt: number,
  now: number,
  searchLagMs = SEARCH_LAG_MS,
) {
  // Not one already past: the schedule's times are cached a minute.
  const carrying = searchTimes?.find((t) => t >= changedAt + searchLagMs && t > now);
  return carrying === undefined ? undefined : carrying - now;
}

export function orderChangeHandler(deps: {
  db: Db;
  temporal: Client;
  taskQueue: string;
  nextSearchAt?: (accountId: string) => Promise<number[] | undefined>;
  rateSpeedup?: number;
  /** Amazon's search lag (orderSync's); only a time-scaled benchmark shortens it. */
  searchLagMs?: number;
  now?: () => number;
}): NotificationHandler {
  const backlog = new GetOrderBacklog({ speedup: deps.rateSpeedup });
  const now = deps.now ?? Date.now;
  return {
    check: checkOrderChange,
    sellerId: (e) => e.Payload.OrderChangeNotification?.SellerId,
    async handle(accountId, envelope) {
      const header = orderChangeHeader(envelope);
      if (!header.ok) return header;
      const h = header.value;
      // The book already holds this update or a newer one (a late, reordered or replayed message): nothing to do.
      const bookTime = await orderAmazonUpdatedAt(deps.db, { accountId, amazonOrderId: h.amazonOrderId });
      if (bookTime && Date.parse(bookTime) >= Date.parse(h.lastUpdatedTime))
        return { ok: true, outcome: 'stale', subject: h.amazonOrderId };
      // A pending order's workflow waits without reading it; any other status costs a getOrder in the import.
      if (!isPending(h.amazonStatus)) {
        const searches = await deps.nextSearchAt?.(accountId);
        const inMs = nextCarryingSearchInMs(searches, Date.parse(h.lastUpdatedTime), now(), deps.searchLagMs);
        if (backlog.decide(accountId, now(), inMs) === 'leave_to_search')
          return { ok: true, outcome: 'left_to_search', subject: h.amazonOrderId };
      }
      // The same signal-with-start as orderSync's dispatch (lib/workflow-client.ts): a header, no buyer data.
      await signalOrder(deps.temporal, { taskQueue: deps.taskQueue, accountId, header: h });
      return { ok: true, outcome: 'signalled', subject: h.amazonOrderId };
    },
  };
}

/**
 * TRANSACTION_UPDATE: the account's financeSync, debounced (one run per window, started at its end, reading from the
 * account's cursor), so a burst of Amazon's updates costs one listTransactions pass. The message names no transaction
 * we could fetch alone; the sync's overlap and cursor find it.
 */
export function transactionUpdateHandler(deps: {
  temporal: Client;
  taskQueue: string;
  windowMs?: number;
  /** listTransactions shows only what was posted over 2 minutes before the request (Amazon's rule; tests shorten it). */
  readLagMs?: number;
}): NotificationHandler {
  return {
    check: checkTransactionUpdate,
    sellerId: (e) => e.Payload.TransactionUpdateNotification?.SellingPartnerMetadata?.SellingPartnerId,
    async handle(accountId, envelope) {
      const posted: string | undefined = envelope.Payload.TransactionUpdateNotification?.PostedDate;
      // A posted date ahead of our clock is clock skew (Amazon published it, so it has posted it): count from now.
      const postedAt = Math.min(
        posted && !Number.isNaN(Date.parse(posted)) ? Date.parse(posted) : Infinity,
        Date.now(),
      );
      const { workflowId } = await requestFinanceSync(deps.temporal, {
        accountId,
        taskQueue: deps.taskQueue,
        reason: 'transaction-update',
        windowMs: deps.windowMs,
        notBefore: postedAt + (deps.readLagMs ?? SEARCH_LAG_MS),
      });
      return { ok: true, outcome: 'signalled', subject: `${workflowId}${posted ? ` (posted ${posted})` : ''}` };
    },
  };
}

/** The next run times of the account's orderSync schedule (cached a minute); undefined if it has none or is paused. */
export function scheduledSearches(client: Client, cacheMs = 60_000) {
  const cache = new Map<string, { at: number; times: number[] | undefined }>();
  return async (accountId: string): Promise<number[] | undefined> => {
    const hit = cache.get(accountId);
    if (hit && Date.now() - hit.at < cacheMs) return hit.times;
    let times: number[] | undefined;
    try {
      const d = await client.schedule.getHandle(scheduleId('order-sync', accountId)).describe();
      times = d.state.paused ? undefined : d.info.nextActionTimes.map((t) => t.getTime());
    } catch {
      times = undefined; // no schedule (tests, a CLI-only set-up): every notified order is signalled
    }
    cache.set(accountId, { at: Date.now(), times });
    return times;
  };
}
