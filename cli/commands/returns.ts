import { Command, Option } from 'commander';
import { listReturns, receiveReturn } from '../../book/returns';
import { UserError } from '../../lib/errors';
import { withContext } from '../context';
import { print, table } from '../output';
import { requestSyncs } from './catalog';

/** `connector returns list|receive`: the units FBM refunds expect back, received into the warehouse. */
export function register(program: Command): void {
  const returns = program.command('returns').description('returns expected from FBM refunds, and their receipt');
  returns
    .command('list')
    .description('expected (and received) returns: order, refund, units')
    .option('--account <account>', 'only this account')
    .option('--order <amazonOrderId>', 'only this order')
    .addOption(new Option('--state <state>', 'only in this state').choices(['expected', 'received', 'cancelled']))
    .action(async (opts, cmd: Command) =>
      withContext(async (ctx) => {
        const rows = await listReturns(ctx.getDb(), {
          account: opts.account,
          amazonOrderId: opts.order,
          state: opts.state,
        });
        print(cmd, rows, () =>
          table(
            rows.map((r) => ({
              id: r.id,
              order: r.amazonOrderId,
              state: r.state,
              units: r.lines.map((l) => `${l.sku}:${l.quantity}`).join(','),
              receivedAt: r.receivedAt ?? '',
            })),
          ),
        );
      }),
    );
  returns
    .command('receive <id>')
    .description('the return arrived: its units go back to the warehouse, and on to Amazon by stockSync')
    .action(async (id: string, _opts, cmd: Command) =>
      withContext(async (ctx) => {
        if (!/^\d+$/.test(id)) throw new UserError(`${id} is not a return id: see \`connector returns list\``);
        const done = await receiveReturn(ctx.getDb(), { id: Number(id), receivedBy: 'cli' });
        const requested = await requestSyncs(ctx, done.accounts);
        const units = done.return.lines.reduce((s, l) => s + l.quantity, 0);
        print(
          cmd,
          { ...done, stockSyncRequested: requested },
          `return ${id} of ${done.return.amazonOrderId} received: ${units} unit(s) back in stock` +
            (requested.length ? `; stock sync requested for ${requested.join(', ')}` : ''),
        );
      }),
    );
}
