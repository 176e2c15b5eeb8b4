import type { OrderJson } from '../state';
import { hashId, roundTo } from './amounts';
import { Components } from './breakdowns';
import { refundAdministrationFee } from './fees';
import {
  addTo,
  Built,
  COMMISSION,
  envelope,
  FBA_FEE,
  itemsOf,
  OrderLedger,
  productContext,
  servedItem,
  TransactionItem,
  US,
} from './transactions';

export class RefundError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * The Refund transaction for some units of a charged order (all that is left when `request` is undefined): the
 * buyer's money back, the referral fee and closing fee back minus Amazon's refund administration fee, the withheld
 * tax back. FBA fulfilment fees are not refunded. The last unit of an item gives back exactly what is left.
 */
export function refundFor(
  order: OrderJson,
  previous: OrderLedger,
  request: Array<{ orderItemId: string; quantity: number }> | undefined,
  s: { seed: number; postedAt: number },
): { built: Built; ledger: OrderLedger } {
  const ledger: OrderLedger = structuredClone(previous);
  const known = new Map(itemsOf(order).map((i) => [i.orderItemId as string, i]));
  const left = (id: string) => (ledger.items[id] ? ledger.items[id].units - ledger.items[id].refundedUnits : 0);
  const wanted =
    request ??
    Object.keys(ledger.items)
      .filter((id) => left(id) > 0)
      .map((orderItemId) => ({ orderItemId, quantity: left(orderItemId) }));
  if (wanted.length === 0) throw new RefundError(409, `order ${order.orderId} has nothing left to refund`);
  const n = ledger.refunds + 1;
  const items: Components[] = [];
  const served: TransactionItem[] = [];
  const seen = new Set<string>();
  for (const { orderItemId, quantity } of wanted) {
    const item = known.get(orderItemId);
    if (!item) throw new RefundError(400, `orderItemId ${orderItemId} is not an item of order ${order.orderId}`);
    if (seen.has(orderItemId)) throw new RefundError(400, `orderItemId ${orderItemId} is listed twice`);
    seen.add(orderItemId);
    if (!Number.isInteger(quantity) || quantity < 1)
      throw new RefundError(400, `quantity of orderItemId ${orderItemId} must be a positive integer`);
    if (quantity > left(orderItemId)) {
      throw new RefundError(
        409,
        `only ${left(orderItemId)} unit(s) of orderItemId ${orderItemId} can be refunded (shipped and not yet refunded)`,
      );
    }
    const rec = ledger.items[orderItemId];
    const last = rec.refundedUnits + quantity === rec.units;
    const charged = Components.fromRecord(rec.charged);
    const refunded = Components.fromRecord(rec.refunded);
    const share = new Components();
    for (const [path, v] of charged.leaves) {
      if (path === FBA_FEE) continue;
      share.add(
        path,
        last ? v.minus(refunded.get(path)) : roundTo(v.times(quantity).dividedBy(rec.units), ledger.currency),
      );
    }
    const leaves = new Components();
    for (const [path, v] of share.leaves) leaves.add(path, v.negated());
    const adminFee = refundAdministrationFee(ledger.marketplaceId, leaves.get(COMMISSION), quantity, ledger.currency);
    leaves.add('AmazonFees/RefundCommission/Base', adminFee.negated());
    ledger.items[orderItemId] = {
      ...rec,
      refundedUnits: rec.refundedUnits + quantity,
      refunded: addTo(rec.refunded, share),
    };
    const adjustmentId = hashId([s.seed, ledger.sellerId, order.orderId, 'Refund', n, orderItemId], 'digits', 13);
    const fba = order.fulfillment?.fulfilledBy === 'AMAZON';
    items.push(leaves);
    served.push(servedItem(item, leaves, adjustmentId, productContext(item, quantity, fba), ledger.currency));
  }
  ledger.refunds = n;
  const id = (kind: string, shape: 'base64url' | 'digits', length: number) =>
    hashId([s.seed, ledger.sellerId, order.orderId, 'Refund', n, kind], shape, length);
  const transaction = envelope(ledger.sellerId, ledger.marketplaceId, ledger.currency, {
    transactionType: 'Refund',
    transactionId: id('transactionId', 'base64url', 43),
    transactionStatus: 'RELEASED',
    description: 'Refund Order',
    postedAt: s.postedAt,
    relatedIdentifiers: [
      { relatedIdentifierName: 'ORDER_ID', relatedIdentifierValue: String(order.orderId) },
      { relatedIdentifierName: 'REFUND_ID', relatedIdentifierValue: id('REFUND_ID', 'digits', 14) },
    ],
    items,
    served,
  });
  const fba = order.fulfillment?.fulfilledBy === 'AMAZON';
  return { built: { transaction, postedAt: s.postedAt, usMfn: ledger.marketplaceId === US && !fba }, ledger };
}
