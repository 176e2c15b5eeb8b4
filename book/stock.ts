import type { Knex } from 'knex';
import { z } from 'zod';
import { InvalidInput, UserError } from '../lib/errors';
import { operation } from './operation';
import { accountsSelling, relinkOffers } from './offers';

/** Where stock enters and leaves the book when it is counted rather than moved (stock set, FBA sync). */
export const ADJUSTMENT_LOCATION = 'INVENTORY-ADJUSTMENT';

/**
 * The quantity rule, per FBM offer of an account, in one set-based query:
 *   on hand in the account's warehouse − reserved by open FBM deliveries shipping from it − safety stock, floored at 0.
 * Reservations count every account that ships from the same warehouse: the shelf is shared. Offers still linked to a
 * system product (an Amazon SKU our catalog does not know) are left out: they are not ours to zero.
 */
export function fbmQuantitiesSql(accountId: string): { sql: string; bindings: Knex.RawBinding[] } {
  const defaultWh = `(SELECT id FROM stock_locations WHERE code = 'WH')`;
  return {
    sql: `
      WITH wh AS (
        SELECT COALESCE(a.warehouse_location_id, ${defaultWh}) AS id FROM seller_accounts a WHERE a.id = ?
      ),
      reserved AS (
        SELECT dl.product_id, SUM(dl.quantity)::int AS quantity
        FROM deliveries d
        JOIN delivery_lines dl ON dl.delivery_id = d.id
        JOIN sale_orders so ON so.id = d.order_id
        JOIN seller_accounts sa ON sa.id = so.account_id
        WHERE d.state = 'open' AND COALESCE(sa.warehouse_location_id, ${defaultWh}) = (SELECT id FROM wh)
        GROUP BY dl.product_id
      )
      SELECT o.id AS offer_id, o.marketplace_id, o.seller_sku, o.product_id, o.product_type, o.safety_stock,
             o.last_sent_quantity, COALESCE(q.quantity, 0) AS on_hand, COALESCE(r.quantity, 0) AS reserved,
             GREATEST(0, COALESCE(q.quantity, 0) - COALESCE(r.quantity, 0) - o.safety_stock)::int AS quantity
      FROM offers o
      JOIN seller_accounts a ON a.id = o.account_id
      JOIN products p ON p.id = o.product_id AND p.system_key IS NULL
      JOIN account_marketplaces am ON am.account_id = o.account_id AND am.marketplace_id = o.marketplace_id AND am.enabled
      JOIN marketplaces m ON m.id = o.marketplace_id AND m.region = a.region
      LEFT JOIN stock_quants q ON q.location_id = (SELECT id FROM wh) AND q.product_id = o.product_id
      LEFT JOIN reserved r ON r.product_id = o.product_id
      WHERE o.account_id = ? AND o.channel = 'FBM'`,
    bindings: [accountId, accountId],
  };
}

const OfferQuantity = z.object({
  offerId: z.number().int(),
  marketplaceId: z.string(),
  sellerSku: z.string(),
  onHand: z.number(),
  reserved: z.number(),
  safetyStock: z.number(),
  quantity: z.number(),
  lastSentQuantity: z.number().nullable(),
});
export type OfferQuantity = z.infer<typeof OfferQuantity>;

const StockView = z.object({
  sku: z.string(),
  name: z.string(),
  onHand: z.array(z.object({ location: z.string(), quantity: z.number() })),
  reservedByOpenDeliveries: z.number(),
  fba: z.array(
    z.object({
      account: z.string(),
      marketplace: z.string(),
      sellerSku: z.string(),
      fulfillable: z.number(),
      total: z.number(),
      updatedAt: z.string(),
    }),
  ),
  fbaLocations: z.array(z.object({ location: z.string(), quantity: z.number() })),
  offers: z.array(
    z.object({
      account: z.string(),
      marketplace: z.string(),
      sellerSku: z.string(),
      channel: z.string(),
      safetyStock: z.number(),
      toSend: z.number().nullable(),
      lastSent: z.number().nullable(),
      lastError: z.string().nullable(),
    }),
  ),
});

const FbaDriftRow = z.object({
  sku: z.string(),
  sellerSkus: z.string(),
  predicted: z.number(),
  amazon: z.number(),
  drift: z.number(),
  recordedAt: z.string(),
});

