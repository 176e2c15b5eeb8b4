import type { Knex } from 'knex';
import { z } from 'zod';
import { MAX_FEED_MESSAGES } from '../lib/amazon-facts';
import { operation } from './operation';
import { fbmQuantitiesSql } from './stock';

/**
 * The book side of stockSync. A run's changed offers live in stock_sync_items from planning to outcome, so the
 * workflow carries only ids and counts, and a feed's report is applied after a durable sleep from what was recorded.
 */

export interface RunRef {
  accountId: string;
  workflowId: string;
  workflowRunId: string;
}

/** What a listing on Amazon shows of an offer (activities/spapi/listings-feed.ts reads it from Amazon's answer). */
export const ListingFacts = z.object({
  sku: z.string(),
  productType: z.string().nullable(),
  asin: z.string().nullable(),
  channelCode: z.string().nullable(),
  quantity: z.number().nullable(),
});
export type ListingFacts = z.infer<typeof ListingFacts>;

export const runKeyOf = (r: RunRef): string => `${r.workflowId}/${r.workflowRunId}`;

const RunRefSchema = z.object({
  accountId: z.string().min(1),
  workflowId: z.string().min(1),
  workflowRunId: z.string().min(1),
});
const Id = z.number().int().positive();
const CheckPhase = z.enum(['before', 'rejected']);

/** The workflow run holding the account's stock sync lease, if another run than `ref` holds it. */
export const otherLeaseHolder = operation(
  {
    name: 'otherLeaseHolder',
    input: RunRefSchema,
    output: z
      .object({ runKey: z.string(), workflowId: z.string(), workflowRunId: z.string(), acquiredAt: z.date() })
      .optional(),
  },
  async (db, ref) => {
    const lease = await db('stock_sync_leases')
      .where({ account_id: ref.accountId })
      .whereNot({ run_key: runKeyOf(ref) })
      .first();
    return (
      lease && {
        runKey: lease.run_key,
        workflowId: lease.workflow_id,
        workflowRunId: lease.workflow_run_id,
        acquiredAt: lease.acquired_at,
      }
    );
  },
);

/** A holder whose workflow is no longer running (terminated, timed out) loses the lease; its run is abandoned. */
export const abandonLease = operation(
  { name: 'abandonLease', input: z.object({ accountId: z.string(), runKey: z.string() }), output: z.void() },
  async (db, { accountId, runKey }) => {
    await db.transaction(async (trx) => {
      const gone = await trx('stock_sync_leases').where({ account_id: accountId, run_key: runKey }).delete();
      if (gone)
        await trx('stock_sync_runs')
          .where({ run_key: runKey, status: 'running' })
          .update({ status: 'abandoned', finished_at: trx.fn.now() });
    });
  },
);

/**
 * One stock sync per account at a time: the next run must see the last run's accepted quantities, or it would send
 * them again, or worse, record an older quantity after a newer one. The lease is taken in one transaction.
 */
export const claimRun = operation(
  {
    name: 'claimRun',
    input: RunRefSchema.extend({ reason: z.string() }),
    output: z.discriminatedUnion('granted', [
      z.object({ granted: z.literal(true), runId: Id }),
      z.object({ granted: z.literal(false), holder: z.string() }),
    ]),
  },
  async (db, ref) => {
    const runKey = runKeyOf(ref);
    return db.transaction(async (trx) => {
      await trx('stock_sync_leases')
        .insert({
          account_id: ref.accountId,
          run_key: runKey,
          workflow_id: ref.workflowId,
          workflow_run_id: ref.workflowRunId,
        })
        .onConflict('account_id')
        .ignore();
      const lease = await trx('stock_sync_leases').where({ account_id: ref.accountId }).forUpdate().first();
      if (lease.run_key !== runKey) return { granted: false as const, holder: lease.workflow_id as string };
      const [run] = await trx('stock_sync_runs')
        .insert({
          account_id: ref.accountId,
          kind: 'fbm',
          run_key: runKey,
          status: 'running',
          workflow_id: ref.workflowId,
          reason: ref.reason,
        })
        .onConflict('run_key')
        .merge({ run_key: runKey })
        .returning('id');
      return { granted: true as const, runId: run.id as number };
    });
  },
);

