import {
  allHandlersFinished,
  condition,
  continueAsNew,
  defineQuery,
  defineSignal,
  defineUpdate,
  patched,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { OrderActivities, OrderSummary } from '../activities/order';
import { checkShipment } from '../lib/shipment';
import { isPending, newerHeader, OrderHeader } from './order-types';
import { ORDER_STATE } from './search-attributes';
import { AMAZON_CALL_HEARTBEATING, BOOK_WRITE } from './retry-policies';

export const amazonUpdate = defineSignal<[OrderHeader]>('amazonUpdate');
export const shipmentDone = defineSignal<[unknown]>('shipmentDone');
export const retry = defineSignal('retry');
export const stateQuery = defineQuery<OrderWorkflowState>('state');

/** What became of a shipment sent as the `ship` update: its package (Amazon's answer comes later, in the book), or why not. */
export type ShipResult =
  { outcome: 'recorded'; packageReferenceId: number; duplicate: boolean } | { outcome: 'rejected'; reason: string };
/**
 * A shipment from the API or the CLI, as a Workflow Update: its validator refuses a malformed payload before anything
 * enters history, and the caller learns the package it became. The `shipmentDone` signal stays for the Temporal UI.
 */
export const ship = defineUpdate<ShipResult, [unknown]>('ship');

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
  /** Waiting with nothing left to do: every signal received so far is fully handled (what a "nothing changed" check needs). */
  idle: boolean;
}

const { markNeedsAttention, recordShipment, markShipByStatus, purgeOrderPii, requestStockSync } =
  proxyActivities<OrderActivities>(BOOK_WRITE);
// importOrder reads Amazon's order (getOrder, unless searchOrders' snapshot is as new) before it writes the book.
const { importOrder, confirmPendingPackages } = proxyActivities<OrderActivities>(AMAZON_CALL_HEARTBEATING);

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

/** A phase's verdict on the lifecycle loop: go on to the next phase, or start the loop over. */
type Next = 'next' | 'again';

/**
 * One Amazon order, from first sight to PII purge. Amazon's updates arrive as `amazonUpdate` signals (orderSync),
 * the warehouse's as `shipmentDone`; every change to the book is an idempotent activity. The phases, in order:
 * reconcile (pending orders wait; import) → take shipments → confirm packages → wait for the next event; once the
 * order is closed, retention (late updates still reconciled) → PII purge.
 */
