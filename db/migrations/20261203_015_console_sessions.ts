import type { Knex } from 'knex';

/**
 * Sessions of the web console (servers/console): one per login with an API token. The cookie carries a random session
 * id; the book keeps its SHA-256 only, so a leaked database opens no session. Each session has its own CSRF token,
 * checked on every form POST. A revoked or expired token ends its sessions (the join checks it on every request).
 */
export async function up(knex: Knex): Promise<void> {
  await knex.schema.createTable('console_sessions', (t) => {
    t.text('id_hash').primary();
    t.integer('token_id').notNullable().references('api_tokens.id').onDelete('CASCADE');
    t.text('csrf_token').notNullable();
    t.timestamp('created_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('last_seen_at', { useTz: true }).notNullable().defaultTo(knex.fn.now());
    t.timestamp('expires_at', { useTz: true }).notNullable();
    t.index(['expires_at']);
  });
}

export async function down(knex: Knex): Promise<void> {
  await knex.schema.dropTable('console_sessions');
}
