import type { Command } from 'commander';
import { UserError } from '../../lib/errors';
import { retry, shipmentDone, stateQuery } from '../../workflows/order';
import { listOrders, orderView } from '../../book/orders';
import { checkShipmentRequest } from '../../book/shipments';
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
    .option('--account <account>', 'only this account')
    .option(
      '--state <state>',
      'only this state (confirmed, partially_shipped, shipped, cancelled, needs_attention, ship_risk, late)',
    )
    .option('--limit <n>', 'at most this many, newest first', '100')
    .action(async (opts, cmd: Command) =>
      withContext(async (ctx) => {
        const rows = await listOrders(ctx.getDb(), {
          account: opts.account,
          state: opts.state,
          limit: Number(opts.limit),
        });
        print(cmd, rows, () => table(rows as any));
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
        const client = await ctx.getTemporal();
        await client.workflow.getHandle(view.workflowId).signal(retry);
        print(cmd, { workflowId: view.workflowId, signalled: 'retry' }, `retry sent to ${view.workflowId}`);
      }),
    );

  program
    .command('ship <amazonOrderId>')
    .description('tell the order workflow that a package shipped (sends shipmentDone)')
    .requiredOption('--carrier <carrier>', 'carrier, e.g. UPS, "royal mail", DHL; others go as Other')
    .option('--carrier-name <name>', 'carrier name when it is not a known carrier')
    .option('--tracking <tracking>', 'tracking number (required)')
    .option('--ship-date <iso>', 'ship date, ISO 8601 (default now)')
    .option('--method <method>', 'shipping method')
    .option('--items <items>', 'SKU:QTY,... (default: everything still open)')
    .option('--retry', 'also send retry, to re-send packages Amazon rejected after a fix')
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
        const handle = (await ctx.getTemporal()).workflow.getHandle(view.workflowId);
        if (open.length > 0) await handle.signal(shipmentDone, shipment);
        if (opts.retry) await handle.signal(retry);
        print(cmd, { workflowId: view.workflowId, shipment }, `shipmentDone sent to ${view.workflowId}`);
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
