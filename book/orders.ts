import type { Knex } from 'knex';
import { z } from 'zod';
import { InvalidInput } from '../lib/errors';
import { formatMoney, formatUnitPrice, parseAmount } from '../lib/money';
import { IsoInstant } from '../lib/validation';
import { Cursor, decodeCursor, Limit, page } from './cursor';
import { emit, orderLink } from './events';
import { operation } from './operation';
import { OrderFinance, orderFinance } from './payouts';

/** Sales orders: the read model (`orders list|show`, the API), the needs-attention flag, ship-by alarms, PII purge. */

/** Our order states, as in the DB, `orders show` and the OrderState search attribute. */
export const ORDER_STATES = [
  'pending',
  'confirmed',
  'partially_shipped',
  'shipped',
  'cancelled',
  'needs_attention',
] as const;
/** Ship-by alarms of open FBM orders, kept beside the state (shipping clears them); filterable like states. */
export const SHIP_BY_STATES = ['ship_risk', 'late'] as const;
export const OrderStateFilter = z.enum([...ORDER_STATES, ...SHIP_BY_STATES], {
  error: `must be one of ${[...ORDER_STATES, ...SHIP_BY_STATES].join(', ')}`,
});

const money = (value: string | null, currency: string | null) =>
  value === null ? null : formatMoney(parseAmount(String(value)), currency ?? 'USD');
const iso = (d: Date | string | null) => (d ? new Date(d).toISOString() : null);

const Money = z.string().nullable().describe('a decimal in the order currency, e.g. "94.50"');

const OrderListRow = z.object({
  amazonOrderId: z.string(),
  account: z.string(),
  marketplace: z.string().nullable(),
  channel: z.enum(['FBA', 'FBM']).nullable(),
  amazonStatus: z.string(),
  state: z.string(),
  total: Money,
  currency: z.string().nullable(),
  purchaseDate: z.string().nullable(),
  attentionReason: z.string().nullable(),
  shipBy: z.enum(SHIP_BY_STATES).nullable(),
  latestShipDate: z.string().nullable(),
});
export type OrderListRow = z.infer<typeof OrderListRow>;

/** A sale_orders row (with its marketplace's code) as the lists show it. */
const listRow = (o: any): OrderListRow => ({
  amazonOrderId: o.amazon_order_id,
  account: o.account_id,
  marketplace: o.marketplace_code,
  channel: o.channel,
  amazonStatus: o.amazon_status,
  state: o.state,
  total: money(o.amount_total, o.currency),
  currency: o.currency,
  purchaseDate: iso(o.purchase_date),
  attentionReason: o.attention_reason,
  shipBy: ['shipped', 'cancelled'].includes(o.state) ? null : o.ship_by_status,
  latestShipDate: iso(o.latest_ship_date),
});

export const listOrders = operation(
  {
    name: 'listOrders',
    input: z.object({
      account: z.string().optional(),
      state: OrderStateFilter.optional(),
      limit: z.number().int().positive().max(10_000).default(100),
    }),
    output: z.array(OrderListRow),
  },
  async (db, filter) => {
    const q = db('sale_orders as o')
      .leftJoin('marketplaces as m', 'm.id', 'o.marketplace_id')
      .orderBy('o.purchase_date', 'desc')
      .orderBy('o.id', 'desc')
      .limit(filter.limit)
      .select('o.*', 'm.code as marketplace_code');
    if (filter.account) q.where('o.account_id', filter.account);
    if (filter.state === 'ship_risk' || filter.state === 'late')
      q.where('o.ship_by_status', filter.state).whereNotIn('o.state', ['shipped', 'cancelled']);
    else if (filter.state) q.where('o.state', filter.state);
    return (await q).map(listRow);
  },
);

const OrderKey = z.object({ amazonOrderId: z.string().min(1), accountId: z.string().optional() });

const FoundOrder = z.object({
  id: z.number().int(),
  accountId: z.string(),
  amazonOrderId: z.string(),
  workflowId: z.string(),
  state: z.string(),
  channel: z.enum(['FBA', 'FBM']).nullable(),
  attentionReason: z.string().nullable(),
});