export const fbmOfferQuantities = operation(
  {
    name: 'fbmOfferQuantities',
    input: z.object({ accountId: z.string(), sku: z.string().optional(), productId: z.number().int().optional() }),
    output: z.array(OfferQuantity),
  },
  async (db, { accountId, ...filter }) => {
    const { sql, bindings } = fbmQuantitiesSql(accountId);
    const where =
      filter.sku !== undefined ? 'WHERE seller_sku = ?' : filter.productId !== undefined ? 'WHERE product_id = ?' : '';
    const { rows } = await db.raw(`SELECT * FROM (${sql}) q ${where} ORDER BY seller_sku, marketplace_id`, [
      ...bindings,
      ...(filter.sku !== undefined ? [filter.sku] : filter.productId !== undefined ? [filter.productId] : []),
    ]);
    return rows.map((r: any) => ({
      offerId: r.offer_id,
      marketplaceId: r.marketplace_id,
      sellerSku: r.seller_sku,
      onHand: r.on_hand,
      reserved: r.reserved,
      safetyStock: r.safety_stock,
      quantity: r.quantity,
      lastSentQuantity: r.last_sent_quantity,
    }));
  },
);

export async function locationId(db: Knex, code: string): Promise<number> {
  const row = await db('stock_locations').where({ code }).first('id', 'kind');
  if (!row) {
    const known = (await db('stock_locations').where({ kind: 'internal' }).pluck('code')).join(', ');
    throw new UserError(`no stock location ${code}: use one of ${known || 'WH'}`);
  }
  return row.id;
}

/**
 * Sets counted quantities at a location in a few statements, whatever the number of products: one adjustment move per
 * product whose quantity differs (reference `<referencePrefix><productId>`, so a retried call posts nothing twice) and
 * the quants of both ends. Product ids must be unique.
 */
export async function setQuantities(
  trx: Knex,
  input: {
    locationId: number;
    items: Array<{ productId: number; quantity: number }>;
    referencePrefix: string;
    origin: string;
  },
): Promise<{ moved: number }> {
  if (input.items.length === 0) return { moved: 0 };
  const adjustment = await locationId(trx, ADJUSTMENT_LOCATION);
  // Counting is read-then-write: one adjustment of a location at a time, or two counts would both apply their delta.
  await trx.raw('SELECT id FROM stock_locations WHERE id = ? FOR UPDATE', [input.locationId]);
  const { rows } = await trx.raw(
    `WITH input AS (SELECT * FROM unnest(?::int[], ?::int[]) AS i(product_id, target)),
     delta AS (
       SELECT i.product_id, i.target - COALESCE(q.quantity, 0) AS d
       FROM input i LEFT JOIN stock_quants q ON q.location_id = ?::int AND q.product_id = i.product_id
     ),
     moves AS (
       INSERT INTO stock_moves (reference, product_id, from_location_id, to_location_id, quantity, origin)
       SELECT ?::text || product_id, product_id, CASE WHEN d > 0 THEN ?::int ELSE ?::int END, CASE WHEN d > 0 THEN ?::int ELSE ?::int END, abs(d), ?::text
       FROM delta WHERE d <> 0
       ON CONFLICT (reference) DO NOTHING
       RETURNING product_id, from_location_id, to_location_id, quantity
     ),
     quants AS (
       INSERT INTO stock_quants (location_id, product_id, quantity)
       SELECT to_location_id, product_id, quantity FROM moves
       UNION ALL SELECT from_location_id, product_id, -quantity FROM moves
       ON CONFLICT (location_id, product_id) DO UPDATE SET quantity = stock_quants.quantity + EXCLUDED.quantity, updated_at = now()
     )
     SELECT count(*)::int AS moved FROM moves`,
    [
      input.items.map((i) => i.productId),
      input.items.map((i) => i.quantity),
      input.locationId,
      input.referencePrefix,
      adjustment,
      input.locationId,
      input.locationId,
      adjustment,
      input.origin,
    ],
  );
  return { moved: rows[0].moved };
}

