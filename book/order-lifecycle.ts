import { z } from 'zod';
import { operation } from './operation';

/** What an order workflow needs from the book to decide its next step, and the end of an order's life: the PII purge. */

const OrderRef = z.object({ accountId: z.string().min(1), amazonOrderId: z.string().min(1) });

export const OrderSummary = z.object({
  outcome: z.enum(['pending', 'imported', 'updated', 'unchanged', 'needs_attention']),
  state: z.string().nullable(),
  channel: z.enum(['FBA', 'FBM']).nullable(),
  amazonStatus: z.string(),
  reason: z.string().nullable(),
  /** What raised the needs_attention flag: import (the order could not be written), shipment, confirmation, cancellation. */
  attentionSource: z.string().nullable(),
  openQuantity: z.number(),
  pendingPackages: z.number(),
  latestShipDate: z.string().nullable(),
  closed: z.boolean(),
  closedAt: z.string().nullable(),
  piiRetentionMs: z.number(),
  shipRiskMarginMs: z.number(),
});
/** Everything the order workflow needs to decide its next step: ids, states and counts, never personal data. */
export type OrderSummary = z.infer<typeof OrderSummary>;

export const orderSummary = operation(
  {
    name: 'orderSummary',
    input: OrderRef.extend({
      outcome: OrderSummary.shape.outcome,
      /** PII_RETENTION: used when the account sets no retention of its own. */
      defaultRetentionMs: z.number().int().nonnegative(),
      shipRiskMarginMs: z.number().int().nonnegative().default(0),
    }),
    output: OrderSummary,
  },
  async (db, { accountId, amazonOrderId, outcome, defaultRetentionMs, shipRiskMarginMs }) => {
    // One statement: the order (if any), the account's retention, its open quantity and its packages Amazon has not accepted.
    const {
      rows: [row],
    } = await db.raw(
      `SELECT o.*, a.pii_retention_days,
              (SELECT sum(dl.quantity) FROM delivery_lines dl JOIN deliveries d ON d.id = dl.delivery_id
                WHERE d.order_id = o.id AND d.state = 'open') AS open_quantity,
              (SELECT count(*) FROM deliveries d
                WHERE d.order_id = o.id AND d.confirmation_state IN ('pending', 'rejected')) AS pending_packages
         FROM (SELECT ?::text AS account_id) k
         LEFT JOIN seller_accounts a ON a.id = k.account_id
         LEFT JOIN sale_orders o ON o.account_id = k.account_id AND o.amazon_order_id = ?`,
      [accountId, amazonOrderId],
    );
    // The account's own retention (days) wins; else the configured default (PII_RETENTION).
    const piiRetentionMs = row.pii_retention_days ? row.pii_retention_days * 86_400_000 : defaultRetentionMs;
    if (row.id === null) {
      return {
        outcome,
        state: null,
        channel: null,
        amazonStatus: '',
        reason: null,
        attentionSource: null,
        openQuantity: 0,
        pendingPackages: 0,
        latestShipDate: null,
        closed: false,
        closedAt: null,
        piiRetentionMs,
        shipRiskMarginMs,
      };
    }
    const pendingPackages = Number(row.pending_packages);
    const closed =
      (['cancelled', 'shipped'].includes(row.state) && pendingPackages === 0) ||
      row.attention_source === 'cancellation';
    return {
      outcome: row.state === 'needs_attention' && outcome !== 'pending' ? 'needs_attention' : outcome,
      state: row.state,
      channel: row.channel,
      amazonStatus: row.amazon_status,
      reason: row.attention_reason,
      attentionSource: row.attention_source,
      openQuantity: Number(row.open_quantity ?? 0),
      pendingPackages,
      latestShipDate: row.latest_ship_date ? new Date(row.latest_ship_date).toISOString() : null,
      closed,
      closedAt: row.delivered_at ? new Date(row.delivered_at).toISOString() : null,
      piiRetentionMs,
      shipRiskMarginMs,
    };
  },
);

const PURGED = { name: null, email: null, phone: null, street: null, street2: null, street3: null };

/**
 * Amazon's Data Protection Policy: buyer PII is kept at most the retention after delivery. Names, streets, phone and
 * e-mail go; city, postal code, region and country stay for tax. A contact shared with a newer order waits for it.
 */
export const purgePii = operation(
  { name: 'purgePii', input: OrderRef, output: z.boolean() },
  async (db, { accountId, amazonOrderId }) =>
    db.transaction(async (trx) => {
      const order = await trx('sale_orders')
        .where({ account_id: accountId, amazon_order_id: amazonOrderId })
        .forUpdate()
        .first();
      if (!order || order.pii_purged_at) return false;
      await trx('sale_orders').where({ id: order.id }).update({ gift_message: null, pii_purged_at: trx.fn.now() });
      await trx('sale_order_lines')
        .where({ order_id: order.id, kind: 'note' })
        .update({ note: null, name: 'Gift message (purged)' });
      await trx('deliveries').where({ order_id: order.id }).update({ gift_message: null });
      await trx('amazon_order_snapshots').where({ account_id: accountId, amazon_order_id: amazonOrderId }).delete();
      for (const partnerId of [order.partner_id, order.delivery_address_id].filter(Boolean)) {
        const stillUsed = await trx('sale_orders')
          .whereNull('pii_purged_at')
          .andWhere((q) => q.where({ partner_id: partnerId }).orWhere({ delivery_address_id: partnerId }))
          .first('id');
        if (!stillUsed) {
          await trx('partners')
            .where({ id: partnerId })
            .update({ ...PURGED, name: `Amazon Customer #${amazonOrderId}`, pii_purged_at: trx.fn.now() });
        }
      }
      return true;
    }),
);

