import type { Client } from '@temporalio/client';
import type { Db } from '../db';
import { importOrder as writeOrder } from '../book/order-import';
import { markAttention, markShipByStatus } from '../book/orders';
import { orderSummary, OrderSummary, purgePii } from '../book/order-lifecycle';
import { orderSnapshot } from '../book/order-sync';
import {
  finishConfirmations,
  holdConfirmation,
  packagesToConfirm,
  recordConfirmation,
  recordShipment,
} from '../book/shipments';
import { findMarketplace, Marketplace } from '../book/marketplaces';
import { AmazonAuthFailed, AmazonRejected } from '../lib/errors';
import type { Logger } from '../lib/logger';
import type { ShipmentInput } from '../lib/shipment';
import { createStockSyncRequester } from '../lib/workflow-client';
import { isPending } from '../workflows/order-types';
import { activityAttempt, heartbeating } from './heartbeat';
import { asActivityFailure, SpApi } from './spapi/gateway';
import { mapOrder, OrderMappingError } from './spapi/order-mapping';
import { confirmShipment, getOrder } from './spapi/orders';
import type { Order } from './spapi/orders-2026-types';

/** The order workflow's activities: Amazon's order into the book, packages to Amazon, the ship-by and PII timers. */

export type { OrderSummary };

export interface OrderActivityDeps {
  db: Db;
  spapi: SpApi;
  logger: Logger;
  /** Default PII retention after delivery, when the account sets none. */
  piiRetentionMs: number;
  /** How long before Amazon's latest ship date an open FBM order counts as at risk. */
  shipRiskMarginMs: number;
  onImported?: (summary: { channel: string | null; marketplaceId: string; outcome: string }) => void;
  /** For the debounced stock sync an import asks for (lib/workflow-client.ts). */
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

function createMarketplaceCache(db: Db): (id: string) => Promise<Marketplace | undefined> {
  const rows = new Map<string, { row: Marketplace; until: number }>();
  return async (id) => {
    const cached = rows.get(id);
    if (cached && cached.until > Date.now()) return cached.row;
    const row = await findMarketplace(db, { idOrCode: id });
    if (row && row.id === id) rows.set(id, { row, until: Date.now() + MARKETPLACE_CACHE_MS });
    else rows.delete(id);
    return row?.id === id ? row : undefined;
  };
}

export function createOrderActivities(deps: OrderActivityDeps) {
  const { db, spapi, logger } = deps;
  const requestStockSync = createStockSyncRequester({ temporal: deps.temporal, taskQueue: deps.taskQueue });
  const marketplaces = createMarketplaceCache(db);
  const summarize = (accountId: string, amazonOrderId: string, outcome: OrderSummary['outcome']) =>
    orderSummary(db, {
      accountId,
      amazonOrderId,
      outcome,
      defaultRetentionMs: deps.piiRetentionMs,
      shipRiskMarginMs: deps.shipRiskMarginMs,
    });

  /** The newest payload we hold (searchOrders' snapshot) if it is as new as the header, else getOrder. */
  async function latestOrder(accountId: string, amazonOrderId: string, lastUpdatedTime: string): Promise<Order> {
    const snapshot = await orderSnapshot(db, { accountId, amazonOrderId });
    if (snapshot && Date.parse(snapshot.lastUpdatedTime) >= Date.parse(lastUpdatedTime))
      return snapshot.payload as Order;
    return getOrder(spapi, accountId, amazonOrderId);
  }

  /** Business errors flag the order and end the import; the workflow waits for `retry` or a newer update. */
  async function flagImport(
    input: { accountId: string; amazonOrderId: string; workflowId: string },
    reason: string,
    marketplaceId?: string,
  ): Promise<OrderSummary> {
    await markAttention(db, { ...input, reason, source: 'import', marketplaceId });
    return summarize(input.accountId, input.amazonOrderId, 'needs_attention');
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
        if (err instanceof AmazonRejected || err instanceof AmazonAuthFailed) return flagImport(input, err.message);
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
        return flagImport(input, reason, marketplaceId);
      }
      let mapped;
      try {
        mapped = mapOrder(order, marketplace);
      } catch (err) {
        // mapOrder is pure: whatever it throws, a retry throws again. A TypeError means a null or a wrong type where
        // the model has an object or text (R5 of the fault suite): flag it rather than retry forever.
        if (err instanceof OrderMappingError) log.warn({ field: err.field }, 'order flagged: malformed payload');
        else log.error({ err }, 'order flagged: the mapping failed on an unexpected payload shape');
        const reason =
          err instanceof OrderMappingError
            ? `malformed order: ${err.message}`
            : `malformed order: a field is null or of the wrong type where Amazon's model has an object or text (${(err as Error).message})`;
        return flagImport(input, reason, marketplaceId);
      }
      const result = await writeOrder(db, { accountId, workflowId: input.workflowId, order: mapped });
      deps.onImported?.({ channel: mapped.channel, marketplaceId, outcome: result.outcome });
      log.info({ outcome: result.outcome, state: result.state, channel: mapped.channel }, 'order reconciled');
      const summary = await summarize(accountId, amazonOrderId, result.outcome);
      // After the commit: the stock sync must see this order's delivery.
      if (input.requestStockSync && changesStock(summary, result.previousState)) await requestStockSync(accountId);
      return summary;
    },

