import type { Knex } from 'knex';

/**
 * Where the rate limiter sends calls too far back in a bucket's queue to sleep in an activity slot: the last time
 * handed out. Each call it defers gets the next token's time after it, so a backlog comes back spread at the bucket's
 * rate instead of all at once (activities/spapi/rate-limiter.ts).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rate_buckets', (t) => {
    t.timestamp('deferred_until', { useTz: true });
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.alterTable('rate_buckets', (t) => {
    t.dropColumn('deferred_until');
  });
}
