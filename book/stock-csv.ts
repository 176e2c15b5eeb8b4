import { UserError } from '../lib/errors';
import { parseCsv, RowError } from './products';

/**
 * Counted stock as CSV (`connector stock import`): a header naming sku and quantity (on-hand also reads as quantity),
 * and optionally location; one row per product and location. Rows come back with their line numbers, for the
 * messages of setStock's refusals.
 */
const HEADERS: Record<string, 'sku' | 'quantity' | 'location'> = {
  sku: 'sku',
  quantity: 'quantity',
  qty: 'quantity',
  'on-hand': 'quantity',
  on_hand: 'quantity',
  location: 'location',
};

export interface StockCsvRow {
  sku: string;
  quantity: number;
  location?: string;
}

export function readStockCsv(text: string): { items: StockCsvRow[]; lines: number[]; errors: RowError[] } {
  const rows = parseCsv(text);
  if (rows.length === 0) throw new UserError('the file is empty: expected a header line "sku,quantity,location"');
  const columns = rows[0].cells.map((h) => HEADERS[h.trim().toLowerCase()]);
  if (!columns.includes('sku') || !columns.includes('quantity'))
    throw new UserError(
      `line 1: the header must name the columns sku and quantity, location optional (found: ${rows[0].cells.join(', ')})`,
    );
  const items: StockCsvRow[] = [];
  const lines: number[] = [];
  const errors: RowError[] = [];
  for (const { line, cells } of rows.slice(1)) {
    const raw: Partial<Record<'sku' | 'quantity' | 'location', string>> = {};
    columns.forEach((key, i) => key && (raw[key] = (cells[i] ?? '').trim()));
    const sku = raw.sku ?? '';
    const quantity = raw.quantity ?? '';
    const error = !sku
      ? 'SKU is missing'
      : !/^\d+$/.test(quantity)
        ? `SKU ${sku}: quantity "${quantity}" must be a whole number of 0 or more`
        : Number(quantity) > 2_147_483_647
          ? `SKU ${sku}: quantity ${quantity} is too large`
          : undefined;
    if (error) {
      errors.push({ line, ...(sku ? { sku } : {}), message: error });
      continue;
    }
    items.push({ sku, quantity: Number(quantity), ...(raw.location ? { location: raw.location } : {}) });
    lines.push(line);
  }
  return { items, lines, errors };
}
