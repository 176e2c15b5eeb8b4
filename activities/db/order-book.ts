import type { Knex } from 'knex';
import type { MappedOrder } from '../spapi/order-mapping';
import { accountLocations, postMove } from './locations';

export const RETURN_EXPECTED = 'shipped before Amazon cancelled: expect a return';

/** Contact per buyer (reused across orders of the account), delivery address as its child (reused when identical). */
async function upsertCustomer(trx: Knex, accountId: string, mapped: MappedOrder, purged: boolean) {
  const c = mapped.customer;
  const personal = purged ? {} : { name: c.name, company: c.company, email: c.email, phone: c.phone };
  const [contact] = await trx('partners')
    .insert({
      account_id: accountId,
      type: 'contact',
      match_key: c.matchKey,
      ...personal,
      name: purged ? null : c.name,
    })
    .onConflict(['account_id', 'match_key'])
    .merge({ ...personal, updated_at: trx.fn.now() })
    .returning('id');
  let addressId: number | null = null;
  const a = mapped.deliveryAddress;
  if (a) {
    const fields = {
      name: a.name,
      company: a.company,
      street: a.street,
      street2: a.street2,
      street3: a.street3,
      phone: a.phone,
      city: a.city,
      district: a.district,
      state_or_region: a.stateOrRegion,
      postal_code: a.postalCode,
      country_code: a.countryCode,
    };
    const [address] = await trx('partners')
      .insert({ account_id: accountId, parent_id: contact.id, type: 'delivery', match_key: a.matchKey, ...fields })
      .onConflict(['account_id', 'match_key'])
      .merge(purged ? { updated_at: trx.fn.now() } : { ...fields, updated_at: trx.fn.now() })
      .returning('id');
    addressId = address.id;
  }
  return { partnerId: contact.id as number, addressId };
}

/** Offer (account, marketplace, SKU) → product; else the product with that SKU; else "Amazon Sale", re-linked later. */
export async function resolveProduct(
  trx: Knex,
  accountId: string,
  marketplaceId: string,
  sku: string,
  channel: string,
): Promise<number> {
  const bySku = await trx('products').where({ sku }).first('id');
  const fallback = await trx('products').where({ system_key: 'amazon_sale' }).first('id');
  const productId = (bySku?.id ?? fallback.id) as number;
  await trx('offers')
    .insert({ account_id: accountId, marketplace_id: marketplaceId, seller_sku: sku, product_id: productId, channel })
    .onConflict(['account_id', 'marketplace_id', 'seller_sku'])
    .ignore();
  const offer = await trx('offers')
    .where({ account_id: accountId, marketplace_id: marketplaceId, seller_sku: sku })
    .first('id', 'product_id');
  if (bySku && offer.product_id === fallback.id) {
    await trx('offers').where({ id: offer.id }).update({ product_id: bySku.id, updated_at: trx.fn.now() });
    return bySku.id;
  }
  return offer.product_id;
}

/** Whether the buyer asked Amazon to cancel this item (shown to the warehouse in `orders show`). */
function buyerCancellation(mapped: MappedOrder, line: MappedOrder['lines'][number]) {
  const request =
    line.kind === 'product'
      ? mapped.buyerCancellationRequests.find((r) => r.amazonOrderItemId === line.amazonOrderItemId)
      : undefined;
  return { buyer_cancel_requested: Boolean(request), buyer_cancel_reason: request?.reason ?? null };
}

export interface BookResult {
  orderId: number;
  outcome: 'imported' | 'updated' | 'unchanged';
  state: string;
  /** The order's state before this write (null: not in the book). */
  previousState: string | null;
}

/**
 * Writes one Amazon order into the book: customer, order, lines, FBM delivery, FBA stock moves, cancellation.
 * Called inside one transaction; every statement is an upsert keyed by UNIQUE columns, so a re-run changes nothing.
 */
