import { z } from 'zod';

/**
 * The query string of a list: the book operation's own input fields (one schema validates, types and documents them),
 * `limit` read from text, any other parameter refused (400).
 */
export function listQuery<S extends z.ZodRawShape>(input: z.ZodObject<S>) {
  return z.strictObject({
    ...input.shape,
    limit: z.coerce.number().int().min(1, 'must be 1 to 500').max(500, 'must be 1 to 500').default(100),
  });
}
