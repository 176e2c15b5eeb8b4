import type { Db } from '../db';
import { formatMoney, formatUnitPrice, parseAmount } from '../lib/money';

const money = (value: string | null, currency: string | null) =>
  value === null ? null : formatMoney(parseAmount(String(value)), currency ?? 'USD');

export interface OrderListRow {
  amazonOrderId: string;
  account: string;
  marketplace: string | null;
  channel: string | null;
  amazonStatus: string;
  state: string;
  total: string | null;
  currency: string | null;
  purchaseDate: string | null;
  attentionReason: string | null;
  shipBy: string | null;
}

export async function listOrders(
  db: Db,
  filter: { account?: string; state?: string; limit?: number },
): Promise<OrderListRow[]> {
  const q = db('sale_orders as o')
    .leftJoin('marketplaces as m', 'm.id', 'o.marketplace_id')
    .orderBy('o.purchase_date', 'desc')
    .orderBy('o.id', 'desc')
    .limit(filter.limit ?? 100)
    .select('o.*', 'm.code as marketplace_code');
  if (filter.account) q.where('o.account_id', filter.account);
  // ship_risk and late are timers on open FBM orders, kept beside the state; shipping clears them.
  if (filter.state === 'ship_risk' || filter.state === 'late')
    q.where('o.ship_by_status', filter.state).whereNotIn('o.state', ['shipped', 'cancelled']);
  else if (filter.state) q.where('o.state', filter.state);
  return (await q).map((o) => ({
    amazonOrderId: o.amazon_order_id,
    account: o.account_id,
    marketplace: o.marketplace_code,
    channel: o.channel,
    amazonStatus: o.amazon_status,
    state: o.state,
    total: money(o.amount_total, o.currency),
    currency: o.currency,
    purchaseDate: o.purchase_date ? new Date(o.purchase_date).toISOString() : null,
    attentionReason: o.attention_reason,
    shipBy: o.ship_by_status,
  }));
}

const address = (p: any) =>
  p && {
    name: p.name,
    company: p.company,
    street: p.street,
    street2: p.street2,
    street3: p.street3,
    city: p.city,
    district: p.district,
    stateOrRegion: p.state_or_region,
    postalCode: p.postal_code,
    countryCode: p.country_code,
    phone: p.phone,
  };

/** The JSON of `connector orders show` (DESIGN.md §7). Money as decimal strings in the order's currency. */
export async function loadOrderView(db: Db, amazonOrderId: string, accountId?: string) {
  const q = db('sale_orders as o')
    .leftJoin('marketplaces as m', 'm.id', 'o.marketplace_id')
    .where('o.amazon_order_id', amazonOrderId);
  if (accountId) q.where('o.account_id', accountId);
  const o = await q.first('o.*', 'm.code as marketplace_code');
  if (!o) return undefined;
  const currency = o.currency ?? 'USD';
  const lines = await db('sale_order_lines').where({ order_id: o.id }).orderBy('sequence');
  const customer = o.partner_id ? await db('partners').where({ id: o.partner_id }).first() : null;
  const deliveryAddress = o.delivery_address_id
    ? await db('partners').where({ id: o.delivery_address_id }).first()
    : null;
  const deliveries = await db('deliveries').where({ order_id: o.id }).orderBy('id');
  const deliveryLines = await db('delivery_lines')
    .whereIn(
      'delivery_id',
      deliveries.map((d) => d.id),
    )
    .orderBy('id');
  return {
    id: o.id as number,
    amazonOrderId: o.amazon_order_id as string,
    account: o.account_id as string,
    marketplace: o.marketplace_code as string | null,
    channel: o.channel as 'FBA' | 'FBM' | null,
    amazonStatus: o.amazon_status as string,
    currency: o.currency as string | null,
    state: o.state as string,
    attentionReason: o.attention_reason as string | null,
    purchaseDate: o.purchase_date ? new Date(o.purchase_date).toISOString() : null,
    latestShipDate: o.latest_ship_date ? new Date(o.latest_ship_date).toISOString() : null,
    shipBy: o.ship_by_status as string | null,
    isBusiness: o.is_business as boolean,
    isPrime: o.is_prime as boolean,
    lines: lines.map((l) => ({
      kind: l.kind,
      sku: l.sku,
      name: l.name,
      quantity: Number(l.quantity),
      unitPrice: formatUnitPrice(parseAmount(String(l.unit_price)), currency),
      discount: money(l.discount, currency),
      tax: money(l.tax, currency),
      subtotal: money(l.subtotal, currency),
      note: l.note,
      ...(l.buyer_cancel_requested
        ? { buyerCancellationRequested: true, buyerCancellationReason: l.buyer_cancel_reason }
        : {}),
    })),
    /** Items the buyer asked Amazon to cancel: stop them in the warehouse. */
    buyerCancellationRequests: lines
      .filter((l) => l.buyer_cancel_requested)
      .map((l) => ({ sku: l.sku as string, reason: l.buyer_cancel_reason as string | null })),
    totals: {
      untaxed: money(o.amount_untaxed, currency),
      tax: money(o.amount_tax, currency),
      total: money(o.amount_total, currency),
    },
    amazonGrandTotal: money(o.amazon_grand_total, currency),
    customer: customer && {
      name: customer.name,
      company: customer.company,
      email: customer.email,
      phone: customer.phone,
    },
    deliveryAddress: address(deliveryAddress),
    deliveries: deliveries.map((d) => ({
      ref: d.ref,
      state: d.state,
      packageReferenceId: d.package_reference_id,
      carrier: d.carrier_name ?? d.carrier_code,
      carrierCode: d.carrier_code,
      tracking: d.tracking_number,
      shipDate: d.ship_date ? new Date(d.ship_date).toISOString() : null,
      confirmation: d.confirmation_state,
      confirmationError: d.confirmation_error,
      note: d.note,
      lines: deliveryLines.filter((l) => l.delivery_id === d.id).map((l) => ({ sku: l.sku, quantity: l.quantity })),
    })),
    piiPurgedAt: o.pii_purged_at ? new Date(o.pii_purged_at).toISOString() : null,
    workflowId: o.workflow_id ?? `order:${o.account_id}:${o.amazon_order_id}`,
  };
}

export type OrderView = NonNullable<Awaited<ReturnType<typeof loadOrderView>>>;

/** What is still open to ship on an order (for `connector ship` validation). */
export async function openShipmentLines(db: Db, orderId: number): Promise<Array<{ sku: string; quantity: number }>> {
  return db('delivery_lines')
    .join('deliveries', 'deliveries.id', 'delivery_lines.delivery_id')
    .where({ 'deliveries.order_id': orderId, 'deliveries.state': 'open' })
    .select('delivery_lines.sku', 'delivery_lines.quantity');
}
