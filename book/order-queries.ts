import type { Db } from '../db';
import type { OrderSummary } from '../activities/orders';

/** Flags an order needs_attention with its reason; records the order if it was never imported (nothing else is written). */
export async function markAttention(
  db: Db,
  accountId: string,
  amazonOrderId: string,
  reason: string,
  source: 'import' | 'shipment' | 'confirmation' | 'cancellation',
  workflowId?: string,
  marketplaceId?: string,
): Promise<void> {
  await db('sale_orders')
    .insert({
      account_id: accountId,
      amazon_order_id: amazonOrderId,
      marketplace_id: marketplaceId ?? '',
      amazon_status: 'UNKNOWN',
      state: 'needs_attention',
      attention_reason: reason,
      attention_source: source,
      workflow_id: workflowId ?? null,
    })
    .onConflict(['account_id', 'amazon_order_id'])
    .merge({ state: 'needs_attention', attention_reason: reason, attention_source: source, updated_at: db.fn.now() });
}

/** Clears a flag of the given source once what caused it is fixed; the state is recomputed by the caller's next import. */
export async function clearAttention(db: Db, orderId: number, source: string, state: string): Promise<void> {
  await db('sale_orders')
    .where({ id: orderId, state: 'needs_attention', attention_source: source })
    .update({ state, attention_reason: null, attention_source: null, updated_at: db.fn.now() });
}

export async function orderSummary(
  db: Db,
  accountId: string,
  amazonOrderId: string,
  outcome: OrderSummary['outcome'],
  defaultRetentionMs = 30 * 86_400_000,
): Promise<OrderSummary> {
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
  const retentionMs = row.pii_retention_days ? row.pii_retention_days * 86_400_000 : defaultRetentionMs;
  const order = row.id === null ? undefined : row;
  if (!order) {
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
      piiRetentionMs: retentionMs,
      shipRiskMarginMs: 0,
    };
  }
  const open = order.open_quantity;
  const pendingPackages = Number(order.pending_packages);
  const closed =
    (['cancelled', 'shipped'].includes(order.state) && pendingPackages === 0) ||
    order.attention_source === 'cancellation';
  return {
    outcome: order.state === 'needs_attention' && outcome !== 'pending' ? 'needs_attention' : outcome,
    state: order.state,
    channel: order.channel,
    amazonStatus: order.amazon_status,
    reason: order.attention_reason,
    attentionSource: order.attention_source,
    openQuantity: Number(open ?? 0),
    pendingPackages,
    latestShipDate: order.latest_ship_date ? new Date(order.latest_ship_date).toISOString() : null,
    closed,
    closedAt: order.delivered_at ? new Date(order.delivered_at).toISOString() : null,
    piiRetentionMs: retentionMs,
    shipRiskMarginMs: 0,
  };
}

const PURGED = { name: null, email: null, phone: null, street: null, street2: null, street3: null };

/**
 * Amazon's Data Protection Policy: buyer PII is kept at most the retention after delivery. Names, streets, phone and
 * e-mail go; city, postal code, region and country stay for tax. A contact shared with a newer order waits for it.
 */
export async function purgePii(db: Db, accountId: string, amazonOrderId: string): Promise<boolean> {
  return db.transaction(async (trx) => {
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
  });
}
