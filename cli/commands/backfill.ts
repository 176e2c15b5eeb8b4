import { requireAccount } from '../../book/accounts';
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { wholeNumber } from '../options';
import { UserError } from '../../lib/errors';
import { backfillProgress, BackfillProgress } from '../../workflows/backfill';
import { backfillWorkflowId } from '../../workflows/ids';
import { withContext } from '../context';
import { print, wantsJson } from '../output';

function isoDate(text: string, flag: string): string {
  const t = Date.parse(text);
  if (Number.isNaN(t))
    throw new UserError(`${flag} "${text}" is not a date: use ISO 8601, e.g. 2026-10-01 or 2026-10-01T00:00:00Z`);
  return new Date(t).toISOString();
}

export function register(program: Command): void {
  program
    .command('backfill')
    .description("import an account's orders updated in a past window, one orderSync per day")
    .requiredOption('--account <account>', 'the seller account id')
    .requiredOption('--from <date>', 'start of the window (ISO 8601)')
    .requiredOption('--to <date>', 'end of the window (ISO 8601, default now)', new Date().toISOString())
    .option('--slice-hours <n>', 'hours per slice', wholeNumber(1, 24 * 31), 24)
    .action(async (opts, cmd: Command) =>
      withContext(async (ctx) => {
        const from = isoDate(opts.from, '--from');
        const to = isoDate(opts.to, '--to');
        if (from >= to) throw new UserError('--from must be before --to');
        await requireAccount(ctx.getDb(), { accountId: opts.account });
        const client = await ctx.getTemporal();
        const handle = await client.workflow.start('backfill', {
          taskQueue: ctx.config.TEMPORAL_TASK_QUEUE,
          workflowId: backfillWorkflowId(opts.account, from, to),
          args: [{ accountId: opts.account, from, to, sliceHours: opts.sliceHours }],
        });
        const bar =
          wantsJson(cmd) || !process.stderr.isTTY
            ? undefined
            : new SingleBar(
                { format: 'backfill [{bar}] {value}/{total} slices · {dispatched} orders' },
                Presets.shades_classic,
              );
        let result: BackfillProgress | undefined;
        const done = handle.result().then((r) => (result = r as BackfillProgress));
        while (!result) {
          const p = await handle.query(backfillProgress).catch(() => undefined);
          if (p && bar) {
            if (!bar.getTotal()) bar.start(p.slices, p.done, { dispatched: p.dispatched });
            bar.update(p.done, { dispatched: p.dispatched });
          }
          await Promise.race([done, new Promise((r) => setTimeout(r, 500))]);
        }
        bar?.update(result.done, { dispatched: result.dispatched });
        bar?.stop();
        print(
          cmd,
          { workflowId: handle.workflowId, ...result },
          `backfill done: ${result.slices} slices, ${result.found} orders found, ${result.dispatched} signalled`,
        );
      }),
    );
}
