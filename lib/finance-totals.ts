/**
 * What a financeSync read and wrote, counted per page by the activity and summed over windows by the workflow: pure,
 * so both may use it (workflows import only the pure modules of lib/).
 */
export interface FinancePageTotals {
  pages: number;
  read: number;
  inserted: number;
  updated: number;
  unchanged: number;
  events: number;
  latestPostedAt: string | null;
}

export const emptyTotals = (): FinancePageTotals => ({
  pages: 0,
  read: 0,
  inserted: 0,
  updated: 0,
  unchanged: 0,
  events: 0,
  latestPostedAt: null,
});

/** Adds `more` into `into` (the later posted date wins) and returns `into`. */
export function addTotals(into: FinancePageTotals, more: FinancePageTotals): FinancePageTotals {
  into.pages += more.pages;
  into.read += more.read;
  into.inserted += more.inserted;
  into.updated += more.updated;
  into.unchanged += more.unchanged;
  into.events += more.events;
  if (more.latestPostedAt && (!into.latestPostedAt || more.latestPostedAt > into.latestPostedAt))
    into.latestPostedAt = more.latestPostedAt;
  return into;
}
