import { encodeAfter, Event, lastEventSequence, readEvents } from '../book/events';
import type { Db } from '../db';

/** One short line per business event: what `connector start` prints while it runs. */
export function describeEvent(e: Event): string | undefined {
  const order = `${e.amazonOrderId} (${e.account})`;
  switch (e.type) {
    case 'order.imported':
      return `imported ${order}: ${e.data.channel} ${e.data.state}, ${e.data.total} ${e.data.currency}`;
    case 'order.cancelled':
      return `cancelled ${order} on Amazon`;
    case 'order.return_expected':
      return `return expected: ${order} was cancelled after it shipped`;
    case 'order.needs_attention':
      return `needs attention: ${order}: ${e.data.reason}`;
    case 'order.ship_risk':
      return `${e.data.status === 'late' ? 'late' : 'ship risk'}: ${order} must ship by ${e.data.latestShipDate}`;
    case 'shipment.confirmed':
      return `Amazon confirmed package ${e.data.packageReferenceId} of ${order} (${e.data.carrier} ${e.data.trackingNumber})`;
    case 'shipment.rejected':
      return `Amazon REJECTED package ${e.data.packageReferenceId} of ${order}: ${e.data.error}`;
    case 'stock.pushed':
      return `stock pushed for ${e.account}: ${e.data.sent} quantities, ${e.data.accepted} accepted, ${e.data.rejected} rejected`;
    case 'stock.fba_drift':
      return `FBA drift on ${e.account}: ${e.data.drifted} products differ from what our moves predicted`;
    default:
      return undefined; // order.updated, delivery.ready: too chatty for a live line
  }
}

/** Follows the event feed from its current end, one line per event; the returned function stops it. */
export async function followEvents(db: Db, say: (line: string) => void, everyMs = 1_000): Promise<() => Promise<void>> {
  let after = encodeAfter(await lastEventSequence(db, {}));
  let stopped = false;
  let tick: Promise<void> = Promise.resolve();
  const timer = setInterval(() => {
    tick = tick.then(async () => {
      if (stopped) return;
      try {
        const page = await readEvents(db, { after, limit: 500 });
        for (const e of page.items) {
          const line = describeEvent(e);
          if (line) say(`${e.occurredAt.slice(11, 19)}  ${line}`);
        }
        after = page.nextCursor;
      } catch {
        // the database went away (shutting down): the next tick tries again, or stop() ends it
      }
    });
  }, everyMs);
  return async () => {
    stopped = true;
    clearInterval(timer);
    await tick;
  };
}
