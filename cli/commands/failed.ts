import type { Command } from 'commander';
import { limitOption } from '../options';
import cliProgress from 'cli-progress';
import { ordersNeedingAttention } from '../../book/order-lifecycle';
import { UserError } from '../../lib/errors';
import { FailedRun, listFailedRuns, ReplayResult, replayRun } from '../failed-runs';
import { withContext } from '../context';
import { print, wantsJson } from '../output';

/** Triage: what failed (Temporal runs and orders waiting in needs_attention) and how to start it again. */

/** Groups rows (newest first already) by a key: count and the newest example of each, biggest group first. */
function groupBy<T>(rows: T[], key: (row: T) => string): Array<{ key: string; count: number; newest: T }> {
  const groups = new Map<string, { key: string; count: number; newest: T }>();
  for (const row of rows) {
    const k = key(row);
    const g = groups.get(k);
    if (g) g.count++;
    else groups.set(k, { key: k, count: 1, newest: row });
  }
  return [...groups.values()].sort((a, b) => b.count - a.count || a.key.localeCompare(b.key));
}

const oneLine = (text: string | null, max = 160) => {
  const flat = (text ?? '').replace(/\s+/g, ' ').trim();
  return flat.length > max ? `${flat.slice(0, max - 1)}…` : flat;
};

function describeFailedRuns(runs: FailedRun[], decodedAll: boolean) {
  return {
    total: runs.length,
    messages: decodedAll
      ? 'decoded with the payload key by the client data converter'
      : 'some not decoded: payload key missing, types only',
    groups: groupBy(runs, (r) => r.errorType).map((g) => ({ errorType: g.key, count: g.count, newest: g.newest })),
  };
}

function humanReport(report: {
  workflows: ReturnType<typeof describeFailedRuns>;
  needsAttention: { total: number; groups: any[] };
}): string {
  const lines: string[] = [];
  lines.push(`Failed or timed-out runs in Temporal: ${report.workflows.total} (messages ${report.workflows.messages})`);
  for (const g of report.workflows.groups) {
    const n = g.newest as FailedRun;
    lines.push(`  ${g.errorType}  ×${g.count}`);
    lines.push(
      `    newest: ${n.workflowId}  ${n.status} ${n.closeTime ?? ''}${n.activityType ? `  in ${n.activityType}` : ''}`,
    );
    lines.push(
      `    ${n.message === null ? '(message encrypted: configure the payload key to read it)' : oneLine(n.message)}`,
    );
  }
  lines.push(`Orders in needs_attention: ${report.needsAttention.total}`);
  for (const g of report.needsAttention.groups) {
    const n = g.newest as Awaited<ReturnType<typeof ordersNeedingAttention>>[number];
    lines.push(`  ${g.source}  ×${g.count}`);
    lines.push(`    newest: ${n.amazonOrderId} (${n.account}) since ${n.since}: ${oneLine(n.reason)}`);
  }
  if (report.workflows.total || report.needsAttention.total) {
    lines.push(
      'Next: `connector replay <workflowId>` (or --all-failed), `connector orders retry <amazonOrderId>` after fixing the data; see docs/operations.md',
    );
  }
  return lines.join('\n');
}