export async function writeOrder(
  trx: Knex,
  accountId: string,
  mapped: MappedOrder,
  workflowId: string,
): Promise<BookResult> {
  const existing = await trx('sale_orders')
    .where({ account_id: accountId, amazon_order_id: mapped.amazonOrderId })
    .forUpdate()
    .first();
  const purged = Boolean(existing?.pii_purged_at);
  const { partnerId, addressId } = await upsertCustomer(trx, accountId, mapped, purged);

  const header = {
    account_id: accountId,
    amazon_order_id: mapped.amazonOrderId,
    marketplace_id: mapped.marketplaceId,
    channel: mapped.channel,
    amazon_status: mapped.amazonStatus,
    currency: mapped.currency,
    purchase_date: mapped.purchaseDate,
    amazon_updated_at: mapped.lastUpdatedTime,
    latest_ship_date: mapped.latestShipDate,
    partner_id: partnerId,
    delivery_address_id: addressId,
    amount_untaxed: mapped.totals.untaxed,
    amount_tax: mapped.totals.tax,
    amount_total: mapped.totals.total,
    amazon_grand_total: mapped.amazonGrandTotal,
    is_business: mapped.isBusiness,
    is_prime: mapped.isPrime,
    gift_message: purged ? null : mapped.giftMessage,
    workflow_id: workflowId,
    updated_at: trx.fn.now(),
  };
  const keepState = existing?.state ?? 'confirmed';
  const [row] = await trx('sale_orders')
    .insert({ ...header, state: keepState })
    .onConflict(['account_id', 'amazon_order_id'])
    .merge(header)
    .returning(['id']);
  const orderId = row.id as number;

  const lineIds = new Map<string, number>();
  for (const [index, line] of mapped.lines.entries()) {
    const productId =
      line.kind === 'product' && line.sku
        ? await resolveProduct(trx, accountId, mapped.marketplaceId, line.sku, mapped.channel)
        : line.kind === 'shipping'
          ? (await trx('products').where({ system_key: 'amazon_shipping' }).first('id')).id
          : null;
    const values = {
      order_id: orderId,
      line_key: line.lineKey,
      sequence: index + 1,
      kind: line.kind,
      amazon_order_item_id: line.amazonOrderItemId,
      sku: line.sku,
      product_id: productId,
      name: line.name,
      quantity: line.quantity,
      unit_price: line.unitPrice,
      discount: line.discount,
      tax: line.tax,
      subtotal: line.subtotal,
      note: purged && line.kind === 'note' ? null : line.note,
      ...buyerCancellation(mapped, line),
    };
    const [saved] = await trx('sale_order_lines')
      .insert(values)
      .onConflict(['order_id', 'line_key'])
      .merge(values)
      .returning('id');
    lineIds.set(line.lineKey, saved.id);
  }
  // Lines Amazon no longer reports (and no delivery references) go; referenced ones stay for the warehouse's record.
  await trx('sale_order_lines')
    .where({ order_id: orderId })
    .whereNotIn('line_key', [...lineIds.keys()])
    .whereNotExists(trx('delivery_lines').whereRaw('delivery_lines.order_line_id = sale_order_lines.id'))
    .delete();

  const state = await applyFulfillment(trx, accountId, orderId, mapped, lineIds, existing);
  const outcome =
    !existing || (existing.state === 'needs_attention' && existing.attention_source === 'import' && !existing.channel)
      ? 'imported'
      : existing.amazon_status === mapped.amazonStatus &&
          new Date(existing.amazon_updated_at).getTime() === Date.parse(mapped.lastUpdatedTime)
        ? 'unchanged'
        : 'updated';
  return { orderId, outcome, state, previousState: existing?.state ?? null };
}

