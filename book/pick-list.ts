import { z } from 'zod';
import { IsoInstant } from '../lib/validation';
import { Cursor, decodeCursor, Limit, page } from './cursor';
import { operation } from './operation';
import { Address, address } from './orders';

/**
 * The pick list (GET /v1/deliveries): deliveries of FBM orders, the soonest latest ship date first. What a warehouse
 * needs to pick and pack each one: its open lines, how it must ship, by when; the recipient only for the `pii` scope.
 */

export const DELIVERY_STATES = ['ready', 'ship_risk', 'partially_shipped', 'shipped', 'cancelled'] as const;

export const PickListDelivery = z.object({
  deliveryId: z.number().int(),
  amazonOrderId: z.string(),
  account: z.string(),
  marketplace: z.string().nullable(),
  /** main: what is still to ship; pkg:<n>: a package shipped. */
  ref: z.string(),
  state: z.enum(['open', 'done', 'cancelled']),
  orderState: z.string(),
  /** ship_risk: the latest ship date is near (SHIP_RISK_MARGIN); late: it has passed. */
  shipRisk: z.enum(['ship_risk', 'late']).nullable(),
  shipServiceLevel: z.string().nullable(),
  latestShipDate: z.string().nullable(),
  lines: z.array(z.object({ sku: z.string().nullable(), name: z.string().nullable(), quantity: z.number().int() })),
  package: z
    .object({
      packageReferenceId: z.number().int(),
      carrier: z.string().nullable(),
      trackingNumber: z.string().nullable(),
      confirmation: z.string().nullable(),
    })
    .nullable(),
  /** With the pii scope only. */
  recipient: Address.nullable().optional(),
  giftMessage: z.string().nullable().optional(),
});

const WHERE: Record<(typeof DELIVERY_STATES)[number], string> = {
  ready: `d.state = 'open'`,
  ship_risk: `d.state = 'open' AND o.ship_by_status IN ('ship_risk', 'late')`,
  partially_shipped: `d.state = 'open' AND o.state = 'partially_shipped'`,
  shipped: `d.state = 'done' AND d.package_reference_id IS NOT NULL`,
  cancelled: `d.state = 'cancelled'`,
};

export const pickList = operation(
  {
    name: 'pickList',
    input: z.object({
      state: z.enum(DELIVERY_STATES, { error: `must be one of ${DELIVERY_STATES.join(', ')}` }).default('ready'),
      account: z.string().optional(),
      /** Only deliveries whose latest ship date is before this time. */
      shipBefore: IsoInstant.optional(),
      withRecipient: z.boolean().default(false),
      limit: Limit,
      cursor: Cursor,
    }),
    output: z.object({ items: z.array(PickListDelivery), nextCursor: z.string().nullable() }),
  },
  async (db, input) => {
    // Unknown ship dates last: the sort key is the order's date (the delivery's copy, migration 016) or +infinity, then
    // the delivery id: for open deliveries, the partial index deliveries_open_ship_key_index walked from the cursor on.
    const shipKey = `COALESCE(d.latest_ship_date, 'infinity'::timestamptz)`;
    const q = db('deliveries as d')
      .join('sale_orders as o', 'o.id', 'd.order_id')
      .leftJoin('marketplaces as m', 'm.id', 'o.marketplace_id')
      .where('o.channel', 'FBM')
      .whereRaw(WHERE[input.state])
      .orderByRaw(`${shipKey}, d.id`)
      .limit(input.limit + 1)
      .select(
        'd.*',
        'o.amazon_order_id',
        'o.account_id',
        'o.state as order_state',
        'o.ship_by_status',
        'o.ship_service_level',
        'o.delivery_address_id',
        'm.code as marketplace_code',
        db.raw(`${shipKey}::text AS ship_key`),
      );
    if (input.account) q.where('o.account_id', input.account);
    if (input.shipBefore) q.where('d.latest_ship_date', '<', input.shipBefore);
    if (input.cursor) {
      const [shipKeyText, id] = decodeCursor(z.tuple([z.string(), z.number().int()]), input.cursor);
      q.whereRaw(`(${shipKey}, d.id) > (?::timestamptz, ?)`, [shipKeyText, id]);
    }
    const rows = await q;
    const { items, nextCursor } = page(rows, input.limit, (d) => [d.ship_key, d.id]);
    const lines = await db('delivery_lines as dl')
      .leftJoin('products as p', 'p.id', 'dl.product_id')
      .leftJoin('sale_order_lines as l', 'l.id', 'dl.order_line_id')
      .whereIn(
        'dl.delivery_id',
        items.map((d) => d.id),
      )
      .orderBy('dl.id')
      .select('dl.delivery_id', 'dl.sku', 'dl.quantity', db.raw('COALESCE(p.name, l.name) AS name'));
    const recipients = input.withRecipient
      ? new Map(
          (await db('partners').whereIn('id', items.map((d) => d.delivery_address_id).filter(Boolean))).map((p) => [
            p.id as number,
            p,
          ]),
        )
      : undefined;
    return {
      items: items.map((d) => {
        const recipient = recipients?.get(d.delivery_address_id);
        return {
          deliveryId: d.id,
          amazonOrderId: d.amazon_order_id,
          account: d.account_id,
          marketplace: d.marketplace_code,
          ref: d.ref,
          state: d.state,
          orderState: d.order_state,
          shipRisk: d.state === 'open' ? d.ship_by_status : null,
          shipServiceLevel: d.ship_service_level,
          latestShipDate: d.latest_ship_date ? new Date(d.latest_ship_date).toISOString() : null,
          lines: lines
            .filter((l) => l.delivery_id === d.id)
            .map((l) => ({ sku: l.sku, name: l.name, quantity: l.quantity })),
          package:
            d.package_reference_id === null
              ? null
              : {
                  packageReferenceId: d.package_reference_id,
                  carrier: d.carrier_name ?? d.carrier_code,
                  trackingNumber: d.tracking_number,
                  confirmation: d.confirmation_state,
                },
          ...(input.withRecipient
            ? {
                recipient: address(recipient ?? null),
                giftMessage: d.gift_message,
              }
            : {}),
        };
      }),
      nextCursor,
    };
  },
);