function progressBar(cmd: Command, total: number) {
  if (wantsJson(cmd) || !process.stderr.isTTY || total === 0) return undefined;
  const bar = new cliProgress.SingleBar(
    {
      format: 'replaying |{bar}| {value}/{total}  {workflowId}',
      stream: process.stderr,
      hideCursor: true,
      clearOnComplete: false,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0, { workflowId: '' });
  return bar;
}

export function register(program: Command): void {
  const failed = program
    .command('failed')
    .description('failed and timed-out workflow runs, and orders waiting in needs_attention');

  failed
    .command('list')
    .description(
      'runs in Failed/TimedOut status (Temporal visibility) and needs_attention orders (the book), grouped by error type',
    )
    .option('--account <account>', "only this seller account (SellerAccount search attribute; the book's account)")
    .option('--query <query>', 'an extra visibility filter, e.g. "WorkflowType=\'order\'"')
    .addOption(limitOption('read at most this many failed runs', 1000))
    .action(async (opts, cmd: Command) =>
      withContext(async (ctx) => {
        const client = await ctx.getTemporal();
        const runs = await listFailedRuns(client, {
          account: opts.account,
          query: opts.query,
          limit: opts.limit,
        });
        const orders = await ordersNeedingAttention(ctx.getDb(), { account: opts.account });
        const report = {
          workflows: describeFailedRuns(
            runs,
            runs.every((r) => r.message !== null),
          ),
          needsAttention: {
            total: orders.length,
            groups: groupBy(orders, (o) => o.source).map((g) => ({ source: g.key, count: g.count, newest: g.newest })),
          },
        };
        print(cmd, report, () => humanReport(report));
      }),
    );

  program
    .command('replay [workflowId]')
    .description(
      'start a failed run again from its original input, or --reset it to the workflow task before the failure',
    )
    .option('--reset', 'reset the run instead (deployed fixes continue it; signals received later are re-applied)')
    .option('--all-failed', 'every run still failed or timed out (with --query to narrow)')
    .option('--query <query>', 'with --all-failed: an extra visibility filter, e.g. "SellerAccount=\'acme-us\'"')
    .option('--dry-run', 'with --all-failed: list what would be replayed, change nothing')
    .addOption(limitOption('with --all-failed: at most this many runs', 1000))
    .action(async (workflowId: string | undefined, opts, cmd: Command) =>
      withContext(async (ctx) => {
        if (!workflowId === !opts.allFailed)
          throw new UserError('give a workflow id, or --all-failed (see `connector failed list`)');
        if ((opts.query || opts.dryRun) && !opts.allFailed)
          throw new UserError('--query and --dry-run go with --all-failed');
        const client = await ctx.getTemporal();
        if (workflowId) {
          const result = await replayRun(client, workflowId, { reset: opts.reset });
          const how =
            result.mode === 'reset' ? `reset to event ${result.resetEventId}` : 'restarted from its original input';
          print(cmd, result, `${workflowId}: ${how}; new run ${result.runId}`);
          return;
        }

        const runs = await listFailedRuns(client, { query: opts.query, limit: opts.limit });
        if (opts.dryRun) {
          const rows = runs.map((r) => ({
            workflowId: r.workflowId,
            status: r.status,
            errorType: r.errorType,
            closeTime: r.closeTime,
          }));
          print(cmd, { dryRun: true, matched: runs.length, runs: rows }, () =>
            [
              ...rows.map((r) => `would replay ${r.workflowId}  (${r.status}, ${r.errorType}, ${r.closeTime})`),
              `${runs.length} run(s) would be replayed`,
            ].join('\n'),
          );
          return;
        }
        const bar = progressBar(cmd, runs.length);
        const replayed: ReplayResult[] = [];
        const errors: Array<{ workflowId: string; error: string }> = [];
        for (const run of runs) {
          bar?.update({ workflowId: run.workflowId });
          try {
            replayed.push(await replayRun(client, run.workflowId, { reset: opts.reset }));
          } catch (err) {
            errors.push({ workflowId: run.workflowId, error: (err as Error).message });
          }
          bar?.increment();
        }
        bar?.stop();
        const summary = {
          matched: runs.length,
          replayed: replayed.length,
          mode: opts.reset ? 'reset' : 'restarted',
          runs: replayed,
          errors,
        };
        print(cmd, summary, () =>
          [
            `${replayed.length} of ${runs.length} run(s) ${opts.reset ? 'reset' : 'restarted'}`,
            ...errors.map((e) => `  could not replay ${e.workflowId}: ${e.error}`),
          ].join('\n'),
        );
        if (errors.length)
          throw new UserError(`${errors.length} of ${runs.length} run(s) could not be replayed (listed above)`);
      }),
    );
}