/** Gives the lease back; a run that did not finish is marked as such (its items were never marked sent). */
export const releaseRun = operation(
  { name: 'releaseRun', input: RunRefSchema.extend({ runId: Id }), output: z.void() },
  async (db, ref) => {
    const { runId } = ref;
    await db.transaction(async (trx) => {
      await trx('stock_sync_runs')
        .where({ id: runId, status: 'running' })
        .update({ status: 'failed', finished_at: trx.fn.now() });
      await trx('stock_sync_leases')
        .where({ account_id: ref.accountId, run_key: runKeyOf(ref) })
        .delete();
    });
  },
);

/** Catalog products the account has no offer for in an enabled marketplace, not looked up on Amazon in the last day. */
export const offerCandidates = operation(
  {
    name: 'offerCandidates',
    input: z.object({ accountId: z.string(), limit: z.number().int().positive() }),
    output: z.array(z.object({ marketplaceId: z.string(), sku: z.string(), productId: Id })),
  },
  async (db, { accountId, limit }) => {
    const { rows } = await db.raw(
      `SELECT am.marketplace_id, p.sku, p.id AS product_id
     FROM account_marketplaces am
     JOIN seller_accounts a ON a.id = am.account_id
     JOIN marketplaces m ON m.id = am.marketplace_id AND m.region = a.region
     JOIN products p ON p.system_key IS NULL AND p.sku IS NOT NULL
     WHERE am.account_id = ? AND am.enabled
       AND NOT EXISTS (SELECT 1 FROM offers o WHERE o.account_id = am.account_id AND o.marketplace_id = am.marketplace_id AND o.seller_sku = p.sku)
       AND NOT EXISTS (SELECT 1 FROM listing_lookups l WHERE l.account_id = am.account_id AND l.marketplace_id = am.marketplace_id
                       AND l.seller_sku = p.sku AND l.checked_at > now() - interval '1 day')
     ORDER BY am.marketplace_id, p.sku
     LIMIT ?`,
      [accountId, limit],
    );
    return rows.map((r: any) => ({ marketplaceId: r.marketplace_id, sku: r.sku, productId: r.product_id }));
  },
);

/** Listed SKUs become offers (FBA when Amazon fulfils them); unlisted ones are remembered for a day. */
export const recordDiscovery = operation(
  {
    name: 'recordDiscovery',
    input: z.object({
      accountId: z.string(),
      looked: z.array(
        z.object({ marketplaceId: z.string(), sku: z.string(), productId: Id, facts: ListingFacts.optional() }),
      ),
    }),
    output: z.number(),
  },
  async (db, { accountId, looked }) => {
    if (looked.length === 0) return 0;
    return db.transaction(async (trx) => {
      const listed = looked.filter((l) => l.facts);
      if (listed.length) {
        await trx('offers')
          .insert(
            listed.map((l) => ({
              account_id: accountId,
              marketplace_id: l.marketplaceId,
              seller_sku: l.sku,
              product_id: l.productId,
              channel: l.facts!.channelCode?.startsWith('AMAZON_') ? 'FBA' : 'FBM',
              product_type: l.facts!.productType,
              asin: l.facts!.asin,
              amazon_channel_code: l.facts!.channelCode,
              listing_checked_at: trx.fn.now(),
            })),
          )
          .onConflict(['account_id', 'marketplace_id', 'seller_sku'])
          .ignore();
      }
      await trx('listing_lookups')
        .insert(
          looked.map((l) => ({
            account_id: accountId,
            marketplace_id: l.marketplaceId,
            seller_sku: l.sku,
            found: Boolean(l.facts),
            checked_at: trx.fn.now(),
          })),
        )
        .onConflict(['account_id', 'marketplace_id', 'seller_sku'])
        .merge();
      return listed.length;
    });
  },
);

/**
 * The run's changed offers: computed quantity ≠ the last quantity Amazon accepted. Offers whose listing we know well
 * enough are ready at once; the others ('planned') are looked up first: product type unknown, not seen listed, last
 * look older than listingMaxAgeMs, or Amazon's FBA inventory has shown the SKU since (a sign it may have become FBA).
 */
