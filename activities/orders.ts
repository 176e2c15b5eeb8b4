import type { Client } from '@temporalio/client';
import type { Db } from '../db';
import type { Logger } from '../lib/logger';
import type { OrderState, ShipmentSignal } from '../workflows/order-types';
import { isPending } from '../workflows/order-types';
import { activityAttempt, heartbeating } from './heartbeat';
import { writeOrder } from '../book/order-import';
import { createSystemProductCache } from '../book/order-products';
import { markAttention, orderSummary, purgePii } from '../book/order-queries';
import { confirmPackages, recordPackage } from '../book/shipments';
import { createStockSyncRequester } from './stock-requests';
import { asActivityFailure, SpApi } from './spapi/gateway';
import { AmazonAuthFailed, AmazonRejected } from './spapi/errors';
import { mapOrder, OrderMappingError } from './spapi/order-mapping';
import type { Order } from './spapi/orders-2026-types';
import { ORDER_INCLUDED_DATA } from '../lib/amazon-facts';

/** Everything the order workflow needs to decide its next step: ids, states and counts, never personal data. */
export interface OrderSummary {
  outcome: 'pending' | 'imported' | 'updated' | 'unchanged' | 'needs_attention';
  state: OrderState | null;
  channel: 'FBA' | 'FBM' | null;
  amazonStatus: string;
  reason: string | null;
  /** What raised the needs_attention flag: import (the order could not be written), shipment, confirmation, cancellation. */
  attentionSource: string | null;
  openQuantity: number;
  pendingPackages: number;
  latestShipDate: string | null;
  closed: boolean;
  closedAt: string | null;
  piiRetentionMs: number;
  shipRiskMarginMs: number;
}

export interface OrderActivityDeps {
  db: Db;
  spapi: SpApi;
  logger: Logger;
  /** Default PII retention after delivery, when the account sets none. */
  piiRetentionMs: number;
  /** How long before Amazon's latest ship date an open FBM order counts as at risk. */
  shipRiskMarginMs: number;
  onImported?: (summary: { channel: string | null; marketplaceId: string; outcome: string }) => void;
  /** For the debounced stock sync an import asks for (activities/stock-requests.ts). */
  temporal: Client;
  taskQueue: string;
}

/**
 * A new FBM delivery reserves stock, a cancelled one releases it: Amazon's quantities follow. A retried import asks
 * whatever its outcome: the attempt before may have committed the import (its outcome now reads 'unchanged') and failed
 * to ask; a spare request of the same window is refused as a duplicate.
 */
function changesStock(summary: OrderSummary, previousState: string | null): boolean {
  if (summary.channel !== 'FBM') return false;
  return (
    activityAttempt() > 1 ||
    summary.outcome === 'imported' ||
    (summary.state === 'cancelled' && previousState !== 'cancelled')
  );
}

/** How long a worker keeps a marketplace row: `marketplaces add` may correct one (an unknown id is never kept). */
export const MARKETPLACE_CACHE_MS = 60_000;

function createMarketplaceCache(db: Db): (id: string) => Promise<Record<string, any> | undefined> {
  const rows = new Map<string, { row: Record<string, any>; until: number }>();
  return async (id) => {
    const cached = rows.get(id);
    if (cached && cached.until > Date.now()) return cached.row;
    const row = await db('marketplaces').where({ id }).first();
    if (row) rows.set(id, { row, until: Date.now() + MARKETPLACE_CACHE_MS });
    else rows.delete(id);
    return row;
  };
}

