import { Command, Option } from 'commander';
import { wholeNumber } from '../options';
import { editPackage } from '../../book/packages';
import { retry } from '../../workflows/order';
import { withContext } from '../context';
import { print } from '../output';

export function register(program: Command): void {
  const deliveries = program.command('deliveries').description('deliveries and packages of FBM orders');

  deliveries
    .command('edit <amazonOrderId>')
    .description('correct a package Amazon has not accepted yet; --retry re-sends it at once')
    .addOption(
      new Option('--package <n>', 'the package reference id (see `orders show`)')
        .argParser(wholeNumber(1, 1_000_000))
        .makeOptionMandatory(),
    )
    .option('--carrier <carrier>', 'carrier, e.g. UPS or "royal mail"')
    .option('--carrier-name <name>', 'carrier name when it is not a known carrier')
    .option('--tracking <tracking>', 'tracking number')
    .option('--ship-date <iso>', 'ship date, ISO 8601')
    .option('--method <method>', 'shipping method')
    .option('--retry', 'send `retry` to the order workflow after the edit')
    .action(async (amazonOrderId: string, opts, cmd: Command) =>
      withContext(async (ctx) => {
        const result = await editPackage(ctx.getDb(), {
          amazonOrderId,
          packageReferenceId: opts.package,
          carrier: opts.carrier,
          carrierName: opts.carrierName,
          trackingNumber: opts.tracking,
          shipDate: opts.shipDate,
          shippingMethod: opts.method,
        });
        if (opts.retry) await (await ctx.getTemporal()).workflow.getHandle(result.workflowId).signal(retry);
        print(
          cmd,
          { ...result, retried: Boolean(opts.retry) },
          `package ${result.packageReferenceId} of ${amazonOrderId} updated (${result.changed.join(', ')})${opts.retry ? '; retry sent' : ''}`,
        );
      }),
    );
}