/** The order with this Amazon id (in this account, when given); two accounts with the same id need `accountId`. */
export const findOrder = operation(
  { name: 'findOrder', input: OrderKey, output: FoundOrder.optional() },
  async (db, { amazonOrderId, accountId }) => {
    const q = db('sale_orders').where({ amazon_order_id: amazonOrderId }).limit(2);
    if (accountId) q.where({ account_id: accountId });
    const rows = await q.select('id', 'account_id', 'workflow_id', 'state', 'channel', 'attention_reason');
    if (rows.length > 1)
      throw new InvalidInput(
        `${amazonOrderId} is an order of more than one account: name the account (--account, or ?account=)`,
        'account',
      );
    const o = rows[0];
    return (
      o && {
        id: o.id,
        accountId: o.account_id,
        amazonOrderId,
        workflowId: o.workflow_id ?? `order:${o.account_id}:${amazonOrderId}`,
        state: o.state,
        channel: o.channel,
        attentionReason: o.attention_reason,
      }
    );
  },
);

export const Address = z.object({
  name: z.string().nullable(),
  company: z.string().nullable(),
  street: z.string().nullable(),
  street2: z.string().nullable(),
  street3: z.string().nullable(),
  city: z.string().nullable(),
  district: z.string().nullable(),
  stateOrRegion: z.string().nullable(),
  postalCode: z.string().nullable(),
  countryCode: z.string().nullable(),
  phone: z.string().nullable(),
});

/** A partners row as an address (the delivery address of an order). */
export const address = (p: any): z.infer<typeof Address> | null =>
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

export const OrderView = z.object({
  id: z.number().int(),
  amazonOrderId: z.string(),
  account: z.string(),
  marketplace: z.string().nullable(),
  channel: z.enum(['FBA', 'FBM']).nullable(),
  amazonStatus: z.string(),
  currency: z.string().nullable(),
  state: z.string(),
  attentionReason: z.string().nullable(),
  purchaseDate: z.string().nullable(),
  latestShipDate: z.string().nullable(),
  shipBy: z.string().nullable(),
  isBusiness: z.boolean().nullable(),
  isPrime: z.boolean().nullable(),
  lines: z.array(
    z.object({
      kind: z.enum(['product', 'shipping', 'gift_wrap', 'discount', 'note']),
      sku: z.string().nullable(),
      name: z.string().nullable(),
      quantity: z.number(),
      unitPrice: Money,
      discount: Money,
      tax: Money,
      subtotal: Money,
      note: z.string().nullable(),
      buyerCancellationRequested: z.boolean().optional(),
      buyerCancellationReason: z.string().nullable().optional(),
    }),
  ),
  /** Items the buyer asked Amazon to cancel: stop them in the warehouse. */
  buyerCancellationRequests: z.array(z.object({ sku: z.string().nullable(), reason: z.string().nullable() })),
  totals: z.object({ untaxed: Money, tax: Money, total: Money }),
  amazonGrandTotal: Money,
  customer: z
    .object({
      name: z.string().nullable(),
      company: z.string().nullable(),
      email: z.string().nullable(),
      phone: z.string().nullable(),
    })
    .nullable(),
  deliveryAddress: Address.nullable(),
  deliveries: z.array(
    z.object({
      ref: z.string(),
      state: z.string(),
      packageReferenceId: z.number().int().nullable(),
      carrier: z.string().nullable(),
      carrierCode: z.string().nullable(),
      tracking: z.string().nullable(),
      shipDate: z.string().nullable(),
      confirmation: z.string().nullable(),
      confirmationError: z.string().nullable(),
      note: z.string().nullable(),
      lines: z.array(z.object({ sku: z.string().nullable(), quantity: z.number() })),
    }),
  ),
  piiPurgedAt: z.string().nullable(),
  workflowId: z.string(),
  /** From Finances (book/payouts.ts): Amazon's fees by type, refunds as credit notes, net proceeds; null/[] before. */
  fees: OrderFinance.shape.fees.nullable(),
  refunds: OrderFinance.shape.refunds,
  net: z.string().nullable().describe('what the seller keeps: the sum of the order’s Finances transactions'),
});
export type OrderView = z.infer<typeof OrderView>;

