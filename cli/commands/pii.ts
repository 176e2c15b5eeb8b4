import type { Command } from 'commander';
import { overduePii, purgePii, purgeStaleSnapshots } from '../../book/order-lifecycle';
import { withContext } from '../context';
import { print, table } from '../output';

/**
 * Amazon's Data Protection Policy: buyer PII at most `retention` after delivery. Each order workflow purges its own
 * order with a durable timer; this sweep catches what no timer covers.
 */
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
        const retention = { defaultRetentionMs: ctx.config.PII_RETENTION };
        const overdue = await overduePii(db, { ...retention, account: opts.account });
        const snapshots = await purgeStaleSnapshots(db, { ...retention, accountId: opts.account, dryRun: opts.dryRun });
        const snapshotLine = snapshots
          ? `\n${snapshots} stored Amazon payload(s) past retention ${opts.dryRun ? 'would be deleted' : 'deleted'}`
          : '';
        if (opts.dryRun) {
          print(cmd, { dryRun: true, overdue: overdue.length, orders: overdue, snapshots }, () =>
            overdue.length
              ? `${table(overdue as any)}\n${overdue.length} order(s) would be purged (dry run: nothing changed)${snapshotLine}`
              : `no order is overdue for a PII purge${snapshotLine}`,
          );
          return;
        }
        let purged = 0;
        for (const o of overdue)
          if (await purgePii(db, { accountId: o.account, amazonOrderId: o.amazonOrderId })) purged++;
        print(cmd, { purged, orders: overdue, snapshots }, () =>
          overdue.length
            ? `${table(overdue as any)}\n${purged} order(s) purged${snapshotLine}`
            : `no order is overdue for a PII purge${snapshotLine}`,
        );
      }),
    );
}
