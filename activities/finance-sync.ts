import { Context } from '@temporalio/activity';
import type { Db } from '../db';
import { advanceFinanceCursor, financeCursor, storeTransactions } from '../book/finances';
import type { Logger } from '../lib/logger';
import { activityLogger } from './log';
import { mapTransaction } from './spapi/finance-mapping';
import { planFinanceWindows, transactionsPage, TransactionsQuery } from './spapi/finances';
import { asActivityFailure, SpApi } from './spapi/gateway';
import { addTotals, emptyTotals, FinancePageTotals } from '../lib/finance-totals';

/** financeSync's activities: Amazon's Finances transactions → the book, from the account's cursor. */

export interface FinanceSyncActivityDeps {
  db: Db;
  spapi: SpApi;
  logger: Logger;
  /** Read again before the cursor: Amazon's financial events may lag (48 hours, it says). */
  overlapMs: number;
  /** A first sync without --since reads this far back. */
  lookbackMs: number;
  now?: () => number;
}

/**
 * Every page of a window from `nextToken` on, each stored before `onStored` is told the next page's token. The next
 * page is read while the current one is stored: under a time-scaled plan the store would otherwise eat into the
 * interval between two calls (on Amazon's 2 s it hardly matters).
 */
export async function pageTransactions(
  deps: { db: Db; spapi: SpApi },
  input: { accountId: string; postedAfter: string; postedBefore?: string },
  nextToken: string | undefined,
  totals: FinancePageTotals,
  onStored: (nextToken: string | undefined) => void,
): Promise<FinancePageTotals> {
  const read = (token?: string) => {
    const query: TransactionsQuery = { ...input, nextToken: token };
    const p = transactionsPage(deps.spapi, input.accountId, query);
    p.catch(() => {}); // awaited below; a store failing first must not leave it unhandled
    return p;
  };
  let pending: ReturnType<typeof read> | undefined = read(nextToken);
  while (pending) {
    const page: { transactions: unknown[]; nextToken?: string } = await pending;
    pending = page.nextToken ? read(page.nextToken) : undefined;
    const stored = await storeTransactions(deps.db, {
      accountId: input.accountId,
      transactions: page.transactions.map(mapTransaction),
    });
    addTotals(totals, { ...stored, pages: 1, read: page.transactions.length });
    onStored(page.nextToken);
  }
  return totals;
}

export function createFinanceSyncActivities(deps: FinanceSyncActivityDeps) {
  const { db, spapi } = deps;
  const now = deps.now ?? Date.now;
  return {
    /**
     * Where to read from: `since` when given; else the cursor minus the overlap, and no later than the oldest
     * transaction still DEFERRED (its release keeps its postedDate, so only a read from there sees it released).
     */
    async planFinanceSync(input: { accountId: string; since?: string }) {
      const cursor = await financeCursor(db, { accountId: input.accountId });
      let from: number;
      if (input.since) from = Date.parse(input.since);
      else if (cursor.postedUntil) from = Date.parse(cursor.postedUntil) - deps.overlapMs;
      else from = now() - deps.lookbackMs;
      if (!input.since && cursor.oldestDeferred) from = Math.min(from, Date.parse(cursor.oldestDeferred));
      return { windows: planFinanceWindows(from, now()) };
    },

    /**
     * Every page of one window, stored page by page (idempotent). The heartbeat carries the next page's token, so a
     * retried attempt resumes where the last stored page ended instead of reading the window again.
     */
    async syncFinanceWindow(input: {
      accountId: string;
      postedAfter: string;
      postedBefore?: string;
    }): Promise<FinancePageTotals> {
      const resumed = Context.current().info.heartbeatDetails as
        { nextToken?: string; totals: FinancePageTotals } | undefined;
      const totals: FinancePageTotals = resumed?.totals ?? emptyTotals();
      if (resumed && !resumed.nextToken) return totals; // the last page was stored before the attempt ended
      try {
        await pageTransactions({ db, spapi }, input, resumed?.nextToken, totals, (nextToken) =>
          Context.current().heartbeat({ nextToken, totals }),
        );
      } catch (err) {
        throw asActivityFailure(err);
      }
      return totals;
    },

    async finishFinanceSync(input: { accountId: string; latestPostedAt: string | null; read: number }) {
      const cursor = await advanceFinanceCursor(db, {
        accountId: input.accountId,
        postedUntil: input.latestPostedAt,
        transactions: input.read,
      });
      activityLogger(deps.logger, { account: input.accountId }).info(
        { read: input.read, postedUntil: cursor.postedUntil },
        'finance sync done',
      );
      return cursor;
    },
  };
}

export type FinanceSyncActivities = ReturnType<typeof createFinanceSyncActivities>;