export const planItems = operation(
  {
    name: 'planItems',
    input: z.object({ accountId: z.string(), runId: Id, listingMaxAgeMs: z.number().nonnegative() }),
    output: z.object({ changed: z.number(), toCheck: z.number() }),
  },
  async (db, { accountId, runId, listingMaxAgeMs }) => {
    const { sql, bindings } = fbmQuantitiesSql(accountId);
    await db.raw(
      `INSERT INTO stock_sync_items (run_id, offer_id, marketplace_id, seller_sku, product_type, quantity, status)
     SELECT ?, q.offer_id, q.marketplace_id, q.seller_sku, q.product_type, q.quantity,
            CASE WHEN q.product_type IS NULL OR o.amazon_channel_code IS NULL OR o.listing_checked_at IS NULL
                   OR o.listing_checked_at < now() - (? * interval '1 millisecond')
                   OR EXISTS (SELECT 1 FROM fba_inventory f WHERE f.account_id = o.account_id AND f.marketplace_id = o.marketplace_id
                              AND f.seller_sku = o.seller_sku AND f.updated_at > o.listing_checked_at)
                 THEN 'planned' ELSE 'ready' END
     FROM (${sql}) q JOIN offers o ON o.id = q.offer_id
     WHERE q.quantity IS DISTINCT FROM q.last_sent_quantity
     ON CONFLICT (run_id, offer_id) DO NOTHING`,
      [runId, listingMaxAgeMs, ...bindings],
    );
    const counts = await db('stock_sync_items')
      .where({ run_id: runId })
      .select(db.raw('count(*)::int AS changed'), db.raw(`count(*) FILTER (WHERE status = 'planned')::int AS to_check`))
      .first();
    await db('stock_sync_runs').where({ id: runId }).update({ changed: counts.changed });
    return { changed: counts.changed, toCheck: counts.to_check };
  },
);

/**
 * Offers of the run whose listing must be looked up: 'before' sending (planned items), or 'rejected' by Amazon
 * (their listing may have changed under us, e.g. switched to FBA).
 */
export const itemsToCheck = operation(
  {
    name: 'itemsToCheck',
    input: z.object({ runId: Id, phase: CheckPhase, limit: z.number().int().positive() }),
    output: z.array(z.object({ offerId: Id, marketplaceId: z.string(), sku: z.string() })),
  },
  async (db, { runId, phase, limit }) => {
    const q = db('stock_sync_items as i')
      .join('offers as o', 'o.id', 'i.offer_id')
      .where('i.run_id', runId)
      .orderBy(['i.marketplace_id', 'i.seller_sku'])
      .limit(limit);
    if (phase === 'before') q.where('i.status', 'planned');
    else
      q.where('i.status', 'rejected')
        .whereNotNull('i.submission_id')
        .whereNull('o.listing_checked_at')
        .where('o.channel', 'FBM');
    return (await q.select('i.offer_id', 'i.marketplace_id', 'i.seller_sku')).map((r) => ({
      offerId: r.offer_id as number,
      marketplaceId: r.marketplace_id as string,
      sku: r.seller_sku as string,
    }));
  },
);

