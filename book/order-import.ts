import type { Knex } from 'knex';
import { z } from 'zod';
import { accountLocations, postMoves } from './locations';
import { operation } from './operation';
import { BookOrder } from './order-records';
import { emit } from './events';
import { financeOnOrderImport } from './finances';
import { importEvents } from './order-events';
import { resolveProducts, systemProducts, SystemProductIds } from './order-products';

type MappedOrder = BookOrder;

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

/** Whether the buyer asked Amazon to cancel this item (shown to the warehouse in `orders show`). */
function buyerCancellation(mapped: MappedOrder, line: MappedOrder['lines'][number]) {
  const request =
    line.kind === 'product'
      ? mapped.buyerCancellationRequests.find((r) => r.amazonOrderItemId === line.amazonOrderItemId)
      : undefined;
  return { buyer_cancel_requested: Boolean(request), buyer_cancel_reason: request?.reason ?? null };
}

const BookResult = z.object({
  orderId: z.number().int(),
  outcome: z.enum(['imported', 'updated', 'unchanged']),
  state: z.string(),
  /** The order's state before this write (null: not in the book). */
  previousState: z.string().nullable(),
});

/** What one write changed, for the order's events (book/order-events.ts). */
export interface WriteChanges {
  result: BookResult;
  previousReason: string | null;
  reason: string | null;
  source: string | null;
  deliveryCreated: boolean;
}
export type BookResult = z.infer<typeof BookResult>;

/**
 * Writes one Amazon order into the book, in one transaction: customer, order, lines, FBM delivery, FBA stock moves,
 * cancellation; then the searchOrders snapshot it came from is consumed (a newer one, written meanwhile, is kept).
 * Every statement is an upsert keyed by UNIQUE columns, so a re-run changes nothing.
 */
export const importOrder = operation(
  {
    name: 'importOrder',
    input: z.object({ accountId: z.string().min(1), workflowId: z.string().min(1), order: BookOrder }),
    output: BookResult,
  },
  async (db, { accountId, workflowId, order }) => {
    const products = await systemProducts(db);
    return db.transaction(async (trx) => {
      const written = await writeOrder(trx, accountId, order, workflowId, products);
      await trx('amazon_order_snapshots')
        .where({ account_id: accountId, amazon_order_id: order.amazonOrderId })
        .where('last_updated_time', '<=', order.lastUpdatedTime)
        .delete();
      // Finance transactions that came before the order are linked now (and its charges checked).
      const finance = await financeOnOrderImport(trx, accountId, order.amazonOrderId);
      await emit(trx, [...(await importEvents(trx, accountId, order, written)), ...finance]); // last: see book/events.ts
      return written.result;
    });
  },
);

async function writeOrder(
  trx: Knex,
  accountId: string,
  mapped: MappedOrder,
  workflowId: string,
  systemProducts: SystemProductIds,
): Promise<WriteChanges> {
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
    ship_service_level: mapped.shipServiceLevel,
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
  // The pick list sorts deliveries by their own copy of the date (migration 016): a re-import that moves it moves theirs.
  if (
    existing &&
    new Date(existing.latest_ship_date ?? 0).getTime() !== new Date(mapped.latestShipDate ?? 0).getTime()
  ) {
    await trx('deliveries').where({ order_id: orderId }).update({ latest_ship_date: mapped.latestShipDate });
  }

  const lines = await upsertLines(trx, accountId, orderId, mapped, purged, systemProducts);
  // Lines Amazon no longer reports (and no delivery references) go; referenced ones stay for the warehouse's record.
  await trx('sale_order_lines')
    .where({ order_id: orderId })
    .whereNotIn('line_key', [...lines.keys()])
    .whereNotExists(trx('delivery_lines').whereRaw('delivery_lines.order_line_id = sale_order_lines.id'))
    .delete();

  const fulfilled = await applyFulfillment(trx, accountId, orderId, mapped, lines, existing);
  const state = fulfilled.state;
  const outcome =
    !existing || (existing.state === 'needs_attention' && existing.attention_source === 'import' && !existing.channel)
      ? 'imported'
      : existing.amazon_status === mapped.amazonStatus &&
          new Date(existing.amazon_updated_at).getTime() === Date.parse(mapped.lastUpdatedTime)
        ? 'unchanged'
        : 'updated';
  return {
    result: { orderId, outcome, state, previousState: existing?.state ?? null },
    previousReason: existing?.attention_reason ?? null,
    reason: fulfilled.reason,
    source: fulfilled.source,
    deliveryCreated: fulfilled.deliveryCreated,
  };
}

