import { requireAccount } from '../../book/accounts';
import type { Command } from 'commander';
import { UserError } from '../../lib/errors';
import { applySchedules } from '../../workers/schedules';
import { orderWorkflowId } from '../../workflows/ids';
import { stateQuery } from '../../workflows/order';
import type { OrderSyncResult } from '../../workflows/order-sync';
import { withContext } from '../context';
import { print } from '../output';

export function register(program: Command): void {
  const sync = program.command('sync').description('run a sync now, outside its schedule');

  sync
    .command('orders')
    .description("search the account's orders updated since its cursor (or --since) and bring each into the book")
    .requiredOption('--account <account>', 'the seller account id')
    .option('--since <iso>', 'search orders updated after this time instead of the cursor')
    .option('--wait', 'return when every dispatched order has been processed, with counts')
    .action(async (opts, cmd: Command) =>
      withContext(async (ctx) => {
        await requireAccount(ctx.getDb(), { accountId: opts.account });
        if (opts.since && Number.isNaN(Date.parse(opts.since)))
          throw new UserError('--since must be an ISO date-time, e.g. 2026-11-01T00:00:00Z');
        const client = await ctx.getTemporal();
        const handle = await client.workflow.start('orderSync', {
          taskQueue: ctx.config.TEMPORAL_TASK_QUEUE,
          workflowId: `order-sync:${opts.account}:manual:${Date.now()}`,
          args: [{ accountId: opts.account, since: opts.since, advanceCursor: true, collectIds: Boolean(opts.wait) }],
        });
        if (!opts.wait) {
          print(cmd, { workflowId: handle.workflowId }, `orderSync started: ${handle.workflowId}`);
          return;
        }
        const result = (await handle.result()) as OrderSyncResult;
        const counts = await waitForOrders(client, opts.account, result.orderIds ?? []);
        print(
          cmd,
          { workflowId: handle.workflowId, dispatched: result.dispatched, ...counts },
          () =>
            `dispatched ${result.dispatched} orders: ${Object.entries(counts)
              .map(([k, v]) => `${v} ${k}`)
              .join(', ')}`,
        );
      }),
    );

  program
    .command('schedules')
    .description('Temporal schedules of every account')
    .command('apply')
    .description("create or update every account's schedules")
    .action(async (_opts, cmd: Command) =>
      withContext(async (ctx) => {
        const results = await applySchedules(await ctx.getTemporal(), ctx.getDb(), ctx.config);
        print(cmd, results);
      }),
    );
}

/** Polls each order workflow's state until it has reconciled its latest Amazon update, then counts outcomes. */
async function waitForOrders(client: import('@temporalio/client').Client, accountId: string, orderIds: string[]) {
  const counts = { imported: 0, updated: 0, cancelled: 0, pending: 0, needs_attention: 0, other: 0 };
  for (const id of orderIds) {
    const handle = client.workflow.getHandle(orderWorkflowId(accountId, id));
    for (let attempt = 0; ; attempt++) {
      const state = await handle.query(stateQuery).catch(() => undefined);
      // A workflow that already existed may still hold the previous update's state: wait until it has the new one.
      const settled =
        state &&
        (state.phase === 'pending' ||
          (state.upToDate !== false && state.phase !== 'importing' && state.state !== null));
      if (settled) {
        const key =
          state.phase === 'pending'
            ? 'pending'
            : state.state === 'cancelled'
              ? 'cancelled'
              : state.state === 'needs_attention'
                ? 'needs_attention'
                : state.lastOutcome === 'imported'
                  ? 'imported'
                  : 'updated';
        counts[key]++;
        break;
      }
      if (attempt > 600) {
        counts.other++;
        break;
      }
      await new Promise((r) => setTimeout(r, 200));
    }
  }
  return counts;
}