/** Records what the listings showed: product type and channel cached on the offer; AMAZON_* → the offer is FBA now. */
export const recordChecks = operation(
  {
    name: 'recordChecks',
    input: z.object({
      runId: Id,
      phase: CheckPhase,
      checked: z.array(z.object({ offerId: Id, facts: ListingFacts.optional() })),
    }),
    output: z.object({ switchedToFba: z.number(), notListed: z.number() }),
  },
  async (db, { runId, phase, checked }) => {
    if (checked.length === 0) return { switchedToFba: 0, notListed: 0 };
    const arrays: Knex.RawBinding[] = [
      checked.map((c) => c.offerId),
      checked.map((c) => Boolean(c.facts)),
      checked.map((c) => c.facts?.productType ?? null),
      checked.map((c) => c.facts?.asin ?? null),
      checked.map((c) => c.facts?.channelCode ?? null),
    ] as any[];
    const input = `unnest(?::int[], ?::bool[], ?::text[], ?::text[], ?::text[]) AS c(offer_id, found, product_type, asin, channel_code)`;
    const amazon = `left(c.channel_code, 7) = 'AMAZON_'`;
    return db.transaction(async (trx) => {
      await trx.raw(
        `UPDATE offers o SET listing_checked_at = now(), updated_at = now(),
         product_type = COALESCE(c.product_type, o.product_type), asin = COALESCE(c.asin, o.asin),
         amazon_channel_code = c.channel_code,
         channel = CASE WHEN ${amazon} THEN 'FBA' ELSE o.channel END,
         last_error = CASE WHEN NOT c.found AND ? THEN ? WHEN ${amazon} THEN NULL ELSE o.last_error END,
         last_error_at = CASE WHEN NOT c.found AND ? THEN now() WHEN ${amazon} THEN NULL ELSE o.last_error_at END
       FROM ${input} WHERE o.id = c.offer_id`,
        // After a rejection Amazon's own message stays on the offer; only a switch to FBA explains it away.
        [phase === 'before', NOT_LISTED, phase === 'before', ...arrays],
      );
      if (phase === 'before') {
        await trx.raw(
          `UPDATE stock_sync_items i SET product_type = COALESCE(c.product_type, i.product_type),
           status = CASE WHEN NOT c.found THEN 'rejected' WHEN ${amazon} THEN 'skipped'
                         WHEN COALESCE(c.product_type, i.product_type) IS NULL THEN 'rejected' ELSE 'ready' END,
           error = CASE WHEN NOT c.found THEN ? WHEN ${amazon} THEN 'fulfilled by Amazon (' || c.channel_code || '): the offer is FBA now, no quantity sent'
                        WHEN COALESCE(c.product_type, i.product_type) IS NULL THEN 'Amazon shows no product type for this listing' ELSE NULL END
         FROM ${input} WHERE i.run_id = ? AND i.offer_id = c.offer_id`,
          [NOT_LISTED, ...arrays, runId],
        );
      }
      return {
        switchedToFba: checked.filter((c) => c.facts?.channelCode?.startsWith('AMAZON_')).length,
        notListed: checked.filter((c) => !c.facts).length,
      };
    });
  },
);

const NOT_LISTED =
  'no listing for this SKU on Amazon in this marketplace: create it in Seller Central; its stock is sent once it exists';

const Submission = z.object({
  submissionId: Id,
  marketplaceId: z.string(),
  transport: z.enum(['feed', 'patch']),
  messages: z.number(),
});
export type Submission = z.infer<typeof Submission>;

const SubmissionRow = z.object({
  id: Id,
  runId: Id,
  accountId: z.string(),
  marketplaceId: z.string(),
  transport: z.enum(['feed', 'patch']),
  feedId: z.string().nullable(),
  processingStatus: z.string().nullable(),
  finished: z.boolean(),
  messages: z.number(),
  accepted: z.number(),
  rejected: z.number(),
  error: z.string().nullable(),
});

const PendingItem = z.object({
  offerId: Id,
  messageId: z.number().int(),
  sku: z.string(),
  productType: z.string(),
  quantity: z.number().int(),
});

/**
 * Splits the run's ready items per marketplace into submissions: one patch batch when there are at most
 * patchThreshold, else feeds of ≤ 25,000 messages (message ids 1..n per feed). Idempotent per run.
 */