/** The JSON of `connector orders show` (DESIGN.md §7). Money as decimal strings in the order's currency. */
export const orderView = operation(
  { name: 'orderView', input: OrderKey, output: OrderView.optional() },
  async (db, key) => {
    const found = await findOrder(db, key);
    if (!found) return undefined;
    const o = await db('sale_orders as o')
      .leftJoin('marketplaces as m', 'm.id', 'o.marketplace_id')
      .where('o.id', found.id)
      .first('o.*', 'm.code as marketplace_code');
    const currency = o.currency ?? 'USD';
    const lines = await db('sale_order_lines').where({ order_id: o.id }).orderBy('sequence');
    const partners = await db('partners')
      .whereIn('id', [o.partner_id, o.delivery_address_id].filter(Boolean))
      .select('*');
    const customer = partners.find((p) => p.id === o.partner_id);
    const deliveryAddress = partners.find((p) => p.id === o.delivery_address_id);
    const deliveries = await db('deliveries').where({ order_id: o.id }).orderBy('id');
    const deliveryLines = await db('delivery_lines')
      .whereIn(
        'delivery_id',
        deliveries.map((d) => d.id),
      )
      .orderBy('id');
    return {
      id: o.id,
      amazonOrderId: o.amazon_order_id,
      account: o.account_id,
      marketplace: o.marketplace_code,
      channel: o.channel,
      amazonStatus: o.amazon_status,
      currency: o.currency,
      state: o.state,
      attentionReason: o.attention_reason,
      purchaseDate: iso(o.purchase_date),
      latestShipDate: iso(o.latest_ship_date),
      shipBy: o.ship_by_status,
      isBusiness: o.is_business,
      isPrime: o.is_prime,
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
      buyerCancellationRequests: lines
        .filter((l) => l.buyer_cancel_requested)
        .map((l) => ({ sku: l.sku, reason: l.buyer_cancel_reason })),
      totals: {
        untaxed: money(o.amount_untaxed, currency),
        tax: money(o.amount_tax, currency),
        total: money(o.amount_total, currency),
      },
      amazonGrandTotal: money(o.amazon_grand_total, currency),
      customer: customer
        ? { name: customer.name, company: customer.company, email: customer.email, phone: customer.phone }
        : null,
      deliveryAddress: address(deliveryAddress ?? null),
      deliveries: deliveries.map((d) => ({
        ref: d.ref,
        state: d.state,
        packageReferenceId: d.package_reference_id,
        carrier: d.carrier_name ?? d.carrier_code,
        carrierCode: d.carrier_code,
        tracking: d.tracking_number,
        shipDate: iso(d.ship_date),
        confirmation: d.confirmation_state,
        confirmationError: d.confirmation_error,
        note: d.note,
        lines: deliveryLines.filter((l) => l.delivery_id === d.id).map((l) => ({ sku: l.sku, quantity: l.quantity })),
      })),
      piiPurgedAt: iso(o.pii_purged_at),
      workflowId: found.workflowId,
      ...(await financeOf(db, o.id)),
    };
  },
);

async function financeOf(db: Knex, orderId: number) {
  const f = await orderFinance(db, orderId);
  return { fees: f?.fees ?? null, refunds: f?.refunds ?? [], net: f?.net ?? null };
}

const AttentionSource = z.enum(['import', 'shipment', 'confirmation', 'cancellation']);

/** Flags an order needs_attention with its reason; records the order if it was never imported (nothing else is written). */
export const markAttention = operation(
  {
    name: 'markAttention',
    input: z.object({
      accountId: z.string().min(1),
      amazonOrderId: z.string().min(1),
      reason: z.string().min(1),
      source: AttentionSource,
      workflowId: z.string().optional(),
      marketplaceId: z.string().optional(),
    }),
    output: z.void(),
  },
  async (db, input) =>
    db.transaction(async (trx) => {
      const before = await trx('sale_orders')
        .where({ account_id: input.accountId, amazon_order_id: input.amazonOrderId })
        .forUpdate()
        .first('state', 'attention_reason', 'marketplace_id');
      await trx('sale_orders')
        .insert({
          account_id: input.accountId,
          amazon_order_id: input.amazonOrderId,
          marketplace_id: input.marketplaceId ?? '',
          amazon_status: 'UNKNOWN',
          state: 'needs_attention',
          attention_reason: input.reason,
          attention_source: input.source,
          workflow_id: input.workflowId ?? null,
        })
        .onConflict(['account_id', 'amazon_order_id'])
        .merge({
          state: 'needs_attention',
          attention_reason: input.reason,
          attention_source: input.source,
          updated_at: trx.fn.now(),
        });
      // A retried flag with the same reason is no news.
      if (before?.state === 'needs_attention' && before.attention_reason === input.reason) return;
      await emit(trx, [
        {
          type: 'order.needs_attention',
          account: input.accountId,
          marketplace: before?.marketplace_id || input.marketplaceId || null,
          amazonOrderId: input.amazonOrderId,
          data: { reason: input.reason, source: input.source, link: orderLink(input.accountId, input.amazonOrderId) },
        },
      ]);
    }),
);