/** `connector stock show <sku>`: on hand per location, reserved by open FBM deliveries, FBA per marketplace, offers. */
export const stockView = operation(
  { name: 'stockView', input: z.object({ sku: z.string().min(1) }), output: StockView },
  async (db, { sku }) => {
    const product = await db('products').where({ sku }).first('id', 'sku', 'name');
    if (!product)
      throw new UserError(`no product with SKU ${sku}: add it with \`connector products add ${sku} --name ...\``);
    const locations = await db('stock_quants as q')
      .join('stock_locations as l', 'l.id', 'q.location_id')
      .where('q.product_id', product.id)
      .whereIn('l.kind', ['internal', 'fba'])
      .orderBy('l.code')
      .select('l.code', 'l.kind', 'q.quantity');
    const reserved = await db('delivery_lines as dl')
      .join('deliveries as d', 'd.id', 'dl.delivery_id')
      .where({ 'd.state': 'open', 'dl.product_id': product.id })
      .sum({ quantity: 'dl.quantity' })
      .first();
    const offers = await db('offers as o')
      .join('marketplaces as m', 'm.id', 'o.marketplace_id')
      .where('o.product_id', product.id)
      .orderBy(['o.account_id', 'm.code', 'o.seller_sku'])
      .select('o.*', 'm.code as marketplace');
    const fba = await db('fba_inventory as f')
      .join('marketplaces as m', 'm.id', 'f.marketplace_id')
      .whereIn('f.seller_sku', [...new Set([sku, ...offers.map((o) => o.seller_sku as string)])])
      .orderBy(['f.account_id', 'm.code', 'f.seller_sku'])
      .select('f.account_id', 'f.seller_sku', 'm.code', 'f.fulfillable_quantity', 'f.total_quantity', 'f.updated_at');
    const computed = new Map<number, number>();
    for (const account of new Set(offers.map((o) => o.account_id as string))) {
      for (const q of await fbmOfferQuantities(db, { accountId: account, productId: product.id }))
        computed.set(q.offerId, q.quantity);
    }
    return {
      sku: product.sku as string,
      name: product.name as string,
      onHand: locations
        .filter((l) => l.kind === 'internal')
        .map((l) => ({ location: l.code as string, quantity: l.quantity as number })),
      reservedByOpenDeliveries: Number(reserved?.quantity ?? 0),
      fba: fba.map((f) => ({
        account: f.account_id as string,
        marketplace: f.code as string,
        sellerSku: f.seller_sku as string,
        fulfillable: f.fulfillable_quantity as number,
        total: f.total_quantity as number,
        updatedAt: new Date(f.updated_at).toISOString(),
      })),
      fbaLocations: locations
        .filter((l) => l.kind === 'fba')
        .map((l) => ({ location: l.code as string, quantity: l.quantity as number })),
      offers: offers.map((o) => ({
        account: o.account_id as string,
        marketplace: o.marketplace as string,
        sellerSku: o.seller_sku as string,
        channel: o.channel as string,
        safetyStock: o.safety_stock as number,
        toSend: o.channel === 'FBM' ? (computed.get(o.id) ?? null) : null,
        lastSent: o.last_sent_quantity as number | null,
        lastError: o.last_error as string | null,
      })),
    };
  },
);

/** `connector stock drift --account A`: what the last fbaStockSync found different from what our moves predicted. */
export const fbaDrift = operation(
  { name: 'fbaDrift', input: z.object({ accountId: z.string().min(1) }), output: z.array(FbaDriftRow) },
  async (db, { accountId }) => {
    const rows = await db('fba_stock_drift as d')
      .join('products as p', 'p.id', 'd.product_id')
      .where('d.account_id', accountId)
      .orderBy('p.sku')
      .select('p.sku', 'd.seller_skus', 'd.predicted', 'd.amazon', 'd.recorded_at');
    return rows.map((r) => ({
      sku: r.sku as string,
      sellerSkus: r.seller_skus as string,
      predicted: r.predicted as number,
      amazon: r.amazon as number,
      drift: (r.amazon - r.predicted) as number,
      recordedAt: new Date(r.recorded_at).toISOString(),
    }));
  },
);

const StockRow = z.object({
  sku: z.string({ error: 'is required' }).trim().min(1, 'is required'),
  quantity: z
    .number({ error: 'must be a whole number of 0 or more' })
    .int('must be a whole number of 0 or more')
    .min(0, 'must be a whole number of 0 or more')
    .max(2_147_483_647, 'is too large'),
  /** A stock location's code; the default warehouse WH when left out. */
  location: z.string().trim().min(1).optional(),
});

/** Most rows one setStock takes: one transaction, validated as a whole. */
export const MAX_STOCK_ROWS = 10_000;

/**
 * Sets counted on-hand quantities, up to 10,000 rows in one transaction, validated as a whole: one bad row (unknown
 * SKU or location, a quantity that is not a whole number, a SKU twice at a location) refuses them all, each bad row
 * listed, and nothing is written. Offers of Amazon SKUs that now exist in the catalog are re-linked. Returns what
 * changed and the accounts whose FBM quantities it concerns (their debounced stockSync is the caller's to request).
 */
