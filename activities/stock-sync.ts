import { ApplicationFailure, Context } from '@temporalio/activity';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Db } from '../db';
import type { Logger } from '../lib/logger';
import { activityLogger } from './log';
import { accountEnabled } from '../book/accounts';
import {
  applyFeedEnd,
  closePatchSubmission,
  finishRun,
  recordPatchOutcome,
  StockSyncCounts,
} from '../book/stock-outcomes';
import {
  abandonLease,
  claimRun,
  itemsToCheck,
  offerCandidates,
  otherLeaseHolder,
  pendingItems,
  planItems,
  prepareSubmissions,
  recordChecks,
  recordDiscovery,
  recordFeedSubmitted,
  recordFeedStatus,
  releaseRun,
  RunRef,
  Submission,
  submissionWithAccount,
} from '../book/stock-sync';
import { downloadProcessingReport, FeedTransport, getFeed, isFinished, submitListingsFeed } from './spapi/feeds';
import { AmazonAuthFailed, AmazonRejected } from '../lib/errors';
import { asActivityFailure, AccountClientSource, SpApi } from './spapi/gateway';
import { lookupListings, patchQuantity, SEARCH_BATCH } from './spapi/listings';
import { buildQuantityFeed, ListingFacts, readProcessingReport } from './spapi/listings-feed';
import type { RateLimiter } from './spapi/rate-limiter';

export interface StockSyncActivityDeps {
  db: Db;
  spapi: SpApi;
  /** The accounts' clients, for feed document upload and download (not SP-API operations). */
  clients: AccountClientSource;
  /** Takes the JSON_LISTINGS_FEED bucket (5 feeds per 5 minutes) before createFeed. */
  limiter?: RateLimiter;
  /** Tells whether a lease holder's workflow still runs; without it a lease is only lost after 6 hours. */
  temporal?: Client;
  logger: Logger;
  /** FEED_POLL_INTERVAL: how long stockSync sleeps between getFeed calls, and between tries for a busy account. */
  feedPollIntervalMs: number;
  /** connector_feed_messages_total (servers/metrics.ts): feed messages by outcome, counted once per applied report. */
  feedMessages?: { inc(labels: { outcome: string }, by: number): void };
}

/** SKUs looked up per activity call (100 searchListingsItems calls): bounded so a retry repeats little. */
const LOOKUPS_PER_CALL = 2_000;
/** Lookups and patches in flight at once; the shared rate limiter spaces them to Amazon's rate. */
const PARALLEL_CALLS = 4;
const LEASE_WITHOUT_TEMPORAL_MS = 6 * 3_600_000;

/** Runs `fn` over items with at most `limit` in flight, heartbeating as they complete. */
async function eachLimited<T>(items: T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < items.length) {
      await fn(items[next++]);
      heartbeat(++done);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
}

function heartbeat(details: unknown): void {
  try {
    Context.current().heartbeat(details);
  } catch {
    // called outside an activity (unit tests)
  }
}