/** The ship-by timer fired: ship_risk before Amazon's latest ship date, late after it (cleared when shipped). */
export const markShipByStatus = operation(
  {
    name: 'markShipByStatus',
    input: z.object({ accountId: z.string(), amazonOrderId: z.string(), status: z.enum(SHIP_BY_STATES) }),
    output: z.void(),
  },
  async (db, input) =>
    db.transaction(async (trx) => {
      const [order] = await trx('sale_orders')
        .where({ account_id: input.accountId, amazon_order_id: input.amazonOrderId })
        .whereNotIn('state', ['shipped', 'cancelled'])
        .whereRaw('ship_by_status IS DISTINCT FROM ?', [input.status])
        .update({ ship_by_status: input.status, updated_at: trx.fn.now() })
        .returning(['marketplace_id', 'latest_ship_date']);
      if (!order) return; // closed meanwhile, or already marked (a retried activity)
      await emit(trx, [
        {
          type: 'order.ship_risk',
          account: input.accountId,
          marketplace: order.marketplace_id,
          amazonOrderId: input.amazonOrderId,
          data: {
            status: input.status,
            latestShipDate: iso(order.latest_ship_date),
            link: orderLink(input.accountId, input.amazonOrderId),
          },
        },
      ]);
    }),
);

/**
 * Orders waiting in needs_attention per account, for the connector_orders_needs_attention gauge: every account is
 * listed, with 0 when nothing waits, so an alert on the series never sees it vanish.
 */
export const needsAttentionByAccount = operation(
  {
    name: 'needsAttentionByAccount',
    input: z.object({}),
    output: z.array(z.object({ account: z.string(), orders: z.number().int() })),
  },
  async (db) => {
    const rows = await db('seller_accounts as a')
      .leftJoin('sale_orders as o', (j) => j.on('o.account_id', 'a.id').andOnVal('o.state', 'needs_attention'))
      .groupBy('a.id')
      .orderBy('a.id')
      .select('a.id as account', db.raw('count(o.id)::int as n'));
    return rows.map((r: any) => ({ account: String(r.account), orders: Number(r.n) }));
  },
);

export const OrderPageRow = OrderListRow.extend({ updatedAt: z.string() });

/**
 * GET /v1/orders: orders in the order of their last change (updated_at, id), so a client that keeps the cursor sees
 * every change; an order changed while it pages comes again later, never is skipped.
 */
export const ordersPage = operation(
  {
    name: 'ordersPage',
    input: z.object({
      account: z.string().optional(),
      /** A marketplace code (DE) or id (A1PA6795UKMFR9). */
      marketplace: z.string().optional(),
      channel: z.enum(['FBA', 'FBM']).optional(),
      state: OrderStateFilter.optional(),
      updatedSince: IsoInstant.optional(),
      /** A prefix of the Amazon order id. */
      q: z
        .string()
        .regex(/^[0-9-]{1,19}$/, 'must be the start of an Amazon order id, like 113-12')
        .optional(),
      limit: Limit,
      cursor: Cursor,
    }),
    output: z.object({ items: z.array(OrderPageRow), nextCursor: z.string().nullable() }),
  },
  async (db, input) => {
    const q = db('sale_orders as o')
      .leftJoin('marketplaces as m', 'm.id', 'o.marketplace_id')
      .orderBy([
        { column: 'o.updated_at', order: 'asc' },
        { column: 'o.id', order: 'asc' },
      ])
      .limit(input.limit + 1)
      .select('o.*', 'm.code as marketplace_code', db.raw('o.updated_at::text AS updated_key'));
    if (input.account) q.where('o.account_id', input.account);
    if (input.marketplace)
      q.where((w) =>
        w.where('m.code', input.marketplace!.toUpperCase()).orWhere('o.marketplace_id', input.marketplace!),
      );
    if (input.channel) q.where('o.channel', input.channel);
    if (input.state === 'ship_risk' || input.state === 'late')
      q.where('o.ship_by_status', input.state).whereNotIn('o.state', ['shipped', 'cancelled']);
    else if (input.state) q.where('o.state', input.state);
    if (input.updatedSince) q.where('o.updated_at', '>=', input.updatedSince);
    if (input.q) q.whereLike('o.amazon_order_id', `${input.q}%`);
    if (input.cursor) {
      const [updated, id] = decodeCursor(z.tuple([z.string(), z.number().int()]), input.cursor);
      q.whereRaw('(o.updated_at, o.id) > (?::timestamptz, ?)', [updated, id]);
    }
    const rows = await q;
    const { items, nextCursor } = page(rows, input.limit, (o) => [o.updated_key, o.id]);
    return {
      items: items.map((o) => ({ ...listRow(o), updatedAt: iso(o.updated_at)! })),
      nextCursor,
    };
  },
);