export const setStock = operation(
  {
    name: 'setStock',
    input: z.object({
      items: z
        .array(StockRow)
        .min(1, 'must hold at least one row')
        .max(MAX_STOCK_ROWS, `must hold at most ${MAX_STOCK_ROWS} rows`),
      /** Where the change comes from, kept on its moves (`stock set`, `stock import`, `api`). */
      origin: z.string().min(1).default('stock set'),
      /** Names the rows' moves so that a retried call posts nothing twice (an Idempotency-Key, say). */
      reference: z.string().min(1).optional(),
      /** Only check the rows: refuse them as a real call would, write nothing (`stock import --dry-run`). */
      checkOnly: z.boolean().default(false),
    }),
    output: z.object({
      items: z.array(z.object({ sku: z.string(), location: z.string(), before: z.number(), onHand: z.number() })),
      moved: z.number(),
      accounts: z.array(z.string()),
    }),
  },
  async (db, input) => {
    const rows = input.items.map((i) => ({ ...i, location: i.location ?? 'WH' }));
    const skus = [...new Set(rows.map((r) => r.sku))];
    const codes = [...new Set(rows.map((r) => r.location))];
    const products = new Map<string, number>(
      (await db('products').whereIn('sku', skus).whereNull('system_key').select('id', 'sku')).map((p) => [p.sku, p.id]),
    );
    const locations = new Map<string, number>(
      (await db('stock_locations').whereIn('code', codes).where('kind', 'internal').select('id', 'code')).map((l) => [
        l.code,
        l.id,
      ]),
    );
    const known = async () =>
      (await db('stock_locations').where({ kind: 'internal' }).orderBy('code').pluck('code')).join(', ') || 'WH';
    const bad: Array<{ row: number; sku: string; error: string }> = [];
    const seen = new Set<string>();
    for (const [row, r] of rows.entries()) {
      const key = `${r.location}\u0000${r.sku}`;
      const error = !products.has(r.sku)
        ? `no product with SKU ${r.sku}: add it with \`connector products add ${r.sku} --name ...\` or import a CSV`
        : !locations.has(r.location)
          ? `no stock location ${r.location}: use one of ${await known()}`
          : seen.has(key)
            ? `${r.sku} appears twice for ${r.location}`
            : undefined;
      if (error) bad.push({ row, sku: r.sku, error });
      seen.add(key);
    }
    if (bad.length)
      throw new InvalidInput(
        rows.length === 1
          ? bad[0].error
          : `${bad.length} of ${rows.length} rows are refused, nothing was written: ${bad
              .slice(0, 5)
              .map((b) => `items[${b.row}] ${b.error}`)
              .join('; ')}${bad.length > 5 ? '; …' : ''}`,
        `items[${bad[0].row}]`,
        bad,
      );
    if (input.checkOnly) return { items: [], moved: 0, accounts: [] };
    const reference = input.reference ?? `stock-set:${Date.now()}:${process.pid}`;
    return db.transaction(async (trx) => {
      const before = new Map<string, number>(
        (
          await trx('stock_quants')
            .whereIn('location_id', [...locations.values()])
            .whereIn('product_id', [...products.values()])
            .select('location_id', 'product_id', 'quantity')
        ).map((q) => [`${q.location_id}:${q.product_id}`, q.quantity]),
      );
      let moved = 0;
      // Locations in id order: two concurrent calls lock them in the same order, never deadlock.
      for (const [code, locationIdOf] of [...locations].sort((a, b) => a[1] - b[1])) {
        const items = rows
          .filter((r) => r.location === code)
          .map((r) => ({ productId: products.get(r.sku)!, quantity: r.quantity }));
        moved += (
          await setQuantities(trx, {
            locationId: locationIdOf,
            items,
            referencePrefix: `${reference}:${code}:`,
            origin: input.origin,
          })
        ).moved;
      }
      await relinkOffers(trx, skus);
      const accounts = await accountsSelling(trx, { productIds: [...products.values()] });
      return {
        items: rows.map((r) => ({
          sku: r.sku,
          location: r.location,
          before: before.get(`${locations.get(r.location)}:${products.get(r.sku)}`) ?? 0,
          onHand: r.quantity,
        })),
        moved,
        accounts,
      };
    });
  },
);
