import { Command, Option } from 'commander';
import { limitOption } from '../options';
import { UserError } from '../../lib/errors';
import { retry, stateQuery } from '../../workflows/order';
import { SHIPMENT_WAIT_MS, ShipmentNotTaken, ShipmentOutcome, shipAndAwait } from '../../servers/api-v1/shipping';
import { listOrders, ORDER_STATES, orderView, SHIP_BY_STATES } from '../../book/orders';
import { checkShipmentRequest } from '../../book/packages';
import { describeCarrier } from '../../lib/carriers';
import { CliContext, withContext } from '../context';
import { resyncOrder } from '../resync';
import { print, table } from '../output';

async function findOrder(ctx: CliContext, amazonOrderId: string) {
  const view = await orderView(ctx.getDb(), { amazonOrderId });
  if (!view)
    throw new UserError(
      `no order ${amazonOrderId} in the book: check the id, or run \`connector sync orders --account <A>\``,
    );
  return view;
}

/** Parses `SKU:QTY,SKU:QTY` (the --items flag of `ship`). */
export function parseItems(text: string): Array<{ sku: string; quantity: number }> {
  return text.split(',').map((pair) => {
    const match = /^(.+):(\d+)$/.exec(pair.trim());
    if (!match || Number(match[2]) <= 0)
      throw new UserError(`--items "${pair}" must look like SKU:QUANTITY with a quantity above 0`);
    return { sku: match[1], quantity: Number(match[2]) };
  });
}