/** A saved order line: what deliveries and stock moves refer to. */
interface SavedLine {
  id: number;
  productId: number | null;
}

/** All the lines in one upsert (Amazon's products resolved first, in two statements for all of them). */
async function upsertLines(
  trx: Knex,
  accountId: string,
  orderId: number,
  mapped: MappedOrder,
  purged: boolean,
  systemProducts: SystemProductIds,
): Promise<Map<string, SavedLine>> {
  const skus = mapped.lines.flatMap((l) => (l.kind === 'product' && l.sku ? [l.sku] : []));
  const products = await resolveProducts(
    trx,
    { accountId, marketplaceId: mapped.marketplaceId, channel: mapped.channel, saleId: systemProducts.sale },
    skus,
  );
  // Keyed by line_key, the last one winning as successive upserts would (the mapping makes keys unique anyway).
  const rows = new Map(
    mapped.lines.map((line, index) => [
      line.lineKey,
      {
        order_id: orderId,
        line_key: line.lineKey,
        sequence: index + 1,
        kind: line.kind,
        amazon_order_item_id: line.amazonOrderItemId,
        sku: line.sku,
        product_id:
          line.kind === 'product' && line.sku
            ? products.get(line.sku)
            : line.kind === 'shipping'
              ? systemProducts.shipping
              : null,
        name: line.name,
        quantity: line.quantity,
        unit_price: line.unitPrice,
        discount: line.discount,
        tax: line.tax,
        subtotal: line.subtotal,
        note: purged && line.kind === 'note' ? null : line.note,
        ...buyerCancellation(mapped, line),
      },
    ]),
  );
  const saved = new Map<string, SavedLine>();
  if (rows.size === 0) return saved;
  const returned = await trx('sale_order_lines')
    .insert([...rows.values()])
    .onConflict(['order_id', 'line_key'])
    .merge()
    .returning(['id', 'line_key', 'product_id']);
  for (const r of returned) saved.set(r.line_key, { id: r.id, productId: r.product_id });
  return saved;
}

async function applyFulfillment(
  trx: Knex,
  accountId: string,
  orderId: number,
  mapped: MappedOrder,
  lines: Map<string, SavedLine>,
  existing: Record<string, any> | undefined,
): Promise<{ state: string; reason: string | null; source: string | null; deliveryCreated: boolean }> {
  // The order row is locked: what this transaction changes below is all that changes, so the states are kept here.
  const deliveries: Array<{ ref: string; state: string }> = await trx('deliveries')
    .where({ order_id: orderId })
    .select('ref', 'state');
  const shippedByUs = deliveries.some((d) => d.ref !== 'main' && d.state === 'done');
  const open = deliveries.filter((d) => d.state === 'open');
  let state: string;
  let attention: { reason: string; source: string } | null = null;
  let deliveryCreated = false;

  if (mapped.amazonStatus === 'CANCELLED') {
    if (shippedByUs || (mapped.channel === 'FBA' && existing?.amazon_status === 'SHIPPED')) {
      state = 'needs_attention';
      attention = { reason: RETURN_EXPECTED, source: 'cancellation' };
    } else {
      state = 'cancelled';
      if (open.length > 0) {
        await trx('deliveries')
          .where({ order_id: orderId, state: 'open' })
          .update({ state: 'cancelled', note: 'cancelled on Amazon', updated_at: trx.fn.now() });
      }
    }
  } else if (mapped.channel === 'FBA') {
    state = mapped.amazonStatus === 'SHIPPED' ? 'shipped' : 'confirmed';
    if (state === 'shipped') await postFbaMoves(trx, accountId, orderId, mapped, lines);
  } else {
    if (deliveries.length === 0 && (await insertFbmDelivery(trx, orderId, mapped, lines))) {
      deliveryCreated = true;
      const main = { ref: 'main', state: 'open' };
      deliveries.push(main);
      open.push(main);
    }
    if (mapped.amazonStatus === 'SHIPPED' && open.length > 0) {
      // Shipped outside the connector (e.g. in Seller Central): the open remainder is closed, not confirmed again.
      await trx('deliveries').where({ order_id: orderId, state: 'open' }).update({
        state: 'done',
        done_at: trx.fn.now(),
        note: 'shipped outside the connector (Amazon reports SHIPPED)',
        updated_at: trx.fn.now(),
      });
      for (const d of open) d.state = 'done';
    }
    state = fbmStateOf(deliveries);
  }

  // An attention flag from shipments or confirmations stays until ops send `retry`; import errors are cleared here.
  const keep = existing?.state === 'needs_attention' && existing.attention_source !== 'import' && !attention;
  const closedNow = ['cancelled', 'shipped'].includes(state) || attention?.source === 'cancellation';
  const next = {
    state: keep ? 'needs_attention' : state,
    attention_reason: keep ? existing!.attention_reason : (attention?.reason ?? null),
    attention_source: keep ? existing!.attention_source : (attention?.source ?? null),
  };
  // As the row stands after the header's upsert (which leaves these columns alone, or inserted them as below).
  const before = existing ?? { state: 'confirmed', attention_reason: null, attention_source: null, delivered_at: null };
  const unchanged =
    before.state === next.state &&
    before.attention_reason === next.attention_reason &&
    before.attention_source === next.attention_source &&
    (before.delivered_at !== null) === closedNow;
  if (!unchanged) {
    await trx('sale_orders')
      .where({ id: orderId })
      .update({ ...next, delivered_at: closedNow ? trx.raw('COALESCE(delivered_at, now())') : null });
  }
  return { state: next.state, reason: next.attention_reason, source: next.attention_source, deliveryCreated };
}

