import { z } from 'zod';
import { emit } from './events';
import { operation } from './operation';
import { enabledMarketplaces } from './marketplaces';
import { setQuantities } from './stock';
import { accountLocations } from './locations';

/**
 * The book side of fbaStockSync: Amazon's FBA inventory mirrored into fba_inventory (per marketplace and SKU) and into
 * the account's FBA virtual location (per product), with the drift from what our stock moves predicted.
 */

const Id = z.number().int().positive();

export const FbaSummary = z.object({
  sellerSku: z.string().min(1),
  asin: z.string().optional(),
  fnSku: z.string().optional(),
  fulfillableQuantity: z.number().int().nonnegative(),
  totalQuantity: z.number().int().nonnegative(),
});
export type FbaSummary = z.infer<typeof FbaSummary>;

export const startFbaRun = operation(
  {
    name: 'startFbaRun',
    input: z.object({ accountId: z.string().min(1), runKey: z.string().min(1) }),
    output: z.object({ runId: Id, startedAt: z.string(), marketplaceIds: z.array(z.string()) }),
  },
  async (db, { accountId, runKey }) => {
    const [run] = await db('stock_sync_runs')
      .insert({
        account_id: accountId,
        kind: 'fba',
        run_key: runKey,
        status: 'running',
        workflow_id: runKey.split('/')[0],
      })
      .onConflict('run_key')
      .merge({ run_key: runKey })
      .returning(['id', 'started_at']);
    const marketplaceIds = (await enabledMarketplaces(db, { accountId })).map((m) => m.id);
    if (marketplaceIds.length === 0)
      await db('stock_sync_runs').where({ id: run.id }).update({ status: 'nothing_to_send', finished_at: db.fn.now() });
    return { runId: run.id, startedAt: new Date(run.started_at).toISOString(), marketplaceIds };
  },
);

/** One page of summaries, upserted; updated_at says the row was seen by this run. */
export const upsertFbaInventory = operation(
  {
    name: 'upsertFbaInventory',
    input: z.object({ accountId: z.string(), marketplaceId: z.string(), summaries: z.array(FbaSummary) }),
    output: z.void(),
  },
  async (db, { accountId, marketplaceId, summaries }) => {
    if (summaries.length === 0) return;
    // A SKU twice in a page (conditions) sums up: one row per SKU.
    const bySku = new Map<string, FbaSummary>();
    for (const s of summaries) {
      const seen = bySku.get(s.sellerSku);
      bySku.set(
        s.sellerSku,
        seen
          ? {
              ...seen,
              fulfillableQuantity: seen.fulfillableQuantity + s.fulfillableQuantity,
              totalQuantity: seen.totalQuantity + s.totalQuantity,
            }
          : s,
      );
    }
    await db('fba_inventory')
      .insert(
        [...bySku.values()].map((s) => ({
          account_id: accountId,
          marketplace_id: marketplaceId,
          seller_sku: s.sellerSku,
          asin: s.asin ?? null,
          fn_sku: s.fnSku ?? null,
          fulfillable_quantity: s.fulfillableQuantity,
          total_quantity: s.totalQuantity,
          updated_at: db.fn.now(),
        })),
      )
      .onConflict(['account_id', 'marketplace_id', 'seller_sku'])
      .merge();
  },
);

const FbaApplyResult = z.object({
  skus: z.number(),
  products: z.number(),
  unmatchedSkus: z.number(),
  adjusted: z.number(),
  drifted: z.number(),
  baseline: z.boolean(),
});
export type FbaApplyResult = z.infer<typeof FbaApplyResult>;

/**
 * After every marketplace was read: SKUs Amazon no longer reports go, FBA SKUs of our catalog get an FBA offer, and
 * the FBA location's quants are set to Amazon's fulfillable quantity per product. A SKU pooled across marketplaces
 * (Pan-EU, NARF) is reported in each: its pool is the largest of its marketplace figures. Drift is recorded first,
 * except on an account's first FBA sync, which only sets the baseline.
 */
