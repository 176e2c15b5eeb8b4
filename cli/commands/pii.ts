import type { Command } from 'commander';
import type { Db } from '../../db';
import { purgePii } from '../../book/order-queries';
import { withContext } from '../context';
import { print, table } from '../output';

/**
 * Amazon's Data Protection Policy: buyer PII at most `retention` after delivery. Each order workflow purges its own
 * order with a durable timer; this sweep catches what no timer covers (orders imported before the feature, workflows
 * that failed or were terminated).
 */
export interface OverdueOrder {
  amazonOrderId: string;
  account: string;
  state: string;
  deliveredAt: string;
  purgeDue: string;
}

export async function overduePiiOrders(db: Db, defaultRetentionMs: number, account?: string): Promise<OverdueOrder[]> {
  // The account's own retention (days) wins, as in the workflow's timer (activities/db/order-queries.ts).
  const due =
    "o.delivered_at + coalesce(a.pii_retention_days * interval '1 day', cast(? as bigint) * interval '1 millisecond')";
  const q = db('sale_orders as o')
    .join('seller_accounts as a', 'a.id', 'o.account_id')
    .whereNull('o.pii_purged_at')
    .whereNotNull('o.delivered_at')
    .whereRaw(`${due} < now()`, [defaultRetentionMs])
    .orderBy('o.delivered_at')
    .select(
      'o.amazon_order_id',
      'o.account_id',
      'o.state',
      'o.delivered_at',
      db.raw(`${due} as purge_due`, [defaultRetentionMs]),
    );
  if (account) q.where('o.account_id', account);
  return (await q).map((o: any) => ({
    amazonOrderId: o.amazon_order_id,
    account: o.account_id,
    state: o.state,
    deliveredAt: new Date(o.delivered_at).toISOString(),
    purgeDue: new Date(o.purge_due).toISOString(),
  }));
}

export function register(program: Command): void {
  const pii = program
    .command('pii')
    .description("buyer personal data: retention after delivery (Amazon's Data Protection Policy)");

  pii
    .command('purge')
    .description(
      'purge names, streets, phone and e-mail of orders delivered longer ago than the retention (city, postal code, region, country stay for tax)',
    )
    .option('--dry-run', 'list the overdue orders, change nothing')
    .option('--account <account>', 'only this account')
    .action(async (opts, cmd: Command) =>
      withContext(async (ctx) => {
        const db = ctx.getDb();
        const overdue = await overduePiiOrders(db, ctx.config.PII_RETENTION, opts.account);
        if (opts.dryRun) {
          print(cmd, { dryRun: true, overdue: overdue.length, orders: overdue }, () =>
            overdue.length
              ? `${table(overdue as any)}\n${overdue.length} order(s) would be purged (dry run: nothing changed)`
              : 'no order is overdue for a PII purge',
          );
          return;
        }
        let purged = 0;
        for (const o of overdue) if (await purgePii(db, o.account, o.amazonOrderId)) purged++;
        print(cmd, { purged, orders: overdue }, () =>
          overdue.length
            ? `${table(overdue as any)}\n${purged} order(s) purged`
            : 'no order is overdue for a PII purge',
        );
      }),
    );
}
