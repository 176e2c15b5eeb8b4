import type { Knex } from 'knex';
import { z } from 'zod';
import { emit } from './events';
import { operation } from './operation';

/**
 * Per-SKU outcomes of a stock sync submission. Accepted: the item's quantity becomes the offer's last_sent_quantity.
 * Rejected: Amazon's message goes on the offer (`connector offers list --errors`) and its listing is looked at again
 * before the next send. Failed (feed FATAL or CANCELLED): nothing is marked, so the next run sends it again.
 */

const Id = z.number().int().positive();
const Counts = z.object({ accepted: z.number(), rejected: z.number() });

/** Copies the submission's settled items onto their offers, in two set-based statements. */
async function settleOffers(
  trx: Knex,
  where: { submissionId: number } | { runId: number; offerIds: number[] },
): Promise<void> {
  const filter =
    'submissionId' in where
      ? { sql: 'i.submission_id = ?', bindings: [where.submissionId] }
      : { sql: 'i.run_id = ? AND i.offer_id = ANY(?::int[])', bindings: [where.runId, where.offerIds] };
  await trx.raw(
    `UPDATE offers o SET last_sent_quantity = i.quantity, last_sent_at = now(), last_error = NULL, last_error_at = NULL, updated_at = now()
     FROM stock_sync_items i WHERE ${filter.sql} AND i.status = 'accepted' AND o.id = i.offer_id`,
    filter.bindings,
  );
  await trx.raw(
    `UPDATE offers o SET last_error = i.error, last_error_at = now(), listing_checked_at = NULL, updated_at = now()
     FROM stock_sync_items i WHERE ${filter.sql} AND i.status = 'rejected' AND o.id = i.offer_id`,
    filter.bindings,
  );
}

/** One patchListingsItem answer, recorded as it comes so that a retried activity sends only the rest. */
export const recordPatchOutcome = operation(
  {
    name: 'recordPatchOutcome',
    input: z.object({
      runId: Id,
      offerId: Id,
      outcome: z.object({ accepted: z.boolean(), error: z.string().nullable() }),
    }),
    output: z.void(),
  },
  async (db, { runId, offerId, outcome }) => {
    await db.transaction(async (trx) => {
      await trx('stock_sync_items')
        .where({ run_id: runId, offer_id: offerId })
        .update({ status: outcome.accepted ? 'accepted' : 'rejected', error: outcome.error });
      await settleOffers(trx, { runId, offerIds: [offerId] });
    });
  },
);

export const closePatchSubmission = operation(
  { name: 'closePatchSubmission', input: z.object({ submissionId: Id }), output: Counts },
  async (db, { submissionId }) => {
    return db.transaction(async (trx) => {
      const counts = await countItems(trx, submissionId);
      await trx('stock_sync_submissions')
        .where({ id: submissionId })
        .update({ ...counts, finished_at: trx.fn.now() });
      return counts;
    });
  },
);

async function countItems(trx: Knex, submissionId: number): Promise<{ accepted: number; rejected: number }> {
  const row = await trx('stock_sync_items')
    .where({ submission_id: submissionId })
    .first(
      trx.raw(`count(*) FILTER (WHERE status = 'accepted')::int AS accepted`),
      trx.raw(`count(*) FILTER (WHERE status = 'rejected')::int AS rejected`),
    );
  return { accepted: row.accepted, rejected: row.rejected };
}

/** What a listings feed's processing report says (activities/spapi/listings-feed.ts reads it). */
export const ReportOutcome = z.object({
  /** messageId → Amazon's error messages for it (joined): those messages were not applied. */
  rejected: z.map(z.number().int(), z.string()),
  /** Errors not tied to a message (the whole document): nothing was applied. */
  documentErrors: z.array(z.string()),
  messagesAccepted: z.number().nullable(),
});
export type ReportOutcome = z.infer<typeof ReportOutcome>;

const FeedEnd = z.discriminatedUnion('processingStatus', [
  z.object({ processingStatus: z.literal('DONE'), report: ReportOutcome }),
  z.object({ processingStatus: z.enum(['FATAL', 'CANCELLED']), error: z.string() }),
]);

/**
 * Applies a finished feed in one transaction, once (a retried activity finds it applied). A DONE report whose errors
 * concern the whole document and that accepted nothing counts as failed: nothing was applied.
 */
