import { proxyActivities } from '@temporalio/workflow';
import type { FinancePageTotals, FinanceSyncActivities } from '../activities/finance-sync';
import { AMAZON_PAGING, BOOK_WRITE } from './retry-policies';

export interface FinanceSyncInput {
  accountId: string;
  /** Read from here instead of the cursor (`connector finances sync --since`). */
  since?: string;
  reason?: 'schedule' | 'manual' | 'transaction-update';
}

export type FinanceSyncResult = FinancePageTotals & { windows: number; postedUntil: string | null };

const { planFinanceSync, finishFinanceSync } = proxyActivities<FinanceSyncActivities>(BOOK_WRITE);
const { syncFinanceWindow } = proxyActivities<FinanceSyncActivities>(AMAZON_PAGING);

/**
 * Amazon's Finances transactions of one account → the book: pages listTransactions from the cursor (minus an overlap),
 * stores each transaction by its id, reconciles the payouts and orders they touch, then advances the cursor.
 */
export async function financeSync(input: FinanceSyncInput): Promise<FinanceSyncResult> {
  const { windows } = await planFinanceSync({ accountId: input.accountId, since: input.since });
  const totals: FinancePageTotals = {
    pages: 0,
    read: 0,
    inserted: 0,
    updated: 0,
    unchanged: 0,
    events: 0,
    latestPostedAt: null,
  };
  for (const window of windows) {
    const got = await syncFinanceWindow({ accountId: input.accountId, ...window });
    totals.pages += got.pages;
    totals.read += got.read;
    totals.inserted += got.inserted;
    totals.updated += got.updated;
    totals.unchanged += got.unchanged;
    totals.events += got.events;
    if (got.latestPostedAt && (!totals.latestPostedAt || got.latestPostedAt > totals.latestPostedAt))
      totals.latestPostedAt = got.latestPostedAt;
  }
  const cursor = await finishFinanceSync({
    accountId: input.accountId,
    latestPostedAt: totals.latestPostedAt,
    read: totals.read,
  });
  return { ...totals, windows: windows.length, postedUntil: cursor.postedUntil };
}