export function createOrderActivities(deps: OrderActivityDeps) {
  const { db, spapi, logger } = deps;
  const requestStockSync = createStockSyncRequester({ temporal: deps.temporal, taskQueue: deps.taskQueue });
  const systemProducts = createSystemProductCache();
  const marketplaces = createMarketplaceCache(db);
  const summarize = async (accountId: string, amazonOrderId: string, outcome: OrderSummary['outcome']) => ({
    ...(await orderSummary(db, accountId, amazonOrderId, outcome, deps.piiRetentionMs)),
    shipRiskMarginMs: deps.shipRiskMarginMs,
  });

  /** The newest payload we hold (searchOrders' snapshot) if it is as new as the header, else getOrder. */
  async function latestOrder(accountId: string, amazonOrderId: string, lastUpdatedTime: string): Promise<Order> {
    const snapshot = await db('amazon_order_snapshots')
      .where({ account_id: accountId, amazon_order_id: amazonOrderId })
      .first();
    if (snapshot && new Date(snapshot.last_updated_time).getTime() >= Date.parse(lastUpdatedTime))
      return snapshot.payload as Order;
    const response = await spapi.call<{ order: Order }>(accountId, {
      operation: 'getOrder',
      endpoint: 'orders',
      path: { orderId: amazonOrderId },
      query: { includedData: ORDER_INCLUDED_DATA },
    });
    return response.order;
  }

  const activities = {
    /** Reconciles the book with Amazon's current order, in one transaction. Business errors flag the order. */
    async importOrder(input: {
      accountId: string;
      amazonOrderId: string;
      lastUpdatedTime: string;
      workflowId: string;
      /** Set by order workflows since `import-requests-stock-sync`: ask for the stock sync if the import changes stock. */
      requestStockSync?: boolean;
    }): Promise<OrderSummary> {
      const { accountId, amazonOrderId } = input;
      const log = logger.child({ account: accountId, amazonOrderId, workflowId: input.workflowId });
      let order: Order;
      try {
        order = await latestOrder(accountId, amazonOrderId, input.lastUpdatedTime);
      } catch (err) {
        if (err instanceof AmazonRejected || err instanceof AmazonAuthFailed) {
          await markAttention(db, accountId, amazonOrderId, err.message, 'import', input.workflowId);
          return summarize(accountId, amazonOrderId, 'needs_attention');
        }
        throw asActivityFailure(err);
      }
      const status = order.fulfillment?.fulfillmentStatus ?? '';
      if (isPending(status)) return { ...(await summarize(accountId, amazonOrderId, 'pending')), amazonStatus: status };

      const marketplaceId = order.salesChannel?.marketplaceId ?? '';
      const marketplace = marketplaceId ? await marketplaces(marketplaceId) : undefined;
      if (!marketplace) {
        // No id at all is a malformed payload, not a marketplace to add.
        const reason = marketplaceId
          ? `unknown marketplace ${marketplaceId}: add it with \`connector marketplaces add --id ${marketplaceId} ...\`, then retry`
          : 'malformed order: salesChannel.marketplaceId: missing';
        await markAttention(db, accountId, amazonOrderId, reason, 'import', input.workflowId, marketplaceId);
        return summarize(accountId, amazonOrderId, 'needs_attention');
      }
      let mapped;
      try {
        mapped = mapOrder(order, {
          id: marketplace.id,
          code: marketplace.code,
          currency: marketplace.currency,
          region: marketplace.region,
          countryCode: marketplace.country_code,
        });
      } catch (err) {
        // mapOrder is pure: whatever it throws, a retry throws again. A TypeError means a null or a wrong type where
        // the model has an object or text (R5 of the fault suite): flag it rather than retry forever.
        const reason =
          err instanceof OrderMappingError
            ? `malformed order: ${err.message}`
            : `malformed order: a field is null or of the wrong type where Amazon's model has an object or text (${(err as Error).message})`;
        await markAttention(db, accountId, amazonOrderId, reason, 'import', input.workflowId, marketplaceId);
        if (err instanceof OrderMappingError) log.warn({ field: err.field }, 'order flagged: malformed payload');
        else log.error({ err }, 'order flagged: the mapping failed on an unexpected payload shape');
        return summarize(accountId, amazonOrderId, 'needs_attention');
      }
      const result = await db.transaction(async (trx) => {
        const written = await writeOrder(trx, accountId, mapped, input.workflowId, await systemProducts(trx));
        // Consumed: a newer snapshot (written meanwhile by orderSync) is kept for the next update.
        await trx('amazon_order_snapshots')
          .where({ account_id: accountId, amazon_order_id: amazonOrderId })
          .where('last_updated_time', '<=', mapped.lastUpdatedTime)
          .delete();
        return written;
      });
      deps.onImported?.({ channel: mapped.channel, marketplaceId, outcome: result.outcome });
      log.info({ outcome: result.outcome, state: result.state, channel: mapped.channel }, 'order reconciled');
      const summary = await summarize(accountId, amazonOrderId, result.outcome);
      // After the commit: the stock sync must see this order's delivery.
      if (input.requestStockSync && changesStock(summary, result.previousState)) await requestStockSync(accountId);
      return summary;
    },

    async markNeedsAttention(input: { accountId: string; amazonOrderId: string; reason: string }): Promise<void> {
      await markAttention(db, input.accountId, input.amazonOrderId, input.reason, 'shipment');
    },

    /** Splits the open delivery into a package (what shipped) and the backorder; checks quantities against what is open. */
    async recordShipment(input: { accountId: string; amazonOrderId: string; shipment: ShipmentSignal }) {
      const recorded = await recordPackage(db, input.accountId, input.amazonOrderId, input.shipment);
      if (recorded.outcome === 'rejected') return recorded;
      return {
        outcome: 'recorded' as const,
        packageReferenceId: recorded.packageReferenceId,
        summary: await summarize(input.accountId, input.amazonOrderId, 'updated'),
      };
    },

    /** Sends every recorded package Amazon has not accepted yet (confirmShipment, one call per package). */
    async confirmPendingPackages(input: { accountId: string; amazonOrderId: string }) {
      const result = await confirmPackages(db, spapi, input.accountId, input.amazonOrderId);
      return { ...result, summary: await summarize(input.accountId, input.amazonOrderId, 'updated') };
    },

    /** The ship-by timer fired: ship_risk before Amazon's latest ship date, late after it (cleared when shipped). */
    async markShipByStatus(input: {
      accountId: string;
      amazonOrderId: string;
      status: 'ship_risk' | 'late';
    }): Promise<void> {
      await db('sale_orders')
        .where({ account_id: input.accountId, amazon_order_id: input.amazonOrderId })
        .whereNotIn('state', ['shipped', 'cancelled'])
        .update({ ship_by_status: input.status, updated_at: db.fn.now() });
    },

    async purgeOrderPii(input: { accountId: string; amazonOrderId: string }): Promise<void> {
      await purgePii(db, input.accountId, input.amazonOrderId);
    },
  };
  // The two that may wait on Amazon (and its rate limiter) heartbeat: their retry policy has a short heartbeatTimeout.
  return {
    ...activities,
    importOrder: (input: Parameters<typeof activities.importOrder>[0]) =>
      heartbeating(() => activities.importOrder(input)),
    confirmPendingPackages: (input: Parameters<typeof activities.confirmPendingPackages>[0]) =>
      heartbeating(() => activities.confirmPendingPackages(input)),
  };
}