/** The open delivery of a new FBM order with all its lines; false if another import created it meanwhile. */
async function insertFbmDelivery(
  trx: Knex,
  orderId: number,
  mapped: MappedOrder,
  lines: Map<string, SavedLine>,
): Promise<boolean> {
  const [delivery] = await trx('deliveries')
    .insert({
      order_id: orderId,
      ref: 'main',
      state: 'open',
      gift_message: mapped.giftMessage,
      latest_ship_date: mapped.latestShipDate,
    })
    .onConflict(['order_id', 'ref'])
    .ignore()
    .returning('id');
  if (!delivery) return false;
  if (mapped.deliveryItems.length === 0) return true;
  await trx('delivery_lines').insert(
    mapped.deliveryItems.map((item) => {
      const line = savedLine(lines, item.lineKey);
      return {
        delivery_id: delivery.id,
        order_line_id: line.id,
        product_id: line.productId,
        sku: item.sku,
        amazon_order_item_id: item.amazonOrderItemId,
        quantity: item.quantity,
      };
    }),
  );
  return true;
}

function savedLine(lines: Map<string, SavedLine>, lineKey: string): SavedLine {
  const line = lines.get(lineKey);
  if (!line) throw new Error(`no order line ${lineKey} was saved`);
  return line;
}

/** confirmed / partially_shipped / shipped, from what our packages and Amazon's closure cover. */
export async function fbmState(trx: Knex, orderId: number): Promise<string> {
  return fbmStateOf(await trx('deliveries').where({ order_id: orderId }).select('state'));
}

function fbmStateOf(deliveries: Array<{ state: string }>): string {
  const open = deliveries.filter((d) => d.state === 'open').length;
  const done = deliveries.filter((d) => d.state === 'done').length;
  if (open === 0 && done > 0) return 'shipped';
  return done > 0 ? 'partially_shipped' : 'confirmed';
}

/** Amazon shipped an FBA order from its warehouse: each product line leaves the account's FBA location. */
async function postFbaMoves(
  trx: Knex,
  accountId: string,
  orderId: number,
  mapped: MappedOrder,
  lines: Map<string, SavedLine>,
) {
  const locations = await accountLocations(trx, accountId);
  await postMoves(
    trx,
    mapped.lines
      .filter((l) => l.kind === 'product')
      .map((line) => {
        const saved = savedLine(lines, line.lineKey);
        return {
          reference: `order:${orderId}:line:${saved.id}:fba`,
          productId: saved.productId!,
          fromId: locations.fbaId,
          toId: locations.customersId,
          quantity: Number(line.quantity),
          origin: mapped.amazonOrderId,
        };
      }),
  );
}