const OverdueOrder = z.object({
  amazonOrderId: z.string(),
  account: z.string(),
  state: z.string(),
  /** When its retention started: the delivery (or cancellation), else, for a flagged order, Amazon's last update. */
  retentionFrom: z.string(),
  purgeDue: z.string(),
});

/**
 * Orders whose PII is past its retention and still there: what no workflow timer covers (orders imported before the
 * feature, workflows that failed or were terminated, flagged orders no one retried). The account's own retention
 * wins, as in the workflow's timer. A flagged order that never delivered counts from Amazon's last update of it.
 */
export const overduePii = operation(
  {
    name: 'overduePii',
    input: z.object({ defaultRetentionMs: z.number().int().nonnegative(), account: z.string().optional() }),
    output: z.array(OverdueOrder),
  },
  async (db, { defaultRetentionMs, account }) => {
    const from = "coalesce(o.delivered_at, case when o.state = 'needs_attention' then o.amazon_updated_at end)";
    const due = `${from} + coalesce(a.pii_retention_days * interval '1 day', cast(? as bigint) * interval '1 millisecond')`;
    const q = db('sale_orders as o')
      .join('seller_accounts as a', 'a.id', 'o.account_id')
      .whereNull('o.pii_purged_at')
      .whereRaw(`${from} is not null`)
      .whereRaw(`${due} < now()`, [defaultRetentionMs])
      .orderByRaw(from)
      .select(
        'o.amazon_order_id',
        'o.account_id',
        'o.state',
        db.raw(`${from} as retention_from`),
        db.raw(`${due} as purge_due`, [defaultRetentionMs]),
      );
    if (account) q.where('o.account_id', account);
    return (await q).map((o: any) => ({
      amazonOrderId: o.amazon_order_id,
      account: o.account_id,
      state: o.state,
      retentionFrom: new Date(o.retention_from).toISOString(),
      purgeDue: new Date(o.purge_due).toISOString(),
    }));
  },
);

const AttentionOrder = z.object({
  amazonOrderId: z.string(),
  account: z.string(),
  source: z.string(),
  reason: z.string().nullable(),
  since: z.string(),
  workflowId: z.string(),
});

/** Every order flagged needs_attention, newest first (`failed list`, the console's Needs attention page). */
export const ordersNeedingAttention = operation(
  {
    name: 'ordersNeedingAttention',
    input: z.object({ account: z.string().optional(), limit: z.number().int().positive().max(10_000).default(1000) }),
    output: z.array(AttentionOrder),
  },
  async (db, { account, limit }) => {
    const q = db('sale_orders')
      .where({ state: 'needs_attention' })
      .orderBy('updated_at', 'desc')
      .orderBy('id', 'desc')
      .limit(limit);
    if (account) q.where({ account_id: account });
    return (
      await q.select(
        'amazon_order_id',
        'account_id',
        'attention_source',
        'attention_reason',
        'updated_at',
        'workflow_id',
      )
    ).map((o) => ({
      amazonOrderId: o.amazon_order_id,
      account: o.account_id,
      source: o.attention_source ?? 'unknown',
      reason: o.attention_reason,
      since: new Date(o.updated_at).toISOString(),
      workflowId: o.workflow_id ?? `order:${o.account_id}:${o.amazon_order_id}`,
    }));
  },
);

/**
 * The searchOrders/getOrder payloads kept for an import (amazon_order_snapshots) hold the buyer and the recipient.
 * Whatever becomes of the order (imported, flagged and never fixed, pending forever), a snapshot goes once Amazon's
 * update it holds is older than the account's retention: an import after that reads the order from Amazon again.
 */
export const purgeStaleSnapshots = operation(
  {
    name: 'purgeStaleSnapshots',
    input: z.object({
      defaultRetentionMs: z.number().int().nonnegative(),
      accountId: z.string().optional(),
      dryRun: z.boolean().default(false),
    }),
    output: z.number(),
  },
  async (db, { defaultRetentionMs, accountId, dryRun }) => {
    const due = db('amazon_order_snapshots as s')
      .join('seller_accounts as a', 'a.id', 's.account_id')
      .whereRaw(
        "s.last_updated_time + coalesce(a.pii_retention_days * interval '1 day', cast(? as bigint) * interval '1 millisecond') < now()",
        [defaultRetentionMs],
      )
      .select('s.account_id', 's.amazon_order_id');
    if (accountId) due.where('s.account_id', accountId);
    if (dryRun) return (await due).length;
    return db('amazon_order_snapshots').whereIn(['account_id', 'amazon_order_id'], due).delete();
  },
);
