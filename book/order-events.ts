import type { Knex } from 'knex';
import { NewEvent, orderLink } from './events';
import type { WriteChanges } from './order-import';
import type { BookOrder } from './order-records';
import { formatMoney, parseAmount } from '../lib/money';

/**
 * The events of one import (book/order-import.ts), from what the write changed: none when nothing did, so a retried
 * import (at least once, as every activity) emits nothing twice.
 */
export async function importEvents(
  trx: Knex,
  accountId: string,
  order: BookOrder,
  changes: WriteChanges,
): Promise<NewEvent[]> {
  const { result } = changes;
  const link = orderLink(accountId, order.amazonOrderId);
  const base = { account: accountId, marketplace: order.marketplaceId, amazonOrderId: order.amazonOrderId };
  const events: NewEvent[] = [];
  if (result.outcome === 'imported') {
    events.push({
      ...base,
      type: 'order.imported',
      data: {
        state: result.state,
        channel: order.channel,
        amazonStatus: order.amazonStatus,
        total: formatMoney(parseAmount(order.totals.total), order.currency),
        currency: order.currency,
        link,
      },
    });
  } else if (result.outcome === 'updated') {
    events.push({
      ...base,
      type: 'order.updated',
      data: { state: result.state, previousState: result.previousState, amazonStatus: order.amazonStatus, link },
    });
  }
  if (result.state === 'cancelled' && result.previousState !== 'cancelled')
    events.push({ ...base, type: 'order.cancelled', data: { previousState: result.previousState, link } });
  const flaggedNow = changes.reason !== null && changes.reason !== changes.previousReason;
  if (flaggedNow && changes.source === 'cancellation')
    events.push({ ...base, type: 'order.return_expected', data: { reason: changes.reason!, link } });
  else if (flaggedNow)
    events.push({
      ...base,
      type: 'order.needs_attention',
      data: { reason: changes.reason!, source: changes.source ?? 'import', link },
    });
  if (changes.deliveryCreated && result.state !== 'cancelled') {
    const delivery = await trx('deliveries').where({ order_id: result.orderId, ref: 'main' }).first('id');
    const lines = await trx('delivery_lines')
      .where({ delivery_id: delivery.id })
      .orderBy('id')
      .select('sku', 'quantity');
    events.push({
      ...base,
      type: 'delivery.ready',
      data: {
        deliveryId: delivery.id,
        latestShipDate: order.latestShipDate,
        shipServiceLevel: order.shipServiceLevel,
        lines,
        link,
      },
    });
  }
  return events;
}
