import { CATALOG } from '../catalog';
import type { Sandbox } from '../context';
import type { OrderJson, SandboxState } from '../state';
import type { StoredTransaction } from './ledger';
import { transactionUpdatePayload } from './notification';
import { RefundError, refundFor } from './refund';
import { shipmentFor, ShipmentSettings } from './shipment';
import { newOrderLedger, orderCurrency } from './transactions';
import { defaultEstablishment } from './withholding';

/** Finances inside a running sandbox: its config, the order hooks, refunds, and playing the ledger's clock. */

export interface FinanceConfig {
  /** How long after posting listTransactions shows a transaction (Amazon: up to 48 hours), e.g. "48h", "0s". */
  financeLag: string;
  /** A shipment is DEFERRED until this long after delivery (Amazon's DD7 policy: "7d"); "0s" defers nothing. */
  financeDeferral: string;
  /** The length of a settlement period (Amazon: "14d"). */
  financeSettlement: string;
  /** Divides every duration above and the delivery transit: at 86400 a day of Amazon's passes in a second. */
  financeTimeScale: number;
}

export const FINANCE_DEFAULTS: FinanceConfig = {
  financeLag: '48h',
  financeDeferral: '7d',
  financeSettlement: '14d',
  financeTimeScale: 1,
};

const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };
const DAY = UNIT_MS.d;
/** Delivery after shipment: Prime and FBA in 2 days, the rest in 4. */
const TRANSIT_DAYS = { fast: 2, standard: 4 };

/** "48h", "0s", "7d", "90m", "250ms" → milliseconds; throws a message naming the field otherwise. */
export function durationMs(text: unknown, field = 'duration'): number {
  const m = typeof text === 'string' ? /^(\d+(?:\.\d+)?)(ms|s|m|h|d)$/.exec(text) : null;
  if (!m) throw new Error(`${field} must be a duration like "48h", "7d", "90m", "30s" or "0s"`);
  return Number(m[1]) * UNIT_MS[m[2]];
}

/** Validates the finance keys of a PUT /_sandbox/config body; returns the ones given. */
export function parseFinanceConfig(body: Record<string, unknown>): Partial<FinanceConfig> {
  const patch: Partial<FinanceConfig> = {};
  for (const key of ['financeLag', 'financeDeferral', 'financeSettlement'] as const) {
    if (body[key] === undefined) continue;
    const ms = durationMs(body[key], key);
    if (key === 'financeSettlement' && ms <= 0) throw new Error('financeSettlement must be longer than 0s');
    patch[key] = body[key] as string;
  }
  if (body.financeTimeScale !== undefined) {
    const scale = body.financeTimeScale;
    if (typeof scale !== 'number' || !(scale >= 1 && scale <= 1e7))
      throw new Error('financeTimeScale must be a number from 1 to 10000000 (86400: a day per second)');
    patch.financeTimeScale = scale;
  }
  return patch;
}

/** The finance durations in the sandbox's clock (time-scaled), in milliseconds. */
export function financeClock(sb: Sandbox) {
  const scale = sb.config.financeTimeScale;
  const scaled = (text: string) => durationMs(text) / scale;
  return {
    lagMs: scaled(sb.config.financeLag),
    deferralMs: scaled(sb.config.financeDeferral),
    periodMs: scaled(sb.config.financeSettlement),
    transitMs: (fast: boolean) => ((fast ? TRANSIT_DAYS.fast : TRANSIT_DAYS.standard) * DAY) / scale,
  };
}

const PRODUCT_TYPES = new Map(CATALOG.map((c) => [c.sku, c.productType]));

export function establishmentOf(sb: Sandbox, sellerId: string): string {
  return (
    sb.state.finances.establishedIn.get(sellerId) ??
    defaultEstablishment(sb.state.sellers.get(sellerId)?.marketplaceIds ?? [])
  );
}

function shipmentSettings(sb: Sandbox, sellerId: string): ShipmentSettings {
  const clock = financeClock(sb);
  return {
    seed: sb.config.seed,
    establishedIn: establishmentOf(sb, sellerId),
    productTypeOf: (sku) => PRODUCT_TYPES.get(sku) ?? sb.state.listing(sellerId, sku)?.productType,
    deferralMs: clock.deferralMs,
    deferralReason: `DD${Math.round(durationMs(sb.config.financeDeferral) / DAY)}`,
    transitMs: clock.transitMs,
    now: sb.now(),
  };
}

/**
 * The order hook: charges whatever the orders shipped since their last Shipment transaction. Called wherever an order
 * is stored or changes (admin orders and status, Orders v0 confirmShipment); an order with nothing new costs nothing.
 */
export function recordShipments(sb: Sandbox, sellerId: string, orders: OrderJson[]): void {
  const ledger = sb.state.finances;
  const settings = shipmentSettings(sb, sellerId);
  for (const order of orders) {
    const orderId = String(order?.orderId);
    const result = shipmentFor(order, sellerId, ledger.orders.get(orderId), settings);
    if (!result) continue;
    ledger.orders.set(orderId, result.ledger);
    ledger.post(sellerId, result.built, orderId);
  }
  advanceFinances(sb);
}