export function register(program: Command): void {
  const orders = program.command('orders').description('the sales orders imported from Amazon');

  orders
    .command('list')
    .description('the orders in the book, newest first: state, total, and the latest ship date of open FBM orders')
    .option('--account <account>', 'only this account')
    .addOption(
      new Option(
        '--state <state>',
        'only orders in this state (ship_risk, late: open orders near or past their ship date)',
      ).choices([...ORDER_STATES, ...SHIP_BY_STATES]),
    )
    .addOption(limitOption('at most this many, newest first', 100))
    .action(async (opts, cmd: Command) =>
      withContext(async (ctx) => {
        const rows = await listOrders(ctx.getDb(), {
          account: opts.account,
          state: opts.state,
          limit: opts.limit,
        });
        // The ship-by column: Amazon's latest ship date of what is still to ship, marked when at risk or late.
        print(cmd, rows, () =>
          table(
            rows.map(({ latestShipDate, shipBy, ...row }) => ({
              ...row,
              shipBy:
                ['shipped', 'cancelled'].includes(row.state) || row.channel !== 'FBM' || !latestShipDate
                  ? ''
                  : `${latestShipDate.slice(0, 16).replace('T', ' ')}${shipBy ? ` (${shipBy.replace('_', ' ')})` : ''}`,
            })),
          ),
        );
      }),
    );

  orders
    .command('show <amazonOrderId>')
    .description('an order with its lines, totals, customer and deliveries')
    .action(async (amazonOrderId: string, _opts, cmd: Command) =>
      withContext(async (ctx) => {
        const view = await findOrder(ctx, amazonOrderId);
        print(cmd, view, () => JSON.stringify(view, null, 2));
      }),
    );

  orders
    .command('retry <amazonOrderId>')
    .description('send `retry` to an order waiting in needs_attention (after the data was fixed)')
    .action(async (amazonOrderId: string, _opts, cmd: Command) =>
      withContext(async (ctx) => {
        const view = await findOrder(ctx, amazonOrderId);
        // Only a flagged order waits for `retry`; to anything else it would be a signal without an effect.
        if (view.state !== 'needs_attention')
          throw new UserError(
            `${amazonOrderId} is ${view.state}, not waiting in needs_attention: retry is for an order flagged with a reason (see \`connector failed list\`)`,
          );
        const client = await ctx.getTemporal();
        await client.workflow.getHandle(view.workflowId).signal(retry);
        print(cmd, { workflowId: view.workflowId, signalled: 'retry' }, `retry sent to ${view.workflowId}`);
      }),
    );

  program
    .command('ship <amazonOrderId>')
    .description("record a shipped package and confirm it to Amazon; prints Amazon's answer (the `ship` update)")
    .requiredOption('--carrier <carrier>', 'carrier, e.g. UPS, "royal mail", DHL; others go as Other')
    .option('--carrier-name <name>', 'carrier name when it is not a known carrier')
    .option('--tracking <tracking>', 'tracking number (required)')
    .option('--ship-date <iso>', 'ship date, ISO 8601 (default now)')
    .option('--method <method>', 'shipping method')
    .option('--items <items>', 'SKU:QTY,... (default: everything still open)')
    .option('--retry', 'also send retry, to re-send packages Amazon rejected after a fix')
    .option('--no-wait', "do not wait for Amazon's answer (it follows; see `orders show`)")
    .action(async (amazonOrderId: string, opts, cmd: Command) =>
      withContext(async (ctx) => {
        const payload = {
          carrier: opts.carrier,
          ...(opts.carrierName ? { carrierName: opts.carrierName } : {}),
          trackingNumber: opts.tracking ?? '',
          ...(opts.shipDate ? { shipDate: opts.shipDate } : {}),
          ...(opts.method ? { shippingMethod: opts.method } : {}),
          ...(opts.items ? { items: parseItems(opts.items) } : {}),
        };
        // Shared with the warehouse API: same checks, same reasons.
        const checked = await checkShipmentRequest(ctx.getDb(), {
          amazonOrderId,
          payload,
          allowNothingOpen: opts.retry,
          wording: 'cli',
        });
        const { order: view, shipment, open } = checked;
        const carrier = describeCarrier(shipment.carrier, shipment.carrierName);
        if (carrier.warning) process.stderr.write(`connector: ${carrier.warning}\n`);
        const client = await ctx.getTemporal();
        if (open.length === 0) {
          // Nothing left to ship: --retry re-sends the packages Amazon rejected, after a fix.
          await client.workflow.getHandle(view.workflowId).signal(retry);
          print(cmd, { workflowId: view.workflowId, signalled: 'retry' }, `retry sent to ${view.workflowId}`);
          return;
        }
        let outcome: ShipmentOutcome;
        try {
          outcome = await shipAndAwait(ctx.getDb(), client, {
            order: view,
            shipment,
            waitMs: opts.wait ? SHIPMENT_WAIT_MS : 0,
          });
        } catch (err) {
          if (err instanceof ShipmentNotTaken) throw new UserError(err.message);
          throw err;
        }
        if (opts.retry) await client.workflow.getHandle(view.workflowId).signal(retry);
        const pkg = outcome.package;
        const what = pkg ? `package ${pkg.packageReferenceId} (tracking ${pkg.trackingNumber})` : 'the shipment';
        print(cmd, outcome, () =>
          outcome.amazon === 'accepted'
            ? `${what} confirmed to Amazon${outcome.duplicate ? ' (already recorded: nothing sent again)' : ''}`
            : outcome.amazon === 'rejected'
              ? `${what} REJECTED by Amazon: ${outcome.error?.message}\nfix it with \`connector deliveries edit ${amazonOrderId} --package ${pkg?.packageReferenceId} ... --retry\``
              : outcome.error?.code === 'confirmation_blocked'
                ? `${what} recorded but NOT sent to Amazon: ${outcome.error.message}\nonce fixed (\`connector apps rotate-secret\`), send it with \`connector orders retry ${amazonOrderId}\``
                : `${what} recorded; Amazon has not answered yet: see \`connector orders show ${amazonOrderId}\``,
        );
        if (outcome.amazon === 'rejected' || outcome.error) process.exitCode = 1;
      }),
    );

  orders
    .command('resync <amazonOrderId>')
    .description('read the order from Amazon now (getOrder) and signal its workflow; starts one if it has none')
    .requiredOption('--account <account>', 'the seller account id')
    .action(async (amazonOrderId: string, opts, cmd: Command) =>
      withContext(async (ctx) => {
        const header = await resyncOrder(ctx, opts.account, amazonOrderId);
        print(cmd, header, `${amazonOrderId}: ${header.amazonStatus} on Amazon, signalled`);
      }),
    );

  orders
    .command('state <amazonOrderId>')
    .description("the order workflow's live state (query)")
    .action(async (amazonOrderId: string, _opts, cmd: Command) =>
      withContext(async (ctx) => {
        const view = await findOrder(ctx, amazonOrderId);
        const state = await (await ctx.getTemporal()).workflow.getHandle(view.workflowId).query(stateQuery);
        print(cmd, state, () => JSON.stringify(state, null, 2));
      }),
    );
}