    async markNeedsAttention(input: { accountId: string; amazonOrderId: string; reason: string }): Promise<void> {
      await markAttention(db, { ...input, source: 'shipment' });
    },

    /** Splits the open delivery into a package (what shipped) and the backorder; checks quantities against what is open. */
    async recordShipment(input: { accountId: string; amazonOrderId: string; shipment: ShipmentInput }) {
      const recorded = await recordShipment(db, input);
      if (recorded.outcome === 'rejected') return recorded;
      return {
        outcome: 'recorded' as const,
        packageReferenceId: recorded.packageReferenceId,
        /** The same tracking and items as a package already recorded: nothing new was written. */
        duplicate: recorded.duplicate,
        summary: await summarize(input.accountId, input.amazonOrderId, 'updated'),
      };
    },

    /** Sends every recorded package Amazon has not accepted yet (confirmShipment, one call per package). */
    async confirmPendingPackages(input: { accountId: string; amazonOrderId: string }) {
      let rejected: string | null = null;
      for (const pkg of await packagesToConfirm(db, input)) {
        try {
          await confirmShipment(spapi, input.accountId, input.amazonOrderId, pkg.request);
          await recordConfirmation(db, { ...input, deliveryId: pkg.deliveryId, accepted: true });
        } catch (err) {
          if (err instanceof AmazonAuthFailed) {
            // The credentials were refused (an expired LWA client secret), not the package: it stays to be confirmed,
            // and the order waits for `retry` once they are fixed (`connector apps rotate-secret`).
            rejected = `package ${pkg.packageReferenceId} (tracking ${pkg.trackingNumber}) not confirmed: ${err.message}`;
            await holdConfirmation(db, { ...input, deliveryId: pkg.deliveryId, reason: rejected });
            break;
          }
          if (!(err instanceof AmazonRejected)) throw asActivityFailure(err);
          rejected = `Amazon rejected package ${pkg.packageReferenceId} (tracking ${pkg.trackingNumber}): ${err.amazonMessage}`;
          await recordConfirmation(db, {
            ...input,
            deliveryId: pkg.deliveryId,
            accepted: false,
            amazonMessage: err.amazonMessage,
            reason: rejected,
          });
          break;
        }
      }
      const packages = await finishConfirmations(db, { ...input, rejected: rejected !== null });
      return { packages, rejected, summary: await summarize(input.accountId, input.amazonOrderId, 'updated') };
    },

    /** The ship-by timer fired: ship_risk before Amazon's latest ship date, late after it (cleared when shipped). */
    async markShipByStatus(input: {
      accountId: string;
      amazonOrderId: string;
      status: 'ship_risk' | 'late';
    }): Promise<void> {
      await markShipByStatus(db, input);
    },

    async purgeOrderPii(input: { accountId: string; amazonOrderId: string }): Promise<void> {
      await purgePii(db, input);
    },

    /** For order workflows whose history predates `import-requests-stock-sync` (the import asks since). */
    async requestStockSync(input: { accountId: string }): Promise<{ workflowId: string; started: boolean }> {
      return requestStockSync(input.accountId);
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

export type OrderActivities = ReturnType<typeof createOrderActivities>;
