import { z } from 'zod';
import { operation } from './operation';

/**
 * Where each account's syncs stand, as the book records them (`connector status`): how far orderSync has searched
 * Amazon (the order cursor: the end of the last window it finished), and the latest stock sync run of each kind.
 */

const StockRun = z.object({
  status: z.string(),
  reason: z.string().nullable(),
  startedAt: z.date(),
  finishedAt: z.date().nullable(),
  messages: z.number().int(),
  accepted: z.number().int(),
  rejected: z.number().int(),
  changed: z.number().int(),
  error: z.string().nullable(),
});
export type StockRun = z.infer<typeof StockRun>;

export const AccountSyncs = z.object({
  account: z.string(),
  enabled: z.boolean(),
  /** orderSync has searched Amazon up to here (null: never finished a sync). */
  ordersSyncedUpTo: z.date().nullable(),
  /** The latest run of the FBM quantity sync (stockSync) and of the FBA inventory read (fbaStockSync). */
  stockSync: StockRun.nullable(),
  fbaStockSync: StockRun.nullable(),
});
export type AccountSyncs = z.infer<typeof AccountSyncs>;

export const lastSyncs = operation(
  { name: 'lastSyncs', input: z.object({}), output: z.array(AccountSyncs) },
  async (db) => {
    const accounts = await db('seller_accounts').orderBy('id').select('id', 'enabled', 'order_cursor');
    // The newest run per (account, kind): stock_sync_runs is indexed on (account_id, kind, started_at).
    const runs = await db('stock_sync_runs')
      .distinctOn(['account_id', 'kind'])
      .orderBy([{ column: 'account_id' }, { column: 'kind' }, { column: 'started_at', order: 'desc' }])
      .select('*');
    const run = (accountId: string, kind: string): StockRun | null => {
      const r = runs.find((x) => x.account_id === accountId && x.kind === kind);
      return r
        ? {
            status: r.status,
            reason: r.reason,
            startedAt: r.started_at,
            finishedAt: r.finished_at,
            messages: r.messages,
            accepted: r.accepted,
            rejected: r.rejected,
            changed: r.changed,
            error: r.error,
          }
        : null;
    };
    return accounts.map((a) => ({
      account: a.id,
      enabled: a.enabled,
      ordersSyncedUpTo: a.order_cursor,
      stockSync: run(a.id, 'fbm'),
      fbaStockSync: run(a.id, 'fba'),
    }));
  },
);