async function applyFulfillment(
  trx: Knex,
  accountId: string,
  orderId: number,
  mapped: MappedOrder,
  lineIds: Map<string, number>,
  existing: Record<string, any> | undefined,
): Promise<string> {
  const deliveries = await trx('deliveries').where({ order_id: orderId });
  const shippedByUs = deliveries.some((d) => d.ref !== 'main' && d.state === 'done');
  let state: string;
  let attention: { reason: string; source: string } | null = null;

  if (mapped.amazonStatus === 'CANCELLED') {
    if (shippedByUs || (mapped.channel === 'FBA' && existing?.amazon_status === 'SHIPPED')) {
      state = 'needs_attention';
      attention = { reason: RETURN_EXPECTED, source: 'cancellation' };
    } else {
      state = 'cancelled';
      await trx('deliveries')
        .where({ order_id: orderId, state: 'open' })
        .update({ state: 'cancelled', note: 'cancelled on Amazon', updated_at: trx.fn.now() });
    }
  } else if (mapped.channel === 'FBA') {
    state = mapped.amazonStatus === 'SHIPPED' ? 'shipped' : 'confirmed';
    if (state === 'shipped') await postFbaMoves(trx, accountId, orderId, mapped, lineIds);
  } else {
    await ensureFbmDelivery(trx, orderId, mapped, lineIds, deliveries.length > 0);
    if (mapped.amazonStatus === 'SHIPPED') {
      // Shipped outside the connector (e.g. in Seller Central): the open remainder is closed, not confirmed again.
      await trx('deliveries').where({ order_id: orderId, state: 'open' }).update({
        state: 'done',
        done_at: trx.fn.now(),
        note: 'shipped outside the connector (Amazon reports SHIPPED)',
        updated_at: trx.fn.now(),
      });
    }
    state = await fbmState(trx, orderId);
  }

  // An attention flag from shipments or confirmations stays until ops send `retry`; import errors are cleared here.
  const keep = existing?.state === 'needs_attention' && existing.attention_source !== 'import' && !attention;
  const closedNow = ['cancelled', 'shipped'].includes(state) || attention?.source === 'cancellation';
  await trx('sale_orders')
    .where({ id: orderId })
    .update({
      state: keep ? 'needs_attention' : state,
      attention_reason: keep ? existing!.attention_reason : (attention?.reason ?? null),
      attention_source: keep ? existing!.attention_source : (attention?.source ?? null),
      delivered_at: closedNow ? trx.raw('COALESCE(delivered_at, now())') : null,
    });
  return keep ? 'needs_attention' : state;
}

async function ensureFbmDelivery(
  trx: Knex,
  orderId: number,
  mapped: MappedOrder,
  lineIds: Map<string, number>,
  exists: boolean,
) {
  if (exists) return;
  const [delivery] = await trx('deliveries')
    .insert({ order_id: orderId, ref: 'main', state: 'open', gift_message: mapped.giftMessage })
    .onConflict(['order_id', 'ref'])
    .ignore()
    .returning('id');
  if (!delivery) return;
  for (const item of mapped.deliveryItems) {
    const line = await trx('sale_order_lines')
      .where({ id: lineIds.get(item.lineKey) })
      .first('id', 'product_id');
    await trx('delivery_lines').insert({
      delivery_id: delivery.id,
      order_line_id: line.id,
      product_id: line.product_id,
      sku: item.sku,
      amazon_order_item_id: item.amazonOrderItemId,
      quantity: item.quantity,
    });
  }
}

/** confirmed / partially_shipped / shipped, from what our packages and Amazon's closure cover. */
export async function fbmState(trx: Knex, orderId: number): Promise<string> {
  const rows = await trx('deliveries').where({ order_id: orderId }).select('state', 'ref');
  const open = rows.filter((d) => d.state === 'open').length;
  const done = rows.filter((d) => d.state === 'done').length;
  if (open === 0 && done > 0) return 'shipped';
  return done > 0 ? 'partially_shipped' : 'confirmed';
}

async function postFbaMoves(
  trx: Knex,
  accountId: string,
  orderId: number,
  mapped: MappedOrder,
  lineIds: Map<string, number>,
) {
  const locations = await accountLocations(trx, accountId);
  for (const line of mapped.lines.filter((l) => l.kind === 'product')) {
    const saved = await trx('sale_order_lines')
      .where({ id: lineIds.get(line.lineKey) })
      .first('id', 'product_id');
    await postMove(trx, {
      reference: `order:${orderId}:line:${saved.id}:fba`,
      productId: saved.product_id,
      fromId: locations.fbaId,
      toId: locations.customersId,
      quantity: Number(line.quantity),
      origin: mapped.amazonOrderId,
    });
  }
}
