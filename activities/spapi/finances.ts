import type { SpApi } from './gateway';

/** Finances 2024-06-19 listTransactions: one page (100 transactions, oldest postedDate first). */

export const LIST_TRANSACTIONS = 'listTransactions';
/** Amazon answers nothing for a window longer than 180 days: longer reads are split (planFinanceWindows). */
export const MAX_WINDOW_MS = 179 * 86_400_000;

export interface TransactionsQuery {
  postedAfter: string;
  /** Left out for the window that ends now: Amazon then takes 2 minutes before the request, by its own clock. */
  postedBefore?: string;
  nextToken?: string;
}

export async function transactionsPage(
  spapi: SpApi,
  accountId: string,
  query: TransactionsQuery,
): Promise<{ transactions: unknown[]; nextToken?: string }> {
  const res = await spapi.call<{ payload?: { transactions?: unknown[]; nextToken?: string } }>(accountId, {
    operation: LIST_TRANSACTIONS,
    endpoint: 'finances',
    version: '2024-06-19',
    // A nextToken holds only with the arguments that produced it: they are sent again with it.
    query: {
      postedAfter: query.postedAfter,
      ...(query.postedBefore ? { postedBefore: query.postedBefore } : {}),
      ...(query.nextToken ? { nextToken: query.nextToken } : {}),
    },
  });
  return { transactions: res.payload?.transactions ?? [], nextToken: res.payload?.nextToken || undefined };
}

/**
 * The windows a sync reads, from `from` to now: each at most 180 days (Amazon's limit), the last one open-ended.
 */
export function planFinanceWindows(from: number, now: number): Array<{ postedAfter: string; postedBefore?: string }> {
  const windows: Array<{ postedAfter: string; postedBefore?: string }> = [];
  let start = from;
  while (now - start > MAX_WINDOW_MS) {
    windows.push({
      postedAfter: new Date(start).toISOString(),
      postedBefore: new Date(start + MAX_WINDOW_MS).toISOString(),
    });
    start += MAX_WINDOW_MS;
  }
  windows.push({ postedAfter: new Date(start).toISOString() });
  return windows;
}
