import fs from 'node:fs';
import { Command, Option } from 'commander';
import { requireAccount } from '../../book/accounts';
import { journalCsv, journalLines, JournalMapping } from '../../book/finance-journal';
import { listMismatches, listPayouts, PAYOUT_STATUSES, payoutView } from '../../book/payouts';
import { parseInput } from '../../book/operation';
import { UserError } from '../../lib/errors';
import { requestFinanceSync } from '../../lib/workflow-client';
import type { FinanceSyncResult } from '../../workflows/finance-sync';
import { withContext } from '../context';
import { limitOption } from '../options';
import { print, table } from '../output';

/** `connector finances sync|export|mismatches` and `connector payouts list|show` (docs/finances.md). */

const isoDate = (flag: string, text: string) => {
  if (Number.isNaN(Date.parse(text)))
    throw new UserError(`${flag} must be an ISO date or date-time, e.g. 2026-11-01 or 2026-11-01T00:00:00Z`);
  return new Date(text).toISOString();
};

/** The ledger mapping: the defaults, overridden by a JSON file ({"sales": "7000", "fees": {"Commission": "6110"}}). */
function readMapping(file: string | undefined): JournalMapping {
  if (!file) return JournalMapping.parse({});
  let raw: unknown;
  try {
    raw = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new UserError(`--mapping ${file}: ${(err as Error).message}; it must be a JSON object of ledger accounts`);
  }
  try {
    return parseInput(JournalMapping, raw);
  } catch (err) {
    throw new UserError(`--mapping ${file}: ${(err as Error).message}`);
  }
}

export function register(program: Command): void {
  const finances = program.command('finances').description("Amazon's fees, refunds and payouts (Finances API)");

  finances
    .command('sync')
    .description("read the account's Finances transactions since its cursor (or --since) into the book")
    .requiredOption('--account <account>', 'the seller account id')
    .option('--since <date>', 'read transactions posted after this date instead of the cursor')
    .option('--wait', 'return when the sync has ended, with counts')
    .action(async (opts, cmd: Command) =>
      withContext(async (ctx) => {
        await requireAccount(ctx.getDb(), { accountId: opts.account });
        const since = opts.since ? isoDate('--since', opts.since) : undefined;
        const client = await ctx.getTemporal();
        const { workflowId } = await requestFinanceSync(client, {
          accountId: opts.account,
          taskQueue: ctx.config.TEMPORAL_TASK_QUEUE,
          reason: 'manual',
          since,
        });
        if (!opts.wait) {
          print(cmd, { workflowId }, `financeSync started: ${workflowId}`);
          return;
        }
        const result = (await client.workflow.getHandle(workflowId).result()) as FinanceSyncResult;
        print(
          cmd,
          { workflowId, ...result },
          `read ${result.read} transactions in ${result.pages} pages: ${result.inserted} new, ${result.updated} updated, ${result.unchanged} unchanged; cursor ${result.postedUntil ?? '(none)'}`,
        );
      }),
    );

  finances
    .command('export')
    .description('journal lines of the transactions posted in a period (date, payout, order, account, debit, credit)')
    .requiredOption('--from <date>', 'posted on or after')
    .requiredOption('--to <date>', 'posted before')
    .option('--account <account>', 'only this seller account')
    .addOption(new Option('--format <format>', 'output format').choices(['csv', 'json']).default('csv'))
    .option('--mapping <file>', 'a JSON file of ledger accounts over the defaults (docs/finances.md)')
    .action(async (opts, cmd: Command) =>
      withContext(async (ctx) => {
        const lines = await journalLines(ctx.getDb(), {
          from: isoDate('--from', opts.from),
          to: isoDate('--to', opts.to),
          account: opts.account,
          mapping: readMapping(opts.mapping),
        });
        if (opts.format === 'json' || cmd.optsWithGlobals().json) print(cmd, lines, () => JSON.stringify(lines));
        else process.stdout.write(journalCsv(lines));
      }),
    );

  finances
    .command('mismatches')
    .description(
      'differences reconciliation found: payouts whose transfer differs, orders charged unlike their proceeds',
    )
    .option('--account <account>', 'only this account')
    .option('--all', 'resolved ones too')
    .addOption(limitOption('at most this many, newest first', 100, 500))
    .action(async (opts, cmd: Command) =>
      withContext(async (ctx) => {
        const { items: rows } = await listMismatches(ctx.getDb(), {
          account: opts.account,
          includeResolved: Boolean(opts.all),
          limit: opts.limit,
        });
        print(cmd, rows, () =>
          table(
            rows.map((m) => ({
              kind: m.kind,
              subject: m.subject,
              currency: m.currency,
              expected: m.expected,
              actual: m.actual,
              difference: m.difference,
              resolved: m.resolvedAt ?? '',
            })),
          ),
        );
      }),
    );

  const payouts = program
    .command('payouts')
    .description("Amazon's payouts (settlement groups) and their reconciliation");
  payouts
    .command('list')
    .description('payouts, newest first: period, transfer, sum of transactions, status')
    .option('--account <account>', 'only this account')
    .addOption(new Option('--status <status>', 'only payouts in this status').choices([...PAYOUT_STATUSES]))
    .addOption(limitOption('at most this many', 50, 500))
    .action(async (opts, cmd: Command) =>
      withContext(async (ctx) => {
        const { items } = await listPayouts(ctx.getDb(), {
          account: opts.account,
          status: opts.status,
          limit: opts.limit,
        });
        print(cmd, items, () =>
          table(
            items.map((p) => ({
              id: p.id,
              account: p.account,
              period: `${p.periodStart?.slice(0, 10) ?? ''}..${p.periodEnd?.slice(0, 10) ?? ''}`,
              currency: p.currency,
              transfer: p.transfer ?? '',
              transactions: p.transactionsTotal,
              count: p.transactions,
              status: p.status,
            })),
          ),
        );
      }),
    );
  payouts
    .command('show <id>')
    .description("a payout (our id or Amazon's group id) with its transactions and mismatches")
    .option('--account <account>', 'the account, when a group id is not enough')
    .action(async (id: string, opts, cmd: Command) =>
      withContext(async (ctx) => {
        const view = await payoutView(ctx.getDb(), { id, account: opts.account });
        if (!view) throw new UserError(`no payout ${id} in the book: see \`connector payouts list\``);
        print(cmd, view, () => JSON.stringify(view, null, 2));
      }),
    );
}