export const applyFbaInventory = operation(
  {
    name: 'applyFbaInventory',
    input: z.object({ accountId: z.string(), runId: Id, startedAt: z.string(), marketplaceIds: z.array(z.string()) }),
    output: FbaApplyResult,
  },
  async (db, { accountId, runId, startedAt, marketplaceIds }) => {
    return db.transaction(async (trx) => {
      // Two FBA syncs of one account (schedule and on demand) apply one after the other, never interleaved.
      await trx('seller_accounts').where({ id: accountId }).forUpdate().first('id');
      await trx('fba_inventory')
        .where({ account_id: accountId })
        .whereIn('marketplace_id', marketplaceIds)
        .where('updated_at', '<', startedAt)
        .delete();
      await trx.raw(
        `INSERT INTO offers (account_id, marketplace_id, seller_sku, product_id, channel, asin, amazon_channel_code)
       SELECT f.account_id, f.marketplace_id, f.seller_sku, p.id, 'FBA', f.asin, NULL
       FROM fba_inventory f JOIN products p ON p.sku = f.seller_sku AND p.system_key IS NULL
       WHERE f.account_id = ?
       ON CONFLICT (account_id, marketplace_id, seller_sku) DO NOTHING`,
        [accountId],
      );
      const { rows: amazon } = await trx.raw(
        `WITH pools AS (
         SELECT seller_sku, MAX(fulfillable_quantity) AS quantity FROM fba_inventory WHERE account_id = ? GROUP BY seller_sku
       ), mapped AS (
         SELECT s.seller_sku, s.quantity,
                COALESCE((SELECT o.product_id FROM offers o JOIN products p ON p.id = o.product_id AND p.system_key IS NULL
                          WHERE o.account_id = ? AND o.seller_sku = s.seller_sku ORDER BY o.id LIMIT 1),
                         (SELECT p.id FROM products p WHERE p.sku = s.seller_sku AND p.system_key IS NULL)) AS product_id
         FROM pools s
       )
       SELECT product_id, string_agg(seller_sku, ',' ORDER BY seller_sku) AS skus, SUM(quantity)::int AS quantity, count(*)::int AS n
       FROM mapped GROUP BY product_id`,
        [accountId, accountId],
      );
      const matched = amazon.filter((r: any) => r.product_id !== null);
      const unmatchedSkus = amazon.filter((r: any) => r.product_id === null).reduce((s: number, r: any) => s + r.n, 0);
      const { fbaId } = await accountLocations(trx, accountId);
      const quants = await trx('stock_quants').where({ location_id: fbaId }).select('product_id', 'quantity');
      const predicted = new Map<number, number>(quants.map((q) => [q.product_id, q.quantity]));
      const target = new Map<number, { skus: string; quantity: number }>(
        matched.map((r: any) => [r.product_id, { skus: r.skus, quantity: r.quantity }]),
      );
      for (const productId of predicted.keys())
        if (!target.has(productId)) target.set(productId, { skus: '', quantity: 0 });

      const baseline = !(await trx('stock_sync_runs')
        .where({ account_id: accountId, kind: 'fba', status: 'done' })
        .whereNot({ id: runId })
        .first('id'));
      const drift = [...target].filter(([productId, t]) => (predicted.get(productId) ?? 0) !== t.quantity);
      let driftRows: Array<{ seller_skus: string; predicted: number; amazon: number }> = [];
      await trx('fba_stock_drift').where({ account_id: accountId }).delete();
      if (!baseline && drift.length) {
        const skusOf = async (productId: number, skus: string) =>
          skus || (await trx('products').where({ id: productId }).first('sku')).sku;
        const rows: Array<{
          account_id: string;
          product_id: number;
          seller_skus: string;
          predicted: number;
          amazon: number;
        }> = [];
        for (const [productId, t] of drift) {
          rows.push({
            account_id: accountId,
            product_id: productId,
            seller_skus: await skusOf(productId, t.skus),
            predicted: predicted.get(productId) ?? 0,
            amazon: t.quantity,
          });
        }
        await trx('fba_stock_drift').insert(rows);
        driftRows = rows;
      }
      const { moved } = await setQuantities(trx, {
        locationId: fbaId,
        items: [...target].map(([productId, t]) => ({ productId, quantity: t.quantity })),
        referencePrefix: `fba-sync:${runId}:`,
        origin: 'fbaStockSync',
      });
      const skus = (
        await trx('fba_inventory').where({ account_id: accountId }).countDistinct({ n: 'seller_sku' }).first()
      )?.n;
      await trx('stock_sync_runs')
        .where({ id: runId })
        .update({ status: 'done', messages: Number(skus ?? 0), changed: moved, finished_at: trx.fn.now() });
      // A retried apply finds the quants already at Amazon's figures: no drift, no second event.
      if (driftRows.length)
        await emit(trx, [
          {
            type: 'stock.fba_drift',
            account: accountId,
            data: {
              runId,
              drifted: driftRows.length,
              skus: driftRows.map((r) => ({ sku: r.seller_skus, predicted: r.predicted, amazon: r.amazon })),
              link: '/v1/stock',
            },
          },
        ]);
      return {
        skus: Number(skus ?? 0),
        products: matched.length,
        unmatchedSkus,
        adjusted: moved,
        drifted: baseline ? 0 : drift.length,
        baseline,
      };
    });
  },
);