export async function order(input: OrderInput): Promise<OrderWorkflowState> {
  const { accountId } = input;
  const workflowId = workflowInfo().workflowId;
  let latest = input.header;
  let reconciled: string | null = null; // lastUpdatedTime of the header last imported
  let retryRequested = false;
  /** Shipments waiting to be recorded, in arrival order; an update's carries its request number for the answer. */
  const inbox: Array<{ payload: unknown; request?: number }> = [];
  const answers = new Map<number, ShipResult>();
  let requests = 0;
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
    idle: false,
  };
  // The wake-up test of the wait in progress; the query reports `idle` while it is false.
  let wakeUp: (() => boolean) | undefined;
  async function waitUntil(wake: () => boolean, timeoutMs?: number): Promise<boolean> {
    wakeUp = wake;
    try {
      return timeoutMs === undefined ? (await condition(wake), true) : await condition(wake, timeoutMs);
    } finally {
      wakeUp = undefined;
    }
  }
  const hasNewUpdate = () => reconciled === null || Date.parse(latest.lastUpdatedTime) > Date.parse(reconciled);

  setHandler(amazonUpdate, (header) => {
    latest = newerHeader(latest, header);
  });
  setHandler(shipmentDone, (payload) => void inbox.push({ payload }));
  setHandler(
    ship,
    async (payload) => {
      const request = ++requests;
      inbox.push({ payload, request });
      await condition(() => answers.has(request));
      const answer = answers.get(request)!;
      answers.delete(request);
      return answer;
    },
    {
      validator: (payload) => {
        const checked = checkShipment(payload);
        if (!checked.ok) throw new Error(checked.reason);
      },
    },
  );
  /** A shipment refused: visible in the `state` query, and the answer of the update that sent it. */
  const refuse = (entry: { request?: number }, reason: string) => {
    state.rejectedShipments.push({ reason });
    if (entry.request) answers.set(entry.request, { outcome: 'rejected', reason });
  };
  setHandler(retry, () => void (retryRequested = true));
  setHandler(stateQuery, () => ({ ...state, upToDate: !hasNewUpdate(), idle: wakeUp !== undefined && !wakeUp() }));

  const ref = () => ({ accountId, amazonOrderId: latest.amazonOrderId });
  const setOrderState = (value: string | null) => {
    state.state = value;
    if (value) upsertSearchAttributes([{ key: ORDER_STATE, value }]);
  };
  /** Shows the flag in the query and search attribute; `record` also writes it (activities that flag write it themselves). */
  const flag = async (reason: string, record = true) => {
    state.lastError = reason;
    state.phase = 'needs_attention';
    setOrderState('needs_attention');
    if (record) await markNeedsAttention({ ...ref(), reason });
  };
  const applySummary = (next: OrderSummary): OrderSummary => {
    state.amazonStatus = next.amazonStatus;
    state.openQuantity = next.openQuantity;
    state.lastError = next.reason;
    state.lastOutcome = next.outcome;
    setOrderState(next.state);
    return next;
  };

  /** Reconciles the book with the latest header; `askStockSync` lets the import ask for the stock sync. */
  const importLatest = async (askStockSync: boolean): Promise<OrderSummary> => {
    const target = latest.lastUpdatedTime;
    const imported = await importOrder({
      ...ref(),
      lastUpdatedTime: target,
      workflowId,
      ...(askStockSync ? { requestStockSync: askStockSync } : {}),
    });
    reconciled = target;
    return applySummary(imported);
  };

  let summary: OrderSummary | undefined;
  let shipBy: 'ship_risk' | 'late' | undefined;

  /** Phase: a pending order waits for Amazon; any other update (or a retry) is imported. */
  const reconcile = async (): Promise<Next> => {
    if (isPending(latest.amazonStatus) && !summary) {
      state.phase = 'pending';
      setOrderState('pending');
      await waitUntil(() => !isPending(latest.amazonStatus));
      return 'again';
    }
    retryRequested = false;
    state.phase = 'importing';
    const before = summary?.state;
    // Since this patch the import asks for the stock sync itself: one activity task less per order.
    const importRequestsStockSync = patched('import-requests-stock-sync');
    const imported = (summary = await importLatest(importRequestsStockSync));
    if (imported.outcome === 'pending') return 'again';
    // A new FBM delivery reserves stock, a cancelled one releases it: Amazon's quantities follow (debounced).
    if (
      !importRequestsStockSync &&
      imported.channel === 'FBM' &&
      (imported.outcome === 'imported' || (imported.state === 'cancelled' && before !== 'cancelled'))
    ) {
      await requestStockSync({ accountId });
    }
    // Only an order that could not be written waits here; a shipment or confirmation flag is handled below.
    if (imported.outcome === 'needs_attention' && imported.attentionSource === 'import') {
      state.phase = 'needs_attention';
      await waitUntil(() => retryRequested || hasNewUpdate());
      return 'again';
    }
    return 'next';
  };

  /** Phase: shipments typed by people or sent by the warehouse are checked, then recorded as packages. */
  const takeShipments = async (current: OrderSummary): Promise<OrderSummary> => {
    while (inbox.length > 0 && current.channel === 'FBM') {
      const entry = inbox.shift()!;
      const checked = checkShipment(entry.payload);
      if (!checked.ok) {
        refuse(entry, checked.reason);
        await flag(`shipment rejected: ${checked.reason}`);
        continue;
      }
      const recorded = await recordShipment({ ...ref(), shipment: checked.shipment });
      if (recorded.outcome === 'rejected') {
        refuse(entry, recorded.reason);
        await flag(`shipment rejected: ${recorded.reason}`);
        continue;
      }
      if (entry.request) {
        const { packageReferenceId, duplicate = false } = recorded;
        answers.set(entry.request, { outcome: 'recorded', packageReferenceId, duplicate });
      }
      current = applySummary({ ...current, ...recorded.summary });
    }
    if (inbox.length > 0 && current.channel !== 'FBM') {
      const reason = 'shipmentDone is for FBM orders; Amazon ships FBA orders';
      inbox.splice(0).forEach((entry) => refuse(entry, reason));
      await flag(`shipment rejected: ${reason}`);
    }
    return current;
  };

  /** Phase: every recorded package not yet accepted by Amazon is (re)sent; a rejection waits for a fix and `retry`. */
  const confirmPackages = async (current: OrderSummary): Promise<{ next: Next; summary: OrderSummary }> => {
    if (current.pendingPackages === 0) return { next: 'next', summary: current };
    const confirmation = await confirmPendingPackages(ref());
    state.packages = confirmation.packages;
    const confirmed = applySummary({ ...current, ...confirmation.summary });
    if (!confirmation.rejected) return { next: 'next', summary: confirmed };
    await flag(confirmation.rejected, false);
    await waitUntil(() => retryRequested || hasNewUpdate() || inbox.length > 0);
    return { next: 'again', summary: confirmed };
  };

  /** Phase: an open order waits for Amazon, the warehouse or ops; an open FBM order's ship-by alarms fire meanwhile. */
  const awaitNextEvent = async (current: OrderSummary): Promise<void> => {
    state.phase = current.channel === 'FBM' ? 'awaiting_shipment' : 'awaiting_amazon';
    const woken = () => hasNewUpdate() || retryRequested || inbox.length > 0;
    const next = current.channel === 'FBM' && current.openQuantity > 0 ? nextShipByAlarm(current, shipBy) : undefined;
    if (!next) {
      await waitUntil(woken);
    } else if (!(await waitUntil(woken, Math.max(1, next.at - Date.now())))) {
      shipBy = next.status;
      await markShipByStatus({ ...ref(), status: next.status });
      upsertSearchAttributes([{ key: ORDER_STATE, value: next.status }]);
    }
  };

  /** Phase: delivered or cancelled, the order keeps listening for late changes (a cancellation after shipment). */
  const retention = async (closed: OrderSummary): Promise<void> => {
    state.phase = 'retention';
    const purgeAt = Date.parse(closed.closedAt ?? new Date().toISOString()) + closed.piiRetentionMs;
    while (Date.now() < purgeAt) {
      if (!(await waitUntil(() => hasNewUpdate() || inbox.length > 0, purgeAt - Date.now()))) continue;
      // A shipment for a closed order is refused with the reason (it stays visible in the `state` query).
      for (const entry of inbox.splice(0)) {
        refuse(
          entry,
          closed.state === 'cancelled'
            ? 'the order was cancelled on Amazon: do not ship it'
            : 'nothing is left to ship on this order',
        );
      }
      if (hasNewUpdate()) closed = await importLatest(false);
    }
  };

  for (;;) {
    if (workflowInfo().continueAsNewSuggested && inbox.length === 0) {
      await condition(allHandlersFinished); // every update answered first: its caller waits for it
      await continueAsNew<typeof order>({ accountId, header: latest });
    }
    if ((hasNewUpdate() || retryRequested) && (await reconcile()) === 'again') continue;
    if (!summary) continue;
    summary = await takeShipments(summary);
    const confirmed = await confirmPackages(summary);
    summary = confirmed.summary;
    if (confirmed.next === 'again') continue;
    if (summary.closed) break;
    await awaitNextEvent(summary);
  }
  await retention(summary);
  await purgeOrderPii(ref());
  state.phase = 'done';
  await condition(allHandlersFinished);
  return state;
}
