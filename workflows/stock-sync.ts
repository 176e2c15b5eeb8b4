import { CancellationScope, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { StockSyncActivities, StockSyncCounts } from '../activities/stock-sync';
import { AMAZON_CALL, AMAZON_PAGING, BOOK_WRITE } from './retry-policies';

export interface StockSyncInput {
  accountId: string;
  reason?: 'schedule' | 'manual' | 'stock-change';
  /** Changed SKUs per marketplace up to which patchListingsItem is used instead of a feed (default PATCH_THRESHOLD). */
  patchThreshold?: number;
  /** A listing looked at longer ago than this is looked at again before its quantity is sent (default 1 hour). */
  listingMaxAgeMs?: number;
}

export interface StockSyncResult extends StockSyncCounts {
  status: 'done' | 'nothing_to_send' | 'account_disabled';
  runId: number | null;
  discovered: number;
  switchedToFba: number;
}

/**
 * Up to 50 changed SKUs in a marketplace go one by one with patchListingsItem, more in a JSON_LISTINGS_FEED. At
 * Amazon's 5 patches a second, 50 SKUs take about 10 s and each answers at once; a feed costs one of the 5 listings
 * feeds allowed per 5 minutes and minutes of queueing before its report. Beyond ~50, patches would take longer than
 * a feed and hold the rate budget other syncs need.
 */
export const PATCH_THRESHOLD = 50;
/** Long enough that a steady trickle of changes costs no lookups; short enough to notice a switch to FBA the same hour. */
export const LISTING_MAX_AGE_MS = 3_600_000;

const { claimStockSync, releaseStockSync, planStockSync, prepareStockSubmissions, finishStockSync } =
  proxyActivities<StockSyncActivities>(BOOK_WRITE);
const { discoverOffers, checkListings, patchQuantities, submitQuantityFeed, applyQuantityFeedResult } =
  proxyActivities<StockSyncActivities>(AMAZON_PAGING);
const { checkQuantityFeed } = proxyActivities<StockSyncActivities>(AMAZON_CALL);

/**
 * One pass of an account's FBM quantities to Amazon: only offers whose computed quantity differs from the last one
 * Amazon accepted. Quantities, feed documents and reports stay in the book and the activities; the history holds
 * ids and counts, whatever the number of SKUs.
 */
export async function stockSync(input: StockSyncInput): Promise<StockSyncResult> {
  const { accountId } = input;
  const { workflowId, runId: workflowRunId } = workflowInfo();
  const ref = { accountId, workflowId, workflowRunId };

  // One run per account at a time: wait for the one in progress (its report must be applied before we compare).
  let claim = await claimStockSync({ ...ref, reason: input.reason ?? 'manual' });
  while (claim.status === 'busy') {
    await sleep(claim.pollIntervalMs);
    claim = await claimStockSync({ ...ref, reason: input.reason ?? 'manual' });
  }
  if (claim.status === 'disabled') return { ...NOTHING, status: 'account_disabled', runId: null };
  const { runId, pollIntervalMs } = claim;

  try {
    let discovered = 0;
    for (let more = true; more;) {
      const found = await discoverOffers({ accountId });
      discovered += found.discovered;
      more = found.more;
    }

    const plan = await planStockSync({
      accountId,
      runId,
      listingMaxAgeMs: input.listingMaxAgeMs ?? LISTING_MAX_AGE_MS,
    });
    let switchedToFba = 0;
    for (let more = plan.toCheck > 0; more;) {
      const checked = await checkListings({ accountId, runId, phase: 'before' });
      switchedToFba += checked.switchedToFba;
      more = checked.more;
    }

    const submissions = await prepareStockSubmissions({
      runId,
      patchThreshold: input.patchThreshold ?? PATCH_THRESHOLD,
    });
    let rejected = 0;
    for (const s of submissions.filter((x) => x.transport === 'patch')) {
      rejected += (await patchQuantities({ submissionId: s.submissionId })).rejected;
    }
    const feeds = submissions.filter((x) => x.transport === 'feed');
    for (const s of feeds) await submitQuantityFeed({ submissionId: s.submissionId });

    // Durable sleep until every feed is DONE, FATAL or CANCELLED; then its report is applied SKU by SKU.
    let waiting = feeds.map((s) => s.submissionId);
    while (waiting.length > 0) {
      await sleep(pollIntervalMs);
      const stillWaiting: number[] = [];
      for (const submissionId of waiting) {
        const feed = await checkQuantityFeed({ submissionId });
        if (!feed.finished) stillWaiting.push(submissionId);
        else rejected += (await applyQuantityFeedResult({ submissionId })).rejected;
      }
      waiting = stillWaiting;
    }

    // A rejection may mean the listing changed under us (switched to FBA): look at those listings now.
    for (let more = rejected > 0; more;) {
      const checked = await checkListings({ accountId, runId, phase: 'rejected' });
      switchedToFba += checked.switchedToFba;
      more = checked.more;
    }

    const counts = await finishStockSync({ runId });
    return { ...counts, status: counts.sent > 0 ? 'done' : 'nothing_to_send', runId, discovered, switchedToFba };
  } finally {
    await CancellationScope.nonCancellable(() => releaseStockSync({ ...ref, runId }));
  }
}

const NOTHING: Omit<StockSyncResult, 'status' | 'runId'> = {
  changed: 0,
  sent: 0,
  accepted: 0,
  rejected: 0,
  failed: 0,
  skippedFba: 0,
  notSent: 0,
  feeds: [],
  patched: 0,
  discovered: 0,
  switchedToFba: 0,
};
