import { proxyActivities } from '@temporalio/workflow';
import type { FinanceSyncActivities } from '../activities/finance-sync';
import { addTotals, emptyTotals, type FinancePageTotals } from '../lib/finance-totals';
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
  const totals = emptyTotals();
  for (const window of windows) addTotals(totals, await syncFinanceWindow({ accountId: input.accountId, ...window }));
  const cursor = await finishFinanceSync({
    accountId: input.accountId,
    latestPostedAt: totals.latestPostedAt,
    read: totals.read,
  });
  return { ...totals, windows: windows.length, postedUntil: cursor.postedUntil };
}