export const prepareSubmissions = operation(
  {
    name: 'prepareSubmissions',
    input: z.object({ runId: Id, patchThreshold: z.number().int().nonnegative() }),
    output: z.array(Submission),
  },
  async (db, { runId, patchThreshold }) => {
    return db.transaction(async (trx) => {
      const existing = await trx('stock_sync_submissions').where({ run_id: runId }).orderBy('id');
      if (existing.length === 0) {
        const groups = await trx('stock_sync_items')
          .where({ run_id: runId, status: 'ready' })
          .groupBy('marketplace_id')
          .orderBy('marketplace_id')
          .select('marketplace_id', trx.raw('count(*)::int AS n'));
        const rows = groups.flatMap((g) => {
          if (g.n <= patchThreshold)
            return [{ run_id: runId, marketplace_id: g.marketplace_id, chunk: 0, transport: 'patch', messages: g.n }];
          return Array.from({ length: Math.ceil(g.n / MAX_FEED_MESSAGES) }, (_, chunk) => ({
            run_id: runId,
            marketplace_id: g.marketplace_id,
            chunk,
            transport: 'feed',
            messages: Math.min(MAX_FEED_MESSAGES, g.n - chunk * MAX_FEED_MESSAGES),
          }));
        });
        if (rows.length === 0) return [];
        await trx('stock_sync_submissions').insert(rows);
        await trx.raw(
          `WITH ranked AS (
           SELECT offer_id, marketplace_id, row_number() OVER (PARTITION BY marketplace_id ORDER BY seller_sku) - 1 AS rn
           FROM stock_sync_items WHERE run_id = ? AND status = 'ready')
         UPDATE stock_sync_items i SET submission_id = s.id, message_id = (r.rn % ?) + 1
         FROM ranked r JOIN stock_sync_submissions s ON s.run_id = ? AND s.marketplace_id = r.marketplace_id
           AND s.chunk = CASE WHEN s.transport = 'patch' THEN 0 ELSE r.rn / ? END
         WHERE i.run_id = ? AND i.offer_id = r.offer_id`,
          [runId, MAX_FEED_MESSAGES, runId, MAX_FEED_MESSAGES, runId],
        );
        existing.push(...(await trx('stock_sync_submissions').where({ run_id: runId }).orderBy('id')));
      }
      return existing.map((s) => ({
        submissionId: s.id,
        marketplaceId: s.marketplace_id,
        transport: s.transport,
        messages: s.messages,
      }));
    });
  },
);

export const submissionWithAccount = operation(
  { name: 'submissionWithAccount', input: z.object({ submissionId: Id }), output: SubmissionRow },
  async (db, { submissionId }) => {
    const s = await db('stock_sync_submissions as s')
      .join('stock_sync_runs as r', 'r.id', 's.run_id')
      .where('s.id', submissionId)
      .first('s.*', 'r.account_id');
    if (!s) throw new Error(`stock sync submission ${submissionId} does not exist`);
    return {
      id: s.id,
      runId: s.run_id,
      accountId: s.account_id,
      marketplaceId: s.marketplace_id,
      transport: s.transport,
      feedId: s.feed_id,
      processingStatus: s.processing_status,
      finished: s.finished_at !== null,
      messages: s.messages,
      accepted: s.accepted,
      rejected: s.rejected,
      error: s.error,
    };
  },
);

/** The submission's items still to send, in message order. */
export const pendingItems = operation(
  { name: 'pendingItems', input: z.object({ submissionId: Id }), output: z.array(PendingItem) },
  async (db, { submissionId }) => {
    return (
      await db('stock_sync_items')
        .where({ submission_id: submissionId, status: 'ready' })
        .orderBy('message_id')
        .select('offer_id', 'message_id', 'seller_sku', 'product_type', 'quantity')
    ).map((r) => ({
      offerId: r.offer_id,
      messageId: r.message_id,
      sku: r.seller_sku,
      productType: r.product_type,
      quantity: r.quantity,
    }));
  },
);

export const recordFeedSubmitted = operation(
  { name: 'recordFeedSubmitted', input: z.object({ submissionId: Id, feedId: z.string().min(1) }), output: z.void() },
  async (db, { submissionId, feedId }) => {
    await db.transaction(async (trx) => {
      await trx('stock_sync_submissions')
        .where({ id: submissionId })
        .update({ feed_id: feedId, processing_status: 'IN_QUEUE' });
      await trx('stock_sync_items')
        .where({ submission_id: submissionId, status: 'ready' })
        .update({ status: 'submitted' });
    });
  },
);

/** getFeed's answer while the run waits for the feed. */
export const recordFeedStatus = operation(
  {
    name: 'recordFeedStatus',
    input: z.object({ submissionId: Id, processingStatus: z.string(), resultDocumentId: z.string().nullable() }),
    output: z.void(),
  },
  async (db, input) => {
    await db('stock_sync_submissions')
      .where({ id: input.submissionId })
      .update({ processing_status: input.processingStatus, result_document_id: input.resultDocumentId });
  },
);
