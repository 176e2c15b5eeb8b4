import fs from 'fs';
import path from 'path';
import { SingleBar, Presets } from 'cli-progress';
import type { Command } from 'commander';
import { limitOption } from '../options';
import { findProduct, importProducts, listProducts, readProductsCsv, validateProduct } from '../../book/products';
import { accountsSelling, listOffers, setSafetyStock } from '../../book/offers';
import { fbaDrift, setStock, stockView } from '../../book/stock';
import { requireAccount } from '../../book/accounts';
import { requestStockSync } from '../../lib/workflow-client';
import { InvalidInput, UserError } from '../../lib/errors';
import { readStockCsv } from '../../book/stock-csv';
import { countStock } from '../../servers/api-v1/stock-counts';
import { CliContext, withContext } from '../context';
import { print, table, wantsJson } from '../output';

/** `connector products|stock|offers`: the seller's catalog, its stock, and the offers that sell it on Amazon. */

function parseQuantity(text: string, what: string): number {
  if (!/^\d+$/.test(text.trim())) throw new UserError(`${what} "${text}" must be a whole number of 0 or more`);
  const n = Number(text);
  if (n > 2_147_483_647) throw new UserError(`${what} ${text} is too large`);
  return n;
}

function readFile(file: string): string {
  try {
    return fs.readFileSync(file, 'utf8');
  } catch (err) {
    throw new UserError(`cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

async function accountExists(ctx: CliContext, accountId: string): Promise<void> {
  await requireAccount(ctx.getDb(), { accountId });
}

/** After a stock change: a debounced stockSync of each account selling the product. Temporal down is not an error. */
export async function requestSyncs(ctx: CliContext, accounts: string[]): Promise<string[]> {
  if (accounts.length === 0) return [];
  try {
    const client = await ctx.getTemporal();
    for (const accountId of accounts)
      await requestStockSync(client, { accountId, taskQueue: ctx.config.TEMPORAL_TASK_QUEUE });
    return accounts;
  } catch (err) {
    process.stderr.write(
      `connector: stock saved; no stock sync requested (${(err as Error).message}): the next scheduled sync sends it\n`,
    );
    return [];
  }
}

export function register(program: Command): void {
  const products = program.command('products').description("the seller's catalog: import, add, list, show");

  products
    .command('import <file>')
    .description(
      'import products from CSV (sku,name,description,price,on-hand); bad rows are listed by line and skipped; exits 1 if any',
    )
    .option('--location <code>', 'stock location of the on-hand column', 'WH')
    .action((file: string, opts, cmd: Command) =>
      withContext(async (ctx) => {
        const { products: rows, errors } = readProductsCsv(readFile(file));
        const bar =
          !wantsJson(cmd) && process.stderr.isTTY
            ? new SingleBar(
                { format: 'importing [{bar}] {value}/{total} products', stream: process.stderr },
                Presets.shades_classic,
              )
            : undefined;
        bar?.start(rows.length, 0);
        const result = await importProducts(ctx.getDb(), {
          products: rows,
          location: opts.location,
          onBatch: (done: number) => bar?.update(done),
        });
        bar?.stop();
        // A file may hold 100k SKUs: ask every account with FBM offers rather than list the products.
        if (result.stockMoves > 0) await requestSyncs(ctx, await accountsSelling(ctx.getDb(), { productIds: 'all' }));
        print(cmd, { file, imported: rows.length, ...result, rejected: errors.length, errors }, () =>
          [
            `${file}: ${rows.length} products imported (${result.created} new, ${result.updated} updated, ${result.stockMoves} stock adjustments), ${errors.length} rows refused`,
            ...errors.map((e) => `  line ${e.line}: ${e.message}`),
          ].join('\n'),
        );
        if (errors.length) process.exitCode = 1;
      }),
    );

  products
    .command('add <sku>')
    .description('add a product, or update the one with this SKU')
    .requiredOption('--name <name>', 'product name')
    .option('--description <text>', 'description')
    .option('--price <decimal>', 'list price, like 19.90')
    .option('--on-hand <qty>', 'counted quantity at the warehouse')
    .action((sku: string, opts, cmd: Command) =>
      withContext(async (ctx) => {
        const checked = validateProduct({
          sku,
          name: opts.name,
          description: opts.description,
          price: opts.price,
          onHand: opts.onHand,
        });
        if (typeof checked === 'string') throw new UserError(checked.replace('on-hand', '--on-hand'));
        const result = await importProducts(ctx.getDb(), { products: [checked] });
        if (checked.onHand !== undefined) {
          const productIds = [(await findProduct(ctx.getDb(), { sku })).id];
          await requestSyncs(ctx, await accountsSelling(ctx.getDb(), { productIds }));
        }
        print(cmd, { sku, created: result.created === 1 }, `product ${sku} ${result.created ? 'added' : 'updated'}`);
      }),
    );

  products
    .command('list')
    .option('--search <text>', 'SKU or name containing this')
    .addOption(limitOption('at most this many', 100))
    .action((opts, cmd: Command) =>
      withContext(async (ctx) => {
        const rows = await listProducts(ctx.getDb(), {
          search: opts.search,
          limit: opts.limit,
        });
        print(cmd, rows, () => table(rows as any));
      }),
    );

  products
    .command('show <sku>')
    .description('a product with its stock and offers')
    .action((sku: string, _opts, cmd: Command) =>
      withContext(async (ctx) => {
        const { id: _id, ...product } = await findProduct(ctx.getDb(), { sku });
        const { sku: _sku, name: _name, ...stock } = await stockView(ctx.getDb(), { sku });
        const view = { ...product, ...stock };
        print(cmd, view, () => JSON.stringify(view, null, 2));
      }),
    );

  const stock = program.command('stock').description('stock on hand, reservations, FBA quantities and drift');

  stock
    .command('set <sku> <quantity>')
    .description('set the counted on-hand quantity (an adjustment move); asks a stock sync of the accounts selling it')
    .option('--location <code>', 'stock location', 'WH')
    .option('--no-sync', 'do not request a stock sync')
    .action((sku: string, quantity: string, opts, cmd: Command) =>
      withContext(async (ctx) => {
        const qty = parseQuantity(quantity, 'quantity');
        const set = await setStock(ctx.getDb(), { items: [{ sku, quantity: qty, location: opts.location }] });
        const before = set.items[0].before;
        const accounts = opts.sync ? await requestSyncs(ctx, set.accounts) : [];
        print(
          cmd,
          { sku, location: opts.location, before, onHand: qty, syncRequested: accounts },
          () =>
            `${sku} at ${opts.location}: ${before} → ${qty}${accounts.length ? `; stock sync requested for ${accounts.join(', ')} (runs within a minute)` : ''}`,
        );
      }),
    );

  stock
    .command('import <file>')
    .description(
      'counted stock from CSV (sku,quantity[,location]), all rows or none, as PUT /v1/stock: bad rows are listed by line, nothing is written, exit 1',
    )
    .option('--dry-run', 'only check the rows')
    .action((file: string, opts, cmd: Command) =>
      withContext(async (ctx) => {
        const { items, lines, errors } = readStockCsv(readFile(file));
        const total = items.length + errors.length;
        try {
          // Rows that parsed are checked as a whole too (unknown SKUs and locations), so every bad row is listed at once.
          if (items.length) await setStock(ctx.getDb(), { items, checkOnly: true });
        } catch (err) {
          // setStock names each bad row by its index (details); other refusals (too many rows) are one line.
          const rows = err instanceof InvalidInput && Array.isArray(err.details) ? err.details : [];
          const bads = rows.filter((d): d is { row: number; sku: string; error: string } => typeof d?.row === 'number');
          if (!bads.length) throw err;
          for (const bad of bads) errors.push({ line: lines[bad.row], sku: bad.sku, message: bad.error });
        }
        if (errors.length || !items.length) {
          errors.sort((a, b) => a.line - b.line);
          print(cmd, { file, written: false, rows: total, errors }, () =>
            [
              errors.length
                ? `${file}: ${errors.length} of ${total} rows refused, nothing was written`
                : `${file}: no rows below the header, nothing was written`,
              ...errors.map((e) => `  line ${e.line}: ${e.message}`),
            ].join('\n'),
          );
          process.exitCode = 1;
          return;
        }
        if (opts.dryRun) {
          print(
            cmd,
            { file, written: false, rows: items.length, errors: [] },
            `${file}: ${items.length} rows, all valid (dry run: nothing written)`,
          );
          return;
        }
        const counted = await countStock(ctx.getDb(), () => ctx.getTemporal(), {
          items,
          origin: `stock import (${path.basename(file)})`,
          taskQueue: ctx.config.TEMPORAL_TASK_QUEUE,
        });
        if (counted.syncError)
          process.stderr.write(
            `connector: stock saved; no stock sync requested (${counted.syncError}): the next scheduled sync sends it\n`,
          );
        const changed = counted.items.filter((i) => i.before !== i.onHand).length;
        print(
          cmd,
          { file, written: true, rows: items.length, changed, ...counted },
          () =>
            `${file}: ${items.length} rows, ${changed} quantities changed` +
            (counted.stockSyncRequested.length
              ? `; stock sync requested for ${counted.stockSyncRequested.join(', ')} (runs within a minute)`
              : ''),
        );
      }),
    );

  stock
    .command('show <sku>')
    .description('on hand, reserved by open FBM deliveries, FBA quantity per marketplace, and what each offer gets')
    .action((sku: string, _opts, cmd: Command) =>
      withContext(async (ctx) => {
        const view = await stockView(ctx.getDb(), { sku });
        print(cmd, view, () =>
          [
            `${view.sku}  ${view.name}`,
            `on hand: ${view.onHand.map((l) => `${l.location} ${l.quantity}`).join(', ') || '0'}; reserved by open FBM deliveries: ${view.reservedByOpenDeliveries}`,
            `FBA: ${view.fba.map((f) => `${f.account}/${f.marketplace} ${f.fulfillable} fulfillable`).join(', ') || 'none'}`,
            '',
            table(view.offers as any),
          ].join('\n'),
        );
      }),
    );

  stock
    .command('drift')
    .description('SKUs whose FBA quantity at the last fbaStockSync differed from what our stock moves predicted')
    .requiredOption('--account <account>', 'the seller account id')
    .action((opts, cmd: Command) =>
      withContext(async (ctx) => {
        await accountExists(ctx, opts.account);
        const rows = await fbaDrift(ctx.getDb(), { accountId: opts.account });
        print(cmd, rows, () => (rows.length ? table(rows as any) : `no drift on ${opts.account} at the last FBA sync`));
      }),
    );

  const offers = program
    .command('offers')
    .description('what each account sells on Amazon, per marketplace and seller SKU');

  offers
    .command('list')
    .option('--account <account>', 'only this account')
    .option('--errors', "only offers whose last quantity Amazon refused, with Amazon's message")
    .option('--channel <channel>', 'FBM or FBA')
    .addOption(limitOption('at most this many', 200))
    .action((opts, cmd: Command) =>
      withContext(async (ctx) => {
        if (opts.channel && !/^(fbm|fba)$/i.test(opts.channel))
          throw new UserError(`--channel ${opts.channel}: use FBM or FBA`);
        const rows = await listOffers(ctx.getDb(), {
          account: opts.account,
          errors: opts.errors,
          channel: opts.channel,
          limit: opts.limit,
        });
        print(cmd, rows, () => table(rows as any));
      }),
    );

  offers
    .command('safety-stock <sellerSku> <quantity>')
    .description('units kept back from Amazon for this offer (all its marketplaces unless --marketplace)')
    .requiredOption('--account <account>', 'the seller account id')
    .option('--marketplace <code>', 'only this marketplace, like DE')
    .action((sellerSku: string, quantity: string, opts, cmd: Command) =>
      withContext(async (ctx) => {
        const qty = parseQuantity(quantity, 'quantity');
        await accountExists(ctx, opts.account);
        const { offers: updated } = await setSafetyStock(ctx.getDb(), {
          accountId: opts.account,
          sellerSku,
          marketplace: opts.marketplace,
          safetyStock: qty,
        });
        await requestSyncs(ctx, [opts.account]);
        print(
          cmd,
          { sellerSku, account: opts.account, safetyStock: qty, offers: updated },
          `${sellerSku} on ${opts.account}: safety stock ${qty} (${updated} offers)`,
        );
      }),
    );
}
