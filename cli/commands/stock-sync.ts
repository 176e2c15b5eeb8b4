import { requireAccount } from '../../book/accounts';
import type { Command } from 'commander';
import { wholeNumber } from '../options';
import { fbaStockSyncWorkflowId, stockSyncWorkflowId } from '../../workflows/ids';
import type { FbaStockSyncResult } from '../../workflows/fba-stock-sync';
import type { StockSyncResult } from '../../workflows/stock-sync';
import { CliContext, withContext } from '../context';
import { print } from '../output';

/** `connector sync stock|fba-stock`: a stock sync now, outside its schedule (added to the `sync` command). */

async function checkAccount(ctx: CliContext, accountId: string): Promise<void> {
  await requireAccount(ctx.getDb(), { accountId, enabled: true });
}

export function describeStockSync(r: StockSyncResult): string {
  if (r.status === 'account_disabled') return 'the account is disabled: nothing sent';
  if (r.changed === 0 && !r.discovered)
    return 'nothing to send: Amazon already has every FBM quantity of this account (a sync after the last stock change sent it)';
  const parts = [`${r.changed} offers changed`, `${r.sent} quantities sent`];
  if (r.sent) parts.push(`${r.accepted} accepted`, `${r.rejected} rejected`);
  if (r.failed) parts.push(`${r.failed} in failed feeds (sent again next run)`);
  if (r.skippedFba || r.switchedToFba) parts.push(`${r.switchedToFba} switched to FBA (not sent)`);
  if (r.notSent) parts.push(`${r.notSent} not listed on Amazon`);
  if (r.discovered) parts.push(`${r.discovered} new offers found`);
  const feeds = r.feeds.map((f) => `feed ${f.feedId} ${f.status} (${f.messages})`).join(', ');
  return `${parts.join(', ')}${feeds ? `; ${feeds}` : ''}${r.patched ? `; ${r.patched} by patchListingsItem` : ''}${r.rejected ? '\nsee `connector offers list --errors`' : ''}`;
}

export function register(program: Command): void {
  const sync =
    program.commands.find((c) => c.name() === 'sync') ??
    program.command('sync').description('run a sync now, outside its schedule');

  sync
    .command('stock')
    .description("send the account's changed FBM quantities to Amazon now")
    .requiredOption('--account <account>', 'the seller account id')
    .option('--wait', 'wait until Amazon has processed them and print the outcome')
    .option(
      '--patch-threshold <n>',
      'up to this many changed SKUs per marketplace use patchListingsItem instead of a feed',
      wholeNumber(0, 25_000),
    )
    .action((opts, cmd: Command) =>
      withContext(async (ctx) => {
        await checkAccount(ctx, opts.account);
        const client = await ctx.getTemporal();
        const handle = await client.workflow.start('stockSync', {
          taskQueue: ctx.config.TEMPORAL_TASK_QUEUE,
          workflowId: `${stockSyncWorkflowId(opts.account)}:manual:${Date.now()}`,
          args: [
            {
              accountId: opts.account,
              reason: 'manual',
              ...(opts.patchThreshold !== undefined ? { patchThreshold: opts.patchThreshold } : {}),
            },
          ],
        });
        if (!opts.wait) {
          print(cmd, { workflowId: handle.workflowId }, `stockSync started: ${handle.workflowId}`);
          return;
        }
        const result = (await handle.result()) as StockSyncResult;
        print(cmd, { workflowId: handle.workflowId, ...result }, () => describeStockSync(result));
      }),
    );

  sync
    .command('fba-stock')
    .description("mirror the account's FBA inventory into its FBA location now")
    .requiredOption('--account <account>', 'the seller account id')
    .option('--wait', 'wait for the result')
    .action((opts, cmd: Command) =>
      withContext(async (ctx) => {
        await checkAccount(ctx, opts.account);
        const client = await ctx.getTemporal();
        const handle = await client.workflow.start('fbaStockSync', {
          taskQueue: ctx.config.TEMPORAL_TASK_QUEUE,
          workflowId: `${fbaStockSyncWorkflowId(opts.account)}:manual:${Date.now()}`,
          args: [{ accountId: opts.account }],
        });
        if (!opts.wait) {
          print(cmd, { workflowId: handle.workflowId }, `fbaStockSync started: ${handle.workflowId}`);
          return;
        }
        const r = (await handle.result()) as FbaStockSyncResult;
        print(
          cmd,
          { workflowId: handle.workflowId, ...r },
          () =>
            `${r.skus ?? 0} FBA SKUs in ${r.marketplaces} marketplaces; ${r.adjusted ?? 0} products adjusted` +
            (r.baseline
              ? ' (first sync: baseline, no drift recorded)'
              : `; ${r.drifted ?? 0} drifted (see \`connector stock drift --account ${opts.account}\`)`) +
            (r.unmatchedSkus ? `; ${r.unmatchedSkus} SKUs not in the catalog` : ''),
        );
      }),
    );
}