export const applyFeedEnd = operation(
  {
    name: 'applyFeedEnd',
    input: z.object({ submissionId: Id, end: FeedEnd }),
    output: Counts.extend({ failed: z.number(), error: z.string().nullable() }),
  },
  async (db, { submissionId, end }) => {
    return db.transaction(async (trx) => {
      const submission = await trx('stock_sync_submissions').where({ id: submissionId }).forUpdate().first();
      if (submission.finished_at)
        return { accepted: submission.accepted, rejected: submission.rejected, failed: 0, error: submission.error };
      let error: string | null = null;
      if (end.processingStatus !== 'DONE') error = `feed ${submission.feed_id} ${end.processingStatus}: ${end.error}`;
      else if (end.report.documentErrors.length && !end.report.messagesAccepted) {
        error = `feed ${submission.feed_id} refused as a whole: ${end.report.documentErrors.join('; ')}`;
      }
      if (error) {
        await trx('stock_sync_items')
          .where({ submission_id: submissionId, status: 'submitted' })
          .update({ status: 'failed', error });
      } else if (end.processingStatus === 'DONE') {
        const rejected = [...end.report.rejected];
        if (rejected.length) {
          await trx.raw(
            `UPDATE stock_sync_items i SET status = 'rejected', error = r.message
           FROM unnest(?::int[], ?::text[]) AS r(message_id, message)
           WHERE i.submission_id = ? AND i.message_id = r.message_id AND i.status = 'submitted'`,
            [rejected.map(([id]) => id), rejected.map(([, m]) => m), submissionId],
          );
        }
        await trx('stock_sync_items')
          .where({ submission_id: submissionId, status: 'submitted' })
          .update({ status: 'accepted', error: null });
        await settleOffers(trx, { submissionId });
      }
      const counts = await countItems(trx, submissionId);
      const failed = error ? submission.messages : 0;
      await trx('stock_sync_submissions')
        .where({ id: submissionId })
        .update({ ...counts, processing_status: end.processingStatus, error, finished_at: trx.fn.now() });
      return { ...counts, failed, error };
    });
  },
);

const StockSyncCounts = z.object({
  changed: z.number(),
  sent: z.number(),
  accepted: z.number(),
  rejected: z.number(),
  failed: z.number(),
  skippedFba: z.number(),
  notSent: z.number(),
  feeds: z.array(
    z.object({
      feedId: z.string().nullable(),
      marketplaceId: z.string(),
      status: z.string().nullable(),
      messages: z.number(),
    }),
  ),
  patched: z.number(),
});
export type StockSyncCounts = z.infer<typeof StockSyncCounts>;

/** Closes the run with its counts; items of runs older than a week are dropped (the offers keep the outcome). */
export const finishRun = operation(
  { name: 'finishRun', input: z.object({ runId: Id }), output: StockSyncCounts },
  async (db, { runId }) => {
    return db.transaction(async (trx) => {
      const rows = await trx('stock_sync_items')
        .where({ run_id: runId })
        .groupBy('status')
        .select('status', trx.raw('count(*)::int AS n'));
      const n = (status: string) => rows.find((r) => r.status === status)?.n ?? 0;
      const submissions = await trx('stock_sync_submissions').where({ run_id: runId }).orderBy('id');
      const changed = rows.reduce((s, r) => s + r.n, 0);
      const sent = submissions.reduce((s, x) => s + x.messages, 0);
      const counts: StockSyncCounts = {
        changed,
        sent,
        accepted: n('accepted'),
        rejected: submissions.reduce((s, x) => s + x.rejected, 0),
        failed: n('failed'),
        skippedFba: n('skipped'),
        // Looked up and found unsendable before sending (no listing, no product type).
        notSent:
          rows.filter((r) => r.status === 'rejected').reduce((s, r) => s + r.n, 0) -
          submissions.reduce((s, x) => s + x.rejected, 0),
        feeds: submissions
          .filter((s) => s.transport === 'feed')
          .map((s) => ({
            feedId: s.feed_id,
            marketplaceId: s.marketplace_id,
            status: s.processing_status,
            messages: s.messages,
          })),
        patched: submissions.filter((s) => s.transport === 'patch').reduce((s, x) => s + x.messages, 0),
      };
      const run = await trx('stock_sync_runs').where({ id: runId }).forUpdate().first('account_id', 'status');
      await trx('stock_sync_runs')
        .where({ id: runId })
        .update({
          status: sent === 0 ? 'nothing_to_send' : 'done',
          feed_id: counts.feeds[0]?.feedId ?? null,
          messages: sent,
          accepted: counts.accepted,
          rejected: counts.rejected,
          skipped: counts.skippedFba,
          error:
            submissions
              .map((s) => s.error)
              .filter(Boolean)
              .join('; ') || null,
          finished_at: trx.fn.now(),
        });
      await trx.raw(
        `DELETE FROM stock_sync_items WHERE run_id IN (
         SELECT id FROM stock_sync_runs WHERE account_id = ? AND finished_at < now() - interval '7 days')`,
        [run.account_id],
      );
      // Once per run (a retried finish finds it finished already), and only when something went to Amazon.
      if (run.status === 'running' && sent > 0) {
        const rejectedSkus = await trx('stock_sync_items')
          .where({ run_id: runId, status: 'rejected' })
          .whereNotNull('submission_id')
          .orderBy(['marketplace_id', 'seller_sku'])
          .limit(1000)
          .select('marketplace_id', 'seller_sku', 'error');
        await emit(trx, [
          {
            type: 'stock.pushed',
            account: run.account_id,
            data: {
              runId,
              changed,
              sent,
              accepted: counts.accepted,
              rejected: counts.rejected,
              rejectedSkus: rejectedSkus.map((r) => ({
                marketplaceId: r.marketplace_id,
                sku: r.seller_sku,
                error: r.error,
              })),
              link: '/v1/stock',
            },
          },
        ]);
      }
      return counts;
    });
  },
);
