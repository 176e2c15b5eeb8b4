import {
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { createOrderActivities, OrderSummary } from '../activities/orders';
import type { createStockRequestActivities } from '../activities/stock-requests';
import { isPending, newerHeader, OrderHeader, validateShipmentSignal } from './order-types';
import { ORDER_STATE } from './search-attributes';
import { ORDER_ACTIVITY_OPTIONS, ORDER_SPAPI_ACTIVITY_OPTIONS } from './retry-policies';

export const amazonUpdate = defineSignal<[OrderHeader]>('amazonUpdate');
export const shipmentDone = defineSignal<[unknown]>('shipmentDone');
export const retry = defineSignal('retry');
export const stateQuery = defineQuery<OrderWorkflowState>('state');

export interface OrderInput {
  accountId: string;
  header: OrderHeader;
}

export interface OrderWorkflowState {
  amazonOrderId: string;
  phase: 'pending' | 'importing' | 'awaiting_shipment' | 'awaiting_amazon' | 'needs_attention' | 'retention' | 'done';
  state: string | null;
  amazonStatus: string;
  openQuantity: number;
  packages: Array<{ packageReferenceId: number; trackingNumber: string; status: 'confirmed' | 'rejected' | 'pending' }>;
  rejectedShipments: Array<{ reason: string }>;
  lastError: string | null;
  /** What the last step did to the book: imported (new), updated, unchanged, needs_attention, pending. */
  lastOutcome: OrderSummary['outcome'] | null;
  /** False while an Amazon update received is not yet reconciled with the book (`sync orders --wait` waits for it). */
  upToDate: boolean;
}

const db = proxyActivities<ReturnType<typeof createOrderActivities>>(ORDER_ACTIVITY_OPTIONS);
const amazon = proxyActivities<ReturnType<typeof createOrderActivities>>(ORDER_SPAPI_ACTIVITY_OPTIONS);
const stock = proxyActivities<ReturnType<typeof createStockRequestActivities>>(ORDER_ACTIVITY_OPTIONS);

/**
 * One Amazon order, from first sight to PII purge. Amazon's updates arrive as `amazonUpdate` signals (orderSync),
 * the warehouse's as `shipmentDone`; every change to the book is an idempotent activity.
 */
/** The next ship-by alarm of an open FBM order: at risk `margin` before Amazon's latest ship date, late after it. */
function nextShipByAlarm(
  summary: OrderSummary,
  current: 'ship_risk' | 'late' | undefined,
): { at: number; status: 'ship_risk' | 'late' } | undefined {
  if (!summary.latestShipDate || current === 'late') return undefined;
  const latest = Date.parse(summary.latestShipDate);
  return current === 'ship_risk'
    ? { at: latest, status: 'late' }
    : { at: latest - summary.shipRiskMarginMs, status: 'ship_risk' };
}

export async function order(input: OrderInput): Promise<OrderWorkflowState> {
  const { accountId } = input;
  const workflowId = workflowInfo().workflowId;
  let latest = input.header;
  let reconciled: string | null = null; // lastUpdatedTime of the header last imported
  let retryRequested = false;
  const inbox: unknown[] = [];
  const state: OrderWorkflowState = {
    amazonOrderId: latest.amazonOrderId,
    phase: 'pending',
    state: null,
    amazonStatus: latest.amazonStatus,
    openQuantity: 0,
    packages: [],
    rejectedShipments: [],
    lastError: null,
    lastOutcome: null,
    upToDate: false,
  };

  setHandler(amazonUpdate, (header) => {
    latest = newerHeader(latest, header);
  });
  setHandler(shipmentDone, (payload) => void inbox.push(payload));
  setHandler(retry, () => void (retryRequested = true));
  setHandler(stateQuery, () => state);

  const hasNewUpdate = () => reconciled === null || Date.parse(latest.lastUpdatedTime) > Date.parse(reconciled);
  setHandler(stateQuery, () => ({ ...state, upToDate: !hasNewUpdate() }));
  const setOrderState = (value: string | null) => {
    state.state = value;
    if (value) upsertSearchAttributes([{ key: ORDER_STATE, value }]);
  };
  /** Shows the flag in the query and search attribute; `record` also writes it (activities that flag write it themselves). */
  const flag = async (reason: string, record = true) => {
    state.lastError = reason;
    state.phase = 'needs_attention';
    setOrderState('needs_attention');
    if (record) await db.markNeedsAttention({ accountId, amazonOrderId: latest.amazonOrderId, reason });
  };
  const applySummary = (summary: OrderSummary) => {
    state.amazonStatus = summary.amazonStatus;
    state.openQuantity = summary.openQuantity;
    state.lastError = summary.reason;
    state.lastOutcome = summary.outcome;
    setOrderState(summary.state);
  };

  /** Reconciles the book with the latest header; `requestStockSync` lets the import ask for the stock sync. */
  const importLatest = async (requestStockSync: boolean): Promise<OrderSummary> => {
    const target = latest.lastUpdatedTime;
    const imported = await amazon.importOrder({
      accountId,
      amazonOrderId: latest.amazonOrderId,
      lastUpdatedTime: target,
      workflowId,
      ...(requestStockSync ? { requestStockSync } : {}),
    });
    reconciled = target;
    applySummary(imported);
    return imported;
  };

  let summary: OrderSummary | undefined;
  let shipBy: 'ship_risk' | 'late' | undefined;
  for (;;) {
    if (workflowInfo().continueAsNewSuggested && inbox.length === 0) {
      await continueAsNew<typeof order>({ accountId, header: latest });
    }

    if (hasNewUpdate() || retryRequested) {
      if (isPending(latest.amazonStatus) && !summary) {
        state.phase = 'pending';
        setOrderState('pending');
        await condition(() => !isPending(latest.amazonStatus));
        continue;
      }
      retryRequested = false;
      state.phase = 'importing';
      const before = summary?.state;
      // Since this patch the import asks for the stock sync itself: one activity task less per order.
      const importRequestsStockSync = patched('import-requests-stock-sync');
      summary = await importLatest(importRequestsStockSync);
      if (summary.outcome === 'pending') continue;
      // A new FBM delivery reserves stock, a cancelled one releases it: Amazon's quantities follow (debounced).
      if (
        !importRequestsStockSync &&
        summary.channel === 'FBM' &&
        (summary.outcome === 'imported' || (summary.state === 'cancelled' && before !== 'cancelled'))
      ) {
        await stock.requestStockSync({ accountId });
      }
      // Only an order that could not be written waits here; a shipment or confirmation flag is handled below.
      if (summary.outcome === 'needs_attention' && summary.attentionSource === 'import') {
        state.phase = 'needs_attention';
        await condition(() => retryRequested || hasNewUpdate());
        continue;
      }
    }
    if (!summary) continue;

    // Shipments typed by people or sent by the warehouse: validate, record the package, confirm it to Amazon.
    while (inbox.length > 0 && summary.channel === 'FBM') {
      const checked = validateShipmentSignal(inbox.shift());
      if (!checked.ok) {
        state.rejectedShipments.push({ reason: checked.reason });
        await flag(`shipment rejected: ${checked.reason}`);
        continue;
      }
      const recorded = await db.recordShipment({
        accountId,
        amazonOrderId: latest.amazonOrderId,
        shipment: checked.shipment,
      });
      if (recorded.outcome === 'rejected') {
        state.rejectedShipments.push({ reason: recorded.reason });
        await flag(`shipment rejected: ${recorded.reason}`);
        continue;
      }
      summary = { ...summary, ...recorded.summary };
      applySummary(summary);
    }
    if (inbox.length > 0 && summary.channel !== 'FBM') {
      inbox
        .splice(0)
        .forEach(() =>
          state.rejectedShipments.push({ reason: 'shipmentDone is for FBM orders; Amazon ships FBA orders' }),
        );
      await flag('shipment rejected: shipmentDone is for FBM orders; Amazon ships FBA orders');
    }

    // Every recorded package not yet accepted by Amazon is (re)sent; a rejection waits for `retry` after a fix.
    if (summary.pendingPackages > 0) {
      const confirmation = await amazon.confirmPendingPackages({ accountId, amazonOrderId: latest.amazonOrderId });
      state.packages = confirmation.packages;
      summary = { ...summary, ...confirmation.summary };
      applySummary(summary);
      if (confirmation.rejected) {
        await flag(confirmation.rejected, false);
        await condition(() => retryRequested || hasNewUpdate() || inbox.length > 0);
        continue;
      }
    }

    if (summary.closed) break;
    state.phase = summary.channel === 'FBM' ? 'awaiting_shipment' : 'awaiting_amazon';
    const woken = () => hasNewUpdate() || retryRequested || inbox.length > 0;
    const next = summary.channel === 'FBM' && summary.openQuantity > 0 ? nextShipByAlarm(summary, shipBy) : undefined;
    if (!next) {
      await condition(woken);
    } else if (!(await condition(woken, Math.max(1, next.at - Date.now())))) {
      shipBy = next.status;
      await db.markShipByStatus({ accountId, amazonOrderId: latest.amazonOrderId, status: next.status });
      upsertSearchAttributes([{ key: ORDER_STATE, value: next.status }]);
    }
  }

  // Delivered or cancelled: keep listening for late changes (a cancellation after shipment) until PII is purged.
  state.phase = 'retention';
  const purgeAt = Date.parse(summary.closedAt ?? new Date().toISOString()) + summary.piiRetentionMs;
  while (Date.now() < purgeAt) {
    if (!(await condition(() => hasNewUpdate() || inbox.length > 0, purgeAt - Date.now()))) continue;
    // A shipment for a closed order is refused with the reason (it stays visible in the `state` query).
    for (const _ of inbox.splice(0)) {
      state.rejectedShipments.push({
        reason:
          summary.state === 'cancelled'
            ? 'the order was cancelled on Amazon: do not ship it'
            : 'nothing is left to ship on this order',
      });
    }
    if (hasNewUpdate()) summary = await importLatest(false);
  }
  await db.purgeOrderPii({ accountId, amazonOrderId: latest.amazonOrderId });
  state.phase = 'done';
  return state;
}
