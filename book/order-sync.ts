import { z } from 'zod';
import { UnknownAccount } from '../lib/errors';
import { enabledMarketplaces } from './marketplaces';
import { operation } from './operation';
import { OrderHeader } from './order-records';

/**
 * What orderSync keeps in the book between its activities: the account's cursor, the orders Amazon returned
 * (snapshots, so the import needs no getOrder), and each page's fresh headers (order_sync_pages, not workflow history).
 */

const Account = z.object({ accountId: z.string().min(1) });

/** The account's cursor and the marketplaces a sync queries (none when the account is disabled). */
export const orderSyncStart = operation(
  {
    name: 'orderSyncStart',
    input: Account,
    output: z.object({ orderCursor: z.string().nullable(), marketplaceIds: z.array(z.string()) }),
  },
  async (db, { accountId }) => {
    const account = await db('seller_accounts').where({ id: accountId }).first('order_cursor', 'enabled');
    if (!account) throw new UnknownAccount(accountId);
    return {
      orderCursor: account.order_cursor ? new Date(account.order_cursor).toISOString() : null,
      marketplaceIds: account.enabled ? (await enabledMarketplaces(db, { accountId })).map((m) => m.id) : [],
    };
  },
);

/** Never backwards: a backfill or a late run must not rewind the schedule's progress. */
export const advanceOrderCursor = operation(
  { name: 'advanceOrderCursor', input: Account.extend({ cursor: z.iso.datetime() }), output: z.void() },
  async (db, { accountId, cursor }) => {
    await db('seller_accounts')
      .where({ id: accountId })
      .andWhere((q) => q.whereNull('order_cursor').orWhere('order_cursor', '<', cursor))
      .update({ order_cursor: cursor, updated_at: db.fn.now() });
  },
);

const SearchedOrder = z.object({
  amazonOrderId: z.string().min(1),
  lastUpdatedTime: z.string().min(1),
  /** Amazon's Order payload, kept until the import uses it (none for an order without its own lastUpdatedTime). */
  payload: z.unknown().optional(),
});

/**
 * One searchOrders page: the orders the book does not hold at their update time yet ("fresh") get their payload kept
 * as a snapshot; the others need nothing (a repeated window costs one query per page). Returns the fresh ids.
 */
export const recordSearchedOrders = operation(
  {
    name: 'recordSearchedOrders',
    input: Account.extend({ orders: z.array(SearchedOrder) }),
    output: z.array(z.string()),
  },
  async (db, { accountId, orders }) => {
    if (orders.length === 0) return [];
    const known = await db('sale_orders')
      .where({ account_id: accountId })
      .whereIn(
        'amazon_order_id',
        orders.map((o) => o.amazonOrderId),
      )
      .whereNotNull('amazon_updated_at')
      .select('amazon_order_id', 'amazon_updated_at');
    const bookTime = new Map(known.map((k) => [k.amazon_order_id as string, new Date(k.amazon_updated_at).getTime()]));
    const fresh = orders.filter(
      (o) => !(bookTime.has(o.amazonOrderId) && Date.parse(o.lastUpdatedTime) <= bookTime.get(o.amazonOrderId)!),
    );
    await saveSnapshots(db, accountId, fresh);
    return [...new Set(fresh.map((o) => o.amazonOrderId))];
  },
);

async function saveSnapshots(db: import('knex').Knex, accountId: string, orders: Array<z.infer<typeof SearchedOrder>>) {
  // One row per order (a page may list an order twice): the newest update wins, as the upsert's WHERE would.
  const newest = new Map<string, z.infer<typeof SearchedOrder>>();
  for (const o of orders) {
    if (o.payload === undefined) continue;
    const seen = newest.get(o.amazonOrderId);
    if (!seen || Date.parse(o.lastUpdatedTime) >= Date.parse(seen.lastUpdatedTime)) newest.set(o.amazonOrderId, o);
  }
  if (newest.size === 0) return;
  await db.raw(
    `? ON CONFLICT (account_id, amazon_order_id) DO UPDATE SET payload = EXCLUDED.payload, last_updated_time = EXCLUDED.last_updated_time
     WHERE amazon_order_snapshots.last_updated_time <= EXCLUDED.last_updated_time`,
    [
      db('amazon_order_snapshots').insert(
        [...newest.values()].map((o) => ({
          account_id: accountId,
          amazon_order_id: o.amazonOrderId,
          last_updated_time: o.lastUpdatedTime,
          payload: JSON.stringify(o.payload),
        })),
      ),
    ],
  );
}

/** A getOrder answer kept like a search's (`orders resync`). */
export const saveOrderSnapshot = operation(
  { name: 'saveOrderSnapshot', input: Account.extend({ order: SearchedOrder }), output: z.void() },
  async (db, { accountId, order }) => saveSnapshots(db, accountId, [order]),
);

/** The newest payload of the order that searchOrders or getOrder returned and no import has used yet. */
export const orderSnapshot = operation(
  {
    name: 'orderSnapshot',
    input: Account.extend({ amazonOrderId: z.string().min(1) }),
    output: z.object({ lastUpdatedTime: z.string(), payload: z.unknown() }).optional(),
  },
  async (db, { accountId, amazonOrderId }) => {
    const row = await db('amazon_order_snapshots')
      .where({ account_id: accountId, amazon_order_id: amazonOrderId })
      .first('last_updated_time', 'payload');
    return row ? { lastUpdatedTime: new Date(row.last_updated_time).toISOString(), payload: row.payload } : undefined;
  },
);

/** A page of an orderSync run: (workflow id, run id, page number). */
const PageKey = z.object({ workflowId: z.string().min(1), runId: z.string().min(1), pageNo: z.number().int().min(0) });
const pageRow = (k: z.infer<typeof PageKey>) => ({ workflow_id: k.workflowId, run_id: k.runId, page_no: k.pageNo });

/** A retried search rewrites its page: the same token gives the same orders, at their newest update. */
export const savePageHeaders = operation(
  {
    name: 'savePageHeaders',
    input: PageKey.extend({ accountId: z.string().min(1), headers: z.array(OrderHeader) }),
    output: z.void(),
  },
  async (db, input) => {
    await db('order_sync_pages')
      .insert({ ...pageRow(input), account_id: input.accountId, headers: JSON.stringify(input.headers) })
      .onConflict(['workflow_id', 'run_id', 'page_no'])
      .merge(['headers']);
  },
);

/** The page's headers, or nothing when its dispatch already finished (and deleted it). */
export const pageHeaders = operation(
  { name: 'pageHeaders', input: PageKey, output: z.array(OrderHeader).optional() },
  async (db, key) => (await db('order_sync_pages').where(pageRow(key)).first('headers'))?.headers,
);

export const deletePage = operation({ name: 'deletePage', input: PageKey, output: z.void() }, async (db, key) => {
  await db('order_sync_pages').where(pageRow(key)).delete();
});

/** Pages a terminated or failed run never dispatched; a live run's dispatch takes seconds, or retries for hours. */
export const sweepStalePages = operation(
  { name: 'sweepStalePages', input: z.object({ olderThanMs: z.number().int().positive() }), output: z.number() },
  async (db, { olderThanMs }) =>
    db('order_sync_pages')
      .where('created_at', '<', new Date(Date.now() - olderThanMs))
      .delete(),
);
