import type { Knex } from 'knex';
import { z } from 'zod';
import { UserError } from '../lib/errors';
import { operation } from './operation';

/** Offers: an account's SKU in a marketplace, linked to a product of the catalog, FBM or FBA, with what Amazon last took. */

/** Offers that came with an order before their product existed point at "Amazon Sale": link them to the product now. */
export async function relinkOffers(trx: Knex, skus?: string[]): Promise<number> {
  const q = trx.raw(
    `UPDATE offers o SET product_id = p.id, updated_at = now()
     FROM products p, products sys
     WHERE sys.system_key = 'amazon_sale' AND o.product_id = sys.id AND p.sku = o.seller_sku ${skus ? 'AND p.sku = ANY(?)' : ''}`,
    skus ? [skus] : [],
  );
  return (await q).rowCount ?? 0;
}

export const listOffers = operation(
  {
    name: 'listOffers',
    input: z.object({
      account: z.string().optional(),
      errors: z.boolean().optional(),
      channel: z.enum(['FBA', 'FBM', 'fba', 'fbm'], { error: 'must be FBA or FBM' }).optional(),
      limit: z.number().int().positive().max(10_000).default(200),
    }),
    output: z.array(
      z.object({
        account: z.string(),
        marketplace: z.string(),
        sellerSku: z.string(),
        channel: z.string(),
        productType: z.string().nullable(),
        safetyStock: z.number(),
        lastSent: z.number().nullable(),
        lastSentAt: z.string().nullable(),
        lastError: z.string().nullable(),
      }),
    ),
  },
  async (db, filter) => {
    const q = db('offers as o')
      .join('marketplaces as m', 'm.id', 'o.marketplace_id')
      .orderBy(['o.account_id', 'o.seller_sku', 'm.code'])
      .limit(filter.limit)
      .select('o.*', 'm.code as marketplace');
    if (filter.account) q.where('o.account_id', filter.account);
    if (filter.errors) q.whereNotNull('o.last_error');
    if (filter.channel) q.where('o.channel', filter.channel.toUpperCase());
    return (await q).map((o) => ({
      account: o.account_id as string,
      marketplace: o.marketplace as string,
      sellerSku: o.seller_sku as string,
      channel: o.channel as string,
      productType: o.product_type as string | null,
      safetyStock: o.safety_stock as number,
      lastSent: o.last_sent_quantity as number | null,
      lastSentAt: o.last_sent_at ? new Date(o.last_sent_at).toISOString() : null,
      lastError: o.last_error as string | null,
    }));
  },
);

/** Accounts that sell the products (through FBM offers), or every account with FBM offers: whose sync a change concerns. */
export const accountsSelling = operation(
  {
    name: 'accountsSelling',
    input: z.object({ productIds: z.union([z.array(z.number().int()), z.literal('all')]) }),
    output: z.array(z.string()),
  },
  async (db, { productIds }) => {
    if (productIds !== 'all' && productIds.length === 0) return [];
    const q = db('offers').where('channel', 'FBM').distinct('account_id').orderBy('account_id');
    if (productIds !== 'all') q.whereIn('product_id', productIds);
    return (await q).map((r) => r.account_id as string);
  },
);

/** Units kept back from Amazon for an offer of the account, in all its marketplaces or in one (by code, like DE). */
export const setSafetyStock = operation(
  {
    name: 'setSafetyStock',
    input: z.object({
      accountId: z.string().min(1),
      sellerSku: z.string().min(1),
      marketplace: z.string().optional(),
      safetyStock: z.number().int().min(0),
    }),
    output: z.object({ offers: z.number() }),
  },
  async (db, input) => {
    const q = db('offers').where({ account_id: input.accountId, seller_sku: input.sellerSku });
    if (input.marketplace)
      q.whereIn('marketplace_id', db('marketplaces').where('code', input.marketplace.toUpperCase()).select('id'));
    const offers = await q.update({ safety_stock: input.safetyStock, updated_at: db.fn.now() });
    if (!offers)
      throw new UserError(
        `no offer ${input.sellerSku} on ${input.accountId}${input.marketplace ? ` in ${input.marketplace}` : ''}: see \`connector offers list --account ${input.accountId}\``,
      );
    return { offers };
  },
);