/** Charges every stored order's shipped units not charged yet: a state saved before Finances existed catches up. */
export function recordAllShipments(sb: Sandbox): void {
  for (const sellerId of sb.state.sellers.keys()) {
    recordShipments(
      sb,
      sellerId,
      sb.state.sellerOrders(sellerId).map((o) => o.order),
    );
  }
  advanceFinances(sb);
}

export { RefundError };

/** Refunds the given units (all that is left when `items` is undefined), posted at `at`. */
export function refundOrder(
  sb: Sandbox,
  orderId: string,
  items: Array<{ orderItemId: string; quantity: number }> | undefined,
  opts: { reason?: string; at: number },
): StoredTransaction {
  const stored = sb.state.orders.get(orderId);
  if (!stored) throw new RefundError(404, `no order ${orderId}`);
  const ledger = sb.state.finances;
  const previous = ledger.orders.get(orderId);
  if (!previous || Object.values(previous.items).every((i) => i.units === 0))
    throw new RefundError(409, `order ${orderId} has shipped nothing yet: cancel it instead of refunding`);
  const { built, ledger: next } = refundFor(stored.order, previous, items, { seed: sb.config.seed, postedAt: opts.at });
  ledger.orders.set(orderId, next);
  ledger.post(stored.sellerId, built, orderId, opts.reason);
  advanceFinances(sb);
  // Posted at once: `at` is never in the future (the admin route refuses that).
  return ledger.transactions.get(built.transaction.transactionId)!;
}

/** Makes the order's next Shipment charge `amount` more than its Orders-API proceeds ("0" clears it). */
export function setMismatch(sb: Sandbox, orderId: string, amount: string): void {
  const stored = sb.state.orders.get(orderId);
  if (!stored) throw new RefundError(404, `no order ${orderId}`);
  const ledger = sb.state.finances;
  const order = stored.order;
  const currency = orderCurrency(order);
  const marketplaceId = order.salesChannel?.marketplaceId;
  if (!currency || typeof marketplaceId !== 'string')
    throw new RefundError(409, `order ${orderId} has no proceeds or marketplace: it will never be charged`);
  const previous = ledger.orders.get(orderId) ?? newOrderLedger(stored.sellerId, marketplaceId, currency);
  const items = Array.isArray(order.orderItems) ? order.orderItems : [];
  const unshipped = items.some((i: any) => (previous.items[i?.orderItemId]?.units ?? 0) < Number(i?.quantityOrdered));
  if (!unshipped) throw new RefundError(409, `order ${orderId} is charged in full: set a mismatch before it ships`);
  const next = { ...previous };
  if (/^-?0+(\.0+)?$/.test(amount)) delete next.mismatch;
  else next.mismatch = amount;
  ledger.orders.set(orderId, next);
}

/** Plays the ledger up to now (postings, releases, settlement closings), announcing each change. */
export function advanceFinances(sb: Sandbox): void {
  const clock = financeClock(sb);
  const ran = sb.state.finances.advance(sb.now(), {
    seed: sb.config.seed,
    periodMs: clock.periodMs,
    emit: (stored, change, at) =>
      sb.transactionEvents.emit(stored.transaction, change, {
        sellerId: stored.sellerId,
        at,
        visibleAt: stored.postedAt + clock.lagMs,
      }),
  });
  if (ran > 0) sb.changed();
  scheduleFinances(sb);
}

/**
 * TRANSACTION_UPDATE to the seller's subscribed queues (the Notifications publisher), for every transaction created or
 * released, sent when listTransactions starts to show it (after the lag), so the notification never runs ahead of the
 * API. A notification waiting for its time is not kept across a restart.
 */
export function publishTransactionUpdates(sb: Sandbox): () => void {
  return sb.transactionEvents.onTransaction((tx, _change, info) => {
    const publish = () =>
      sb.notifications.publish(
        'TRANSACTION_UPDATE',
        info.sellerId,
        { marketplaceId: tx.sellingPartnerMetadata.marketplaceId },
        () => transactionUpdatePayload(tx),
      );
    const wait = info.visibleAt - sb.now();
    if (wait <= 0) publish();
    else sb.schedule(publish, wait);
  });
}

/** When the earliest timer of each state fires (epoch ms of the real clock). */
const timers = new WeakMap<SandboxState, number>();

/**
 * Keeps a timer on the ledger's next event (at most a minute away), so releases and transfers happen, and are
 * announced, without a request to prompt them.
 */
export function scheduleFinances(sb: Sandbox): void {
  const state = sb.state;
  const next = state.finances.nextEventAt();
  if (next === undefined) return;
  const wait = Math.min(60_000, Math.max(10, next - sb.now()));
  const fireAt = Date.now() + wait;
  const pending = timers.get(state);
  if (pending !== undefined && pending > Date.now() && pending <= fireAt) return;
  timers.set(state, fireAt);
  sb.schedule(() => {
    if (timers.get(state) === fireAt) timers.delete(state);
    if (sb.state === state) advanceFinances(sb);
  }, wait);
}
