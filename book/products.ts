import crypto from 'crypto';

import { parse as parseCsvText } from 'csv-parse/sync';
import { z } from 'zod';
import { operation } from './operation';
import { relinkOffers } from './offers';
import { UserError } from '../lib/errors';
import { MoneyError, parseAmount } from '../lib/money';
import { locationId, setQuantities } from './stock';

/** The seller's catalog: products by SKU, imported from CSV or added one by one, with their on-hand quantity. */

export const ProductInput = z.object({
  sku: z.string().min(1),
  name: z.string().min(1),
  description: z.string().nullable().optional(),
  /** Decimal string, e.g. "19.90". */
  price: z.string().nullable().optional(),
  /** Counted quantity at the location; undefined leaves the stock as it is. */
  onHand: z.number().int().min(0).optional(),
});
export type ProductInput = z.infer<typeof ProductInput>;

export interface RowError {
  line: number;
  sku?: string;
  message: string;
}

/**
 * RFC 4180 CSV (csv-parse): quoted fields may hold commas, quotes ("") and line breaks; a BOM and blank lines are
 * skipped. Returns each row with the line it starts on, for error messages.
 */
export function parseCsv(text: string): Array<{ line: number; cells: string[] }> {
  let records: Array<{ record: string[]; info: { lines: number }; raw: string }>;
  try {
    // With info and raw, each record comes as { record, info, raw } (csv-parse's types give the plain rows).
    records = parseCsvText(text, {
      bom: true,
      relax_column_count: true,
      skip_empty_lines: true,
      info: true,
      raw: true,
    }) as unknown as typeof records;
  } catch (err) {
    throw new UserError(`the file is not valid CSV: ${(err as Error).message}`);
  }
  return records.map(({ record, info, raw }) => {
    // info.lines is where the record ends; the line breaks inside its quoted cells say where it started.
    const body = raw.replace(/^[\r\n]+/, '').replace(/(\r\n|\n|\r)$/, '');
    return { line: info.lines - (body.match(/\r\n|\n|\r/g) ?? []).length, cells: record };
  });
}

const HEADERS: Record<string, keyof ProductInput> = {
  sku: 'sku',
  name: 'name',
  description: 'description',
  price: 'price',
  'on-hand': 'onHand',
  on_hand: 'onHand',
  onhand: 'onHand',
  'on hand': 'onHand',
  quantity: 'onHand',
};

/** Validates every row; a bad row is reported with its line number and the good ones are kept. */
export function readProductsCsv(text: string): {
  products: Array<ProductInput & { line: number }>;
  errors: RowError[];
} {
  const rows = parseCsv(text);
  if (rows.length === 0)
    throw new UserError('the file is empty: expected a header line "sku,name,description,price,on-hand"');
  const columns = rows[0].cells.map((h) => HEADERS[h.trim().toLowerCase()]);
  if (!columns.includes('sku') || !columns.includes('name')) {
    throw new UserError(
      `line 1: the header must name at least the columns sku and name (found: ${rows[0].cells.join(', ')})`,
    );
  }
  const products: Array<ProductInput & { line: number }> = [];
  const errors: RowError[] = [];
  const seen = new Map<string, number>();
  for (const { line, cells } of rows.slice(1)) {
    const raw: Partial<Record<keyof ProductInput, string>> = {};
    columns.forEach((key, i) => key && (raw[key] = (cells[i] ?? '').trim()));
    const result = validateProduct(raw);
    if (typeof result === 'string') {
      errors.push({ line, ...(raw.sku ? { sku: raw.sku } : {}), message: result });
      continue;
    }
    const first = seen.get(result.sku);
    if (first !== undefined) {
      errors.push({ line, sku: result.sku, message: `duplicate SKU ${result.sku}: already on line ${first}` });
      continue;
    }
    seen.set(result.sku, line);
    products.push({ ...result, line });
  }
  return { products, errors };
}

/** One product's fields, as typed by a user (CSV cell or CLI flag): the product, or what is wrong with it. */
export function validateProduct(raw: Partial<Record<keyof ProductInput, string>>): ProductInput | string {
  const sku = raw.sku ?? '';
  if (!sku) return 'SKU is missing';
  if (sku.length > 40 || /\s/.test(sku))
    return `SKU "${sku}" must be 1 to 40 characters without spaces (Amazon's seller SKU)`;
  if (!raw.name) return `SKU ${sku}: name is missing`;
  let price: string | null = null;
  if (raw.price) {
    try {
      const amount = parseAmount(raw.price);
      if (amount.isNegative()) return `SKU ${sku}: price "${raw.price}" is negative`;
      price = amount.toFixed();
    } catch (err) {
      if (!(err instanceof MoneyError)) throw err;
      return `SKU ${sku}: price "${raw.price}" is not a decimal number like 19.90`;
    }
  }
  let onHand: number | undefined;
  if (raw.onHand !== undefined && raw.onHand !== '') {
    if (!/^-?\d+$/.test(raw.onHand)) return `SKU ${sku}: on-hand "${raw.onHand}" is not a whole number`;
    onHand = Number(raw.onHand);
    if (onHand < 0) return `SKU ${sku}: on-hand ${onHand} is negative`;
    if (!Number.isSafeInteger(onHand) || onHand > 2_147_483_647)
      return `SKU ${sku}: on-hand ${raw.onHand} is too large`;
  }
  return {
    sku,
    name: raw.name,
    description: raw.description || null,
    price,
    ...(onHand !== undefined ? { onHand } : {}),
  };
}

