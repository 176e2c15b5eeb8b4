import { z } from 'zod';
import { InvalidInput } from '../lib/errors';

/**
 * Cursors of the book's paged lists: the sort key of the last row given, opaque to callers (base64url JSON). A list
 * ordered by a unique key read "after" its cursor never skips a row and never repeats one, however rows are added.
 */
export function encodeCursor(key: unknown[]): string {
  return Buffer.from(JSON.stringify(key)).toString('base64url');
}

export function decodeCursor<T extends z.ZodTuple>(schema: T, cursor: string): z.output<T> {
  let raw: unknown;
  try {
    raw = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    raw = undefined;
  }
  const parsed = schema.safeParse(raw);
  if (!parsed.success)
    throw new InvalidInput('cursor is not one this list gave: pass back the nextCursor of the previous page', 'cursor');
  return parsed.data;
}

export const Cursor = z.string().min(1).max(500).optional();
/** A page of a list: up to `limit` (≤ 500) rows, and the cursor of the next page (null on the last). */
export const Limit = z.number().int().min(1, 'must be 1 to 500').max(500, 'must be 1 to 500').default(100);

export function page<T>(rows: T[], limit: number, keyOf: (row: T) => unknown[]) {
  const more = rows.length > limit;
  const items = more ? rows.slice(0, limit) : rows;
  return { items, nextCursor: more ? encodeCursor(keyOf(items[items.length - 1])) : null };
}
