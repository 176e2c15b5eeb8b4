import type { Knex } from 'knex';

/** The seeded products lines fall back to: "Amazon Sale" (a SKU we do not sell yet), "Amazon Shipping". */
export interface SystemProductIds {
  sale: number;
  shipping: number;
}

/** The system products' ids, read once per database: seeded rows, never changed. */
const systemProductIds = new WeakMap<Knex, SystemProductIds>();

export async function systemProducts(db: Knex): Promise<SystemProductIds> {
  const cached = systemProductIds.get(db);
  if (cached) return cached;
  const rows = await db('products')
    .whereIn('system_key', ['amazon_sale', 'amazon_shipping'])
    .select('id', 'system_key');
  const byKey = new Map(rows.map((r) => [r.system_key as string, r.id as number]));
  const sale = byKey.get('amazon_sale');
  const shipping = byKey.get('amazon_shipping');
  if (!sale || !shipping) throw new Error('the system products are missing: run the migrations (db/seeds)');
  systemProductIds.set(db, { sale, shipping });
  return { sale, shipping };
}

/**
 * Offer (account, marketplace, SKU) → product, for all the SKUs of an order at once; a new offer links the product with
 * that SKU, else "Amazon Sale", and is re-linked once the product exists. Two statements whatever the number of SKUs
 * (the insert, then a read that sees offers a concurrent import inserted), plus an update per offer to re-link.
 */
export async function resolveProducts(
  trx: Knex,
  ref: { accountId: string; marketplaceId: string; channel: string; saleId: number },
  skus: string[],
): Promise<Map<string, number>> {
  const unique = [...new Set(skus)].sort(); // one order of rows for every import: no deadlock between two of them
  if (unique.length === 0) return new Map();
  await trx.raw(
    `INSERT INTO offers (account_id, marketplace_id, seller_sku, product_id, channel)
     SELECT ?, ?, s.sku, COALESCE(p.id, ?), ? FROM unnest(?::text[]) AS s(sku) LEFT JOIN products p ON p.sku = s.sku
     ORDER BY s.sku
     ON CONFLICT (account_id, marketplace_id, seller_sku) DO NOTHING`,
    [ref.accountId, ref.marketplaceId, ref.saleId, ref.channel, unique],
  );
  const offers = await trx('offers as o')
    .leftJoin('products as p', 'p.sku', 'o.seller_sku')
    .where({ 'o.account_id': ref.accountId, 'o.marketplace_id': ref.marketplaceId })
    .whereIn('o.seller_sku', unique)
    .select('o.id', 'o.seller_sku', 'o.product_id', 'p.id as sku_product_id');
  const products = new Map<string, number>();
  for (const offer of offers) {
    if (offer.sku_product_id && offer.product_id === ref.saleId) {
      await trx('offers')
        .where({ id: offer.id })
        .update({ product_id: offer.sku_product_id, updated_at: trx.fn.now() });
      products.set(offer.seller_sku, offer.sku_product_id);
    } else {
      products.set(offer.seller_sku, offer.product_id);
    }
  }
  return products;
}