const BATCH = 2_000;

/**
 * Upserts products by SKU and sets their counted on-hand at the location, a batch per transaction (a failure keeps
 * the batches before it). `onBatch` reports progress.
 */
export const importProducts = operation(
  {
    name: 'importProducts',
    input: z.object({
      products: z.array(ProductInput),
      location: z.string().optional(),
      keepExisting: z.boolean().optional(),
      onBatch: z.custom<(done: number) => void>().optional(),
    }),
    output: z.object({ created: z.number(), updated: z.number(), stockMoves: z.number() }),
  },
  async (db, { products, ...options }) => {
    const whId = await locationId(db, options.location ?? 'WH');
    const importId = crypto.randomUUID();
    let created = 0;
    let updated = 0;
    let stockMoves = 0;
    for (let i = 0; i < products.length; i += BATCH) {
      const batch = products.slice(i, i + BATCH);
      await db.transaction(async (trx) => {
        const insert = trx('products')
          .insert(
            batch.map((p) => ({
              sku: p.sku,
              name: p.name,
              description: p.description ?? null,
              list_price: p.price ?? null,
            })),
          )
          .onConflict('sku');
        const rows = await (
          options.keepExisting
            ? insert.ignore()
            : insert.merge({
                name: trx.raw('EXCLUDED.name'),
                description: trx.raw('EXCLUDED.description'),
                list_price: trx.raw('COALESCE(EXCLUDED.list_price, products.list_price)'),
                updated_at: trx.fn.now(),
              })
        ).returning(['id', 'sku', trx.raw('(xmax = 0) AS inserted')]);
        const inserted = rows.filter((r: any) => r.inserted).length;
        created += inserted;
        updated += rows.length - inserted;
        const ids = new Map(rows.map((r: any) => [r.sku as string, r.id as number]));
        const counted = batch
          .filter((p) => p.onHand !== undefined && ids.has(p.sku))
          .map((p) => ({ productId: ids.get(p.sku)!, quantity: p.onHand! }));
        stockMoves += (
          await setQuantities(trx, {
            locationId: whId,
            items: counted,
            referencePrefix: `import:${importId}:`,
            origin: 'products import',
          })
        ).moved;
        await relinkOffers(
          trx,
          batch.map((p) => p.sku),
        );
      });
      options.onBatch?.(Math.min(i + BATCH, products.length));
    }
    return { created, updated, stockMoves };
  },
);

const ProductRow = z.object({
  sku: z.string(),
  name: z.string(),
  description: z.string().nullable(),
  price: z.string().nullable(),
  onHand: z.number(),
});
export type ProductRow = z.infer<typeof ProductRow>;

/** Products with their on hand at the default warehouse, by SKU. */
export const listProducts = operation(
  {
    name: 'listProducts',
    input: z.object({ search: z.string().optional(), limit: z.number().int().positive().max(10_000).optional() }),
    output: z.array(ProductRow),
  },
  async (db, filter) => {
    const q = db('products as p')
      .leftJoin('stock_quants as q', (j) =>
        j
          .on('q.product_id', 'p.id')
          .andOn('q.location_id', db.raw(`(SELECT id FROM stock_locations WHERE code = 'WH')`)),
      )
      .whereNull('p.system_key')
      .orderBy('p.sku')
      .limit(filter.limit ?? 100)
      .select('p.sku', 'p.name', 'p.description', 'p.list_price', 'q.quantity');
    if (filter.search)
      q.where((w) => w.whereILike('p.sku', `%${filter.search}%`).orWhereILike('p.name', `%${filter.search}%`));
    return (await q).map((p) => ({
      sku: p.sku,
      name: p.name,
      description: p.description,
      price: p.list_price === null ? null : parseAmount(String(p.list_price)).toFixed(),
      onHand: p.quantity ?? 0,
    }));
  },
);

export const findProduct = operation(
  {
    name: 'findProduct',
    input: z.object({ sku: z.string().min(1) }),
    output: z.object({
      id: z.number().int(),
      sku: z.string(),
      name: z.string(),
      description: z.string().nullable(),
      price: z.string().nullable(),
    }),
  },
  async (db, { sku }) => {
    const product = await db('products')
      .where({ sku })
      .whereNull('system_key')
      .first('id', 'sku', 'name', 'description', 'list_price');
    if (!product)
      throw new UserError(
        `no product with SKU ${sku}: add it with \`connector products add ${sku} --name ...\` or import a CSV`,
      );
    const { list_price: price, ...rest } = product;
    return { ...rest, price: price === null ? null : String(price) };
  },
);
