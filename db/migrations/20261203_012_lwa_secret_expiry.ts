import type { Knex } from 'knex';

/**
 * LWA apps: one row per client id that accounts use (an app's secret is the same for every seller who authorized it),
 * with the expiry of its client secret. Amazon refuses a secret 180 days after it was issued, and then every call of
 * every account of the app fails; `connector apps rotate-secret` swaps a new one into all of them.
 *
 * The secrets themselves stay sealed on seller_accounts. Existing apps get the default a new account without
 * `--secret-expires` gets: 90 days from now, marked assumed (book/lwa-apps.ts explains why 90).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('lwa_apps', (t) => {
    t.text('client_id').primary();
    t.timestamp('secret_expires_at', { useTz: true }).notNullable();
    /** true: our default, not a date read from Amazon; `accounts show` and `connector status` say so. */
    t.boolean('secret_expiry_assumed').notNullable().defaultTo(true);
    t.timestamp('secret_rotated_at', { useTz: true });
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('updated_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
  });
  await knex.raw(`
    INSERT INTO lwa_apps (client_id, secret_expires_at, secret_expiry_assumed)
    SELECT DISTINCT client_id, now() + interval '90 days', true FROM seller_accounts`);
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('lwa_apps');
}
