import { z } from 'zod';
import { operation } from './operation';

/**
 * Idempotency-Key of the API's writes: the first request with a key claims it; its answer is stored; a replay with the
 * same key and body gets that answer and does nothing; the same key with another body is refused. Keys are per token.
 */

const Key = z.object({ tokenId: z.number().int(), key: z.string().min(1).max(200) });

export const claimIdempotencyKey = operation(
  {
    name: 'claimIdempotencyKey',
    input: Key.extend({ method: z.string(), path: z.string(), bodyHash: z.string() }),
    output: z.discriminatedUnion('state', [
      z.object({ state: z.literal('claimed') }),
      z.object({ state: z.literal('in_progress') }),
      z.object({ state: z.literal('conflict') }),
      z.object({ state: z.literal('done'), status: z.number().int(), response: z.unknown() }),
    ]),
  },
  async (db, input) => {
    const [claimed] = await db('api_idempotency')
      .insert({
        token_id: input.tokenId,
        key: input.key,
        method: input.method,
        path: input.path,
        body_hash: input.bodyHash,
      })
      .onConflict(['token_id', 'key'])
      .ignore()
      .returning('key');
    if (claimed) return { state: 'claimed' as const };
    const row = await db('api_idempotency').where({ token_id: input.tokenId, key: input.key }).first();
    if (row.method !== input.method || row.path !== input.path || row.body_hash !== input.bodyHash)
      return { state: 'conflict' as const };
    if (row.status === null) return { state: 'in_progress' as const };
    return { state: 'done' as const, status: row.status, response: row.response };
  },
);

export const completeIdempotencyKey = operation(
  {
    name: 'completeIdempotencyKey',
    input: Key.extend({ status: z.number().int(), response: z.unknown() }),
    output: z.void(),
  },
  async (db, input) => {
    await db('api_idempotency')
      .where({ token_id: input.tokenId, key: input.key })
      .update({ status: input.status, response: JSON.stringify(input.response ?? null), completed_at: db.fn.now() });
  },
);

/** A request that failed before it had an answer gives its key back, so that the client may try again with it. */
export const releaseIdempotencyKey = operation(
  { name: 'releaseIdempotencyKey', input: Key, output: z.void() },
  async (db, input) => {
    await db('api_idempotency').where({ token_id: input.tokenId, key: input.key }).whereNull('status').delete();
  },
);
