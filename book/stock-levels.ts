import { z } from 'zod';
import { Cursor, decodeCursor, Limit, page } from './cursor';
import { operation } from './operation';

/**
 * Stock levels per product (GET /v1/stock): on hand in our warehouses, reserved by open FBM deliveries, free; per offer
 * the quantity Amazon last took; Amazon's FBA quantity and the drift the last fbaStockSync found. Paged by SKU.
 */

export const StockLevel = z.object({
  sku: z.string(),
  name: z.string(),
  onHand: z.number().int(),
  reserved: z.number().int(),
  /** onHand − reserved: what a new order or Amazon can still have. */
  free: z.number().int(),
  offers: z.array(
    z.object({
      account: z.string(),
      marketplace: z.string(),
      sellerSku: z.string(),
      channel: z.enum(['FBA', 'FBM']),
      safetyStock: z.number().int(),
      lastPushed: z.number().int().nullable(),
      lastPushedAt: z.string().nullable(),
      lastError: z.string().nullable(),
    }),
  ),
  /** Fulfillable at Amazon, summed over the offers' SKUs and marketplaces (a pooled SKU counted once per account). */
  fba: z.number().int(),
  /** Per account: what Amazon reported minus what our moves predicted, at the last fbaStockSync. */
  drift: z.array(
    z.object({ account: z.string(), predicted: z.number().int(), amazon: z.number().int(), drift: z.number().int() }),
  ),
});

export const stockLevels = operation(
  {
    name: 'stockLevels',
    input: z.object({ sku: z.string().optional(), account: z.string().optional(), limit: Limit, cursor: Cursor }),
    output: z.object({ items: z.array(StockLevel), nextCursor: z.string().nullable() }),
  },
  async (db, input) => {
    const q = db('products as p')
      .whereNull('p.system_key')
      .orderBy('p.sku')
      .limit(input.limit + 1)
      .select('p.id', 'p.sku', 'p.name');
    if (input.sku) q.where('p.sku', input.sku);
    if (input.account)
      q.whereExists(db('offers as o').whereRaw('o.product_id = p.id').where('o.account_id', input.account));
    if (input.cursor) q.where('p.sku', '>', decodeCursor(z.tuple([z.string()]), input.cursor)[0]);
    const { items, nextCursor } = page(await q, input.limit, (p) => [p.sku]);
    const ids = items.map((p) => p.id as number);
    const [onHand, reserved, offers, fba, drift] = await Promise.all([
      db('stock_quants as q')
        .join('stock_locations as l', 'l.id', 'q.location_id')
        .where('l.kind', 'internal')
        .whereIn('q.product_id', ids)
        .groupBy('q.product_id')
        .select('q.product_id', db.raw('sum(q.quantity)::int AS n')),
      db('delivery_lines as dl')
        .join('deliveries as d', 'd.id', 'dl.delivery_id')
        .where('d.state', 'open')
        .whereIn('dl.product_id', ids)
        .groupBy('dl.product_id')
        .select('dl.product_id', db.raw('sum(dl.quantity)::int AS n')),
      db('offers as o')
        .join('marketplaces as m', 'm.id', 'o.marketplace_id')
        .whereIn('o.product_id', ids)
        .modify((w) => {
          if (input.account) w.where('o.account_id', input.account);
        })
        .orderBy(['o.account_id', 'm.code', 'o.seller_sku'])
        .select('o.*', 'm.code as marketplace'),
      // A pooled FBA SKU (Pan-EU, NARF) is reported in each marketplace: the largest figure per account and SKU.
      db
        .from(
          db('fba_inventory as f')
            .join('offers as o', (j) =>
              j
                .on('o.account_id', 'f.account_id')
                .andOn('o.seller_sku', 'f.seller_sku')
                .andOn('o.marketplace_id', 'f.marketplace_id'),
            )
            .whereIn('o.product_id', ids)
            .groupBy('o.product_id', 'f.account_id', 'f.seller_sku')
            .select('o.product_id', db.raw('max(f.fulfillable_quantity) AS n'))
            .as('x'),
        )
        .groupBy('product_id')
        .select('product_id', db.raw('sum(n)::int AS n')),
      db('fba_stock_drift').whereIn('product_id', ids).orderBy('account_id').select('*'),
    ]);
    const sum = (rows: Array<{ product_id: number; n: number }>, id: number) =>
      rows.find((r) => r.product_id === id)?.n ?? 0;
    return {
      items: items.map((p) => {
        const here = sum(onHand, p.id);
        const held = sum(reserved, p.id);
        return {
          sku: p.sku,
          name: p.name,
          onHand: here,
          reserved: held,
          free: here - held,
          offers: offers
            .filter((o: any) => o.product_id === p.id)
            .map((o: any) => ({
              account: o.account_id,
              marketplace: o.marketplace,
              sellerSku: o.seller_sku,
              channel: o.channel,
              safetyStock: o.safety_stock,
              lastPushed: o.last_sent_quantity,
              lastPushedAt: o.last_sent_at ? new Date(o.last_sent_at).toISOString() : null,
              lastError: o.last_error,
            })),
          fba: sum(fba, p.id),
          drift: drift
            .filter((d) => d.product_id === p.id)
            .map((d) => ({
              account: d.account_id,
              predicted: d.predicted,
              amazon: d.amazon,
              drift: d.amazon - d.predicted,
            })),
        };
      }),
      nextCursor,
    };
  },
);
