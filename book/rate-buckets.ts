import { z } from 'zod';
import { operation } from './operation';

/**
 * One token bucket per (seller, operation) in PostgreSQL, shared by every worker process (activities/spapi/rate-limiter.ts
 * decides how long to wait). Each take reserves a token atomically; a negative balance is a queue position.
 */

const Bucket = z.object({
  key: z.string().min(1),
  /** Tokens per second. */
  rate: z.number().positive(),
});

/** Refills the bucket for the time since its last take and takes one token; returns the balance after the take. */
export const takeToken = operation(
  { name: 'takeToken', input: Bucket.extend({ burst: z.number().int().positive() }), output: z.number() },
  async (db, { key, rate, burst }) => {
    const { rows } = await db.raw(
      `INSERT INTO rate_buckets (bucket_key, tokens, refilled_at) VALUES (?, ? - 1, clock_timestamp())
       ON CONFLICT (bucket_key) DO UPDATE SET
         tokens = LEAST(?, rate_buckets.tokens + ? * EXTRACT(EPOCH FROM clock_timestamp() - rate_buckets.refilled_at)) - 1,
         refilled_at = clock_timestamp()
       RETURNING tokens`,
      [key, burst, burst, rate],
    );
    return Number(rows[0].tokens);
  },
);

/**
 * Gives a reservation back and hands out the next token time after the last one deferred (or after `waitMs`): the
 * delay until then, in ms.
 */
export const deferToken = operation(
  { name: 'deferToken', input: Bucket.extend({ waitMs: z.number().nonnegative() }), output: z.number() },
  async (db, { key, rate, waitMs }) => {
    const { rows } = await db.raw(
      `UPDATE rate_buckets SET tokens = tokens + 1,
         deferred_until = GREATEST(deferred_until + make_interval(secs => ?), clock_timestamp() + make_interval(secs => ?))
       WHERE bucket_key = ?
       RETURNING EXTRACT(EPOCH FROM deferred_until - clock_timestamp()) * 1000 AS delay_ms`,
      [1 / rate, waitMs / 1000, key],
    );
    return Math.max(waitMs, Math.ceil(Number(rows[0]?.delay_ms ?? waitMs)));
  },
);

/** After a 429 Amazon's bucket is empty whatever ours says: empty ours so every worker slows down. */
export const drainBucket = operation(
  { name: 'drainBucket', input: z.object({ key: z.string().min(1) }), output: z.void() },
  async (db, { key }) => {
    await db.raw(
      'UPDATE rate_buckets SET tokens = LEAST(tokens, 0), refilled_at = clock_timestamp() WHERE bucket_key = ?',
      [key],
    );
  },
);