export function createStockSyncActivities(deps: StockSyncActivityDeps) {
  const { db, spapi } = deps;
  const transport: FeedTransport = { spapi, clients: deps.clients, limiter: deps.limiter };

  async function holderAlive(holder: { workflowId: string; workflowRunId: string; acquiredAt: Date }) {
    if (!deps.temporal) return Date.now() - holder.acquiredAt.getTime() < LEASE_WITHOUT_TEMPORAL_MS;
    try {
      const description = await deps.temporal.workflow.getHandle(holder.workflowId, holder.workflowRunId).describe();
      return description.status.name === 'RUNNING';
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) return false;
      throw err;
    }
  }

  /** Looks up SKUs per marketplace, 20 per call, a few calls in flight. */
  async function lookup<T extends { marketplaceId: string; sku: string }>(
    accountId: string,
    rows: T[],
  ): Promise<Array<T & { facts: ListingFacts | undefined }>> {
    const sellerId = await spapi.sellerId(accountId);
    const batches: T[][] = [];
    for (const marketplaceId of new Set(rows.map((r) => r.marketplaceId))) {
      const inMarketplace = rows.filter((r) => r.marketplaceId === marketplaceId);
      for (let i = 0; i < inMarketplace.length; i += SEARCH_BATCH)
        batches.push(inMarketplace.slice(i, i + SEARCH_BATCH));
    }
    const out: Array<T & { facts: ListingFacts | undefined }> = [];
    await eachLimited(batches, PARALLEL_CALLS, async (batch) => {
      const found = await lookupListings(
        spapi,
        accountId,
        sellerId,
        batch[0].marketplaceId,
        batch.map((r) => r.sku),
      );
      out.push(...batch.map((r) => ({ ...r, facts: found.get(r.sku) })));
    });
    return out;
  }

  const failure = (err: unknown) => asActivityFailure(err);

  return {
    /** Takes the account's stock sync lease for this workflow run, or says who holds it. */
    async claimStockSync(input: RunRef & { reason: string }) {
      if (!(await accountEnabled(db, { accountId: input.accountId })))
        return { status: 'disabled' as const, pollIntervalMs: deps.feedPollIntervalMs };
      // A holder whose workflow is no longer running (terminated, timed out) loses the lease.
      const holder = await otherLeaseHolder(db, input);
      if (holder && !(await holderAlive(holder))) await abandonLease(db, { accountId: input.accountId, ...holder });
      const claim = await claimRun(db, input);
      return claim.granted
        ? { status: 'granted' as const, runId: claim.runId, pollIntervalMs: deps.feedPollIntervalMs }
        : { status: 'busy' as const, holder: claim.holder, pollIntervalMs: deps.feedPollIntervalMs };
    },

    async releaseStockSync(input: RunRef & { runId: number }): Promise<void> {
      await releaseRun(db, input);
    },

    /** Products of our catalog listed on Amazon for this account but without an offer yet become offers. */
    async discoverOffers(input: { accountId: string }): Promise<{ looked: number; discovered: number; more: boolean }> {
      const candidates = await offerCandidates(db, { accountId: input.accountId, limit: LOOKUPS_PER_CALL });
      if (candidates.length === 0) return { looked: 0, discovered: 0, more: false };
      try {
        const looked = await lookup(input.accountId, candidates);
        const discovered = await recordDiscovery(db, { accountId: input.accountId, looked });
        return { looked: looked.length, discovered, more: candidates.length === LOOKUPS_PER_CALL };
      } catch (err) {
        // Finding new offers is a side task: a refusal (bad SKU, rights) must not stop known offers from syncing.
        if (!(err instanceof AmazonRejected || err instanceof AmazonAuthFailed)) throw failure(err);
        activityLogger(deps.logger, { account: input.accountId }).warn(
          { err: err.message },
          'offer discovery refused by Amazon: tried again next run',
        );
        return { looked: 0, discovered: 0, more: false };
      }
    },

    /** Computes every FBM offer's quantity in SQL and records the changed ones as this run's items. */
    async planStockSync(input: { accountId: string; runId: number; listingMaxAgeMs: number }) {
      return planItems(db, input);
    },

    /** Looks up the listings of up to 2,000 of the run's offers: product type, and whether Amazon fulfils them now. */
    async checkListings(input: { accountId: string; runId: number; phase: 'before' | 'rejected' }) {
      const rows = await itemsToCheck(db, { runId: input.runId, phase: input.phase, limit: LOOKUPS_PER_CALL });
      if (rows.length === 0) return { checked: 0, switchedToFba: 0, notListed: 0, more: false };
      try {
        const looked = await lookup(input.accountId, rows);
        const result = await recordChecks(db, { runId: input.runId, phase: input.phase, checked: looked });
        if (result.switchedToFba)
          activityLogger(deps.logger, { account: input.accountId }).info(
            { switched: result.switchedToFba },
            'offers switched to FBA: Amazon fulfils them',
          );
        return { checked: looked.length, ...result, more: rows.length === LOOKUPS_PER_CALL };
      } catch (err) {
        throw failure(err);
      }
    },

    async prepareStockSubmissions(input: { runId: number; patchThreshold: number }): Promise<Submission[]> {
      return prepareSubmissions(db, input);
    },

    /** A few changes: one patchListingsItem per SKU, each outcome recorded as it comes. */
    async patchQuantities(input: { submissionId: number }): Promise<{ accepted: number; rejected: number }> {
      const submission = await submissionWithAccount(db, input);
      const sellerId = await spapi.sellerId(submission.accountId);
      try {
        await eachLimited(await pendingItems(db, input), PARALLEL_CALLS, async (item) => {
          const outcome = await patchQuantity(spapi, submission.accountId, sellerId, {
            ...item,
            marketplaceId: submission.marketplaceId,
          });
          await recordPatchOutcome(db, { runId: submission.runId, offerId: item.offerId, outcome });
        });
      } catch (err) {
        throw failure(err);
      }
      return closePatchSubmission(db, input);
    },

    /** Many changes: the feed document is built and uploaded here, so 25,000 SKUs never enter workflow history. */
    async submitQuantityFeed(input: { submissionId: number }): Promise<{ feedId: string }> {
      const submission = await submissionWithAccount(db, input);
      if (submission.feedId) return { feedId: submission.feedId };
      const sellerId = await spapi.sellerId(submission.accountId);
      const document = buildQuantityFeed(sellerId, await pendingItems(db, input));
      heartbeat('built');
      try {
        const feedId = await submitListingsFeed(transport, submission.accountId, [submission.marketplaceId], document);
        await recordFeedSubmitted(db, { submissionId: input.submissionId, feedId });
        return { feedId };
      } catch (err) {
        throw failure(err);
      }
    },

    async checkQuantityFeed(input: { submissionId: number }): Promise<{ processingStatus: string; finished: boolean }> {
      const submission = await submissionWithAccount(db, input);
      try {
        const feed = await getFeed(transport, submission.accountId, submission.feedId!);
        await recordFeedStatus(db, {
          submissionId: input.submissionId,
          processingStatus: feed.processingStatus,
          resultDocumentId: feed.resultFeedDocumentId ?? null,
        });
        return { processingStatus: feed.processingStatus, finished: isFinished(feed.processingStatus) };
      } catch (err) {
        throw failure(err);
      }
    },

    /** Downloads the processing report and records each SKU's outcome; FATAL or CANCELLED marks nothing sent. */
    async applyQuantityFeedResult(input: { submissionId: number }) {
      const submission = await submissionWithAccount(db, input);
      if (submission.finished)
        return { accepted: submission.accepted, rejected: submission.rejected, failed: 0, error: submission.error };
      try {
        const feed = await getFeed(transport, submission.accountId, submission.feedId!);
        if (!isFinished(feed.processingStatus))
          throw ApplicationFailure.create({
            type: 'FeedNotFinished',
            message: `feed ${submission.feedId} is ${feed.processingStatus}`,
          });
        const report = feed.resultFeedDocumentId
          ? readProcessingReport(
              await downloadProcessingReport(transport, submission.accountId, feed.resultFeedDocumentId),
            )
          : undefined;
        heartbeat('downloaded');
        const result =
          feed.processingStatus === 'DONE' && report
            ? await applyFeedEnd(db, { submissionId: input.submissionId, end: { processingStatus: 'DONE', report } })
            : await applyFeedEnd(db, {
                submissionId: input.submissionId,
                end: {
                  processingStatus:
                    feed.processingStatus === 'DONE' ? 'FATAL' : (feed.processingStatus as 'FATAL' | 'CANCELLED'),
                  error:
                    report?.documentErrors.join('; ') ||
                    (feed.processingStatus === 'CANCELLED' ? 'cancelled before processing' : 'no processing report'),
                },
              });
        deps.feedMessages?.inc({ outcome: 'accepted' }, result.accepted);
        deps.feedMessages?.inc({ outcome: 'rejected' }, result.rejected);
        if (result.error)
          activityLogger(deps.logger, { account: submission.accountId }).warn(
            { feedId: submission.feedId, error: result.error },
            'feed not applied: its SKUs go again next run',
          );
        return result;
      } catch (err) {
        throw failure(err);
      }
    },

    async finishStockSync(input: { runId: number }): Promise<StockSyncCounts> {
      return finishRun(db, input);
    },
  };
}

export type { StockSyncCounts };
export type StockSyncActivities = ReturnType<typeof createStockSyncActivities>;
