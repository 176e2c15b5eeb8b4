import knexFactory, { Knex } from 'knex';
import { logger } from '../lib/logger';
import * as core from './migrations/20261126_001_core';
import * as referenceData from './migrations/20261126_002_reference_data';
import * as stock from './migrations/20261126_003_stock';
import * as buyerCancellations from './migrations/20261126_004_buyer_cancellations';
import * as orderSyncPages from './migrations/20261126_005_order_sync_pages';
import * as rateBucketDeferrals from './migrations/20261126_006_rate_bucket_deferrals';
import * as lookupIndexes from './migrations/20261203_007_lookup_indexes';
import * as apiTokens from './migrations/20261203_008_api_tokens';
import * as events from './migrations/20261203_009_events';
import * as lwaSecretExpiry from './migrations/20261203_012_lwa_secret_expiry';
import * as notifications from './migrations/20261203_013_notifications';
import * as finances from './migrations/20261203_014_finances';
import * as consoleSessions from './migrations/20261203_015_console_sessions';
import * as pickListOrder from './migrations/20261203_016_pick_list_order';

export type Db = Knex;

/** Migrations listed in order. Listing them (rather than globbing a folder) works the same from ts-jest and dist/. */
const MIGRATIONS: Array<[string, { up(k: Knex): Promise<void>; down(k: Knex): Promise<void> }]> = [
  ['20261126_001_core', core],
  ['20261126_002_reference_data', referenceData],
  ['20261126_003_stock', stock],
  ['20261126_004_buyer_cancellations', buyerCancellations],
  ['20261126_005_order_sync_pages', orderSyncPages],
  ['20261126_006_rate_bucket_deferrals', rateBucketDeferrals],
  ['20261203_007_lookup_indexes', lookupIndexes],
  ['20261203_008_api_tokens', apiTokens],
  ['20261203_009_events', events],
  ['20261203_012_lwa_secret_expiry', lwaSecretExpiry],
  ['20261203_013_notifications', notifications],
  ['20261203_014_finances', finances],
  ['20261203_015_console_sessions', consoleSessions],
  ['20261203_016_pick_list_order', pickListOrder],
];

const migrationSource: Knex.MigrationSource<string> = {
  getMigrations: async () => MIGRATIONS.map(([name]) => name),
  getMigrationName: (name) => name,
  getMigration: async (name) => MIGRATIONS.find(([n]) => n === name)![1],
};

export function createDb(databaseUrl: string, pool: { min?: number; max?: number } = {}): Db {
  return knexFactory({
    client: 'pg',
    connection: databaseUrl,
    pool: { min: pool.min ?? 0, max: pool.max ?? 10 },
    // knex prints a failed connection with its stack before rejecting the query; the caller reports the rejection
    // (databaseProblem), so that print is noise. Its other warnings go to the one logger.
    log: {
      warn: (message: string) => {
        if (!String(message).startsWith('Acquire connection error')) logger.warn({ knex: true }, String(message));
      },
      error: (message: string) => logger.error({ knex: true }, String(message)),
      deprecate: (method: string, alternative: string) =>
        logger.warn({ knex: true }, `${method} is deprecated: ${alternative}`),
      debug: () => {},
    },
  });
}

/** What PostgreSQL's answer to a connection means for the person who set DATABASE_URL, or undefined if it is not that. */
export function databaseProblem(err: unknown): string | undefined {
  const e = err as { code?: string; name?: string; address?: string; port?: number; hostname?: string };
  if (!e || typeof e !== 'object') return undefined;
  const where = e.address ? `${e.address}${e.port ? `:${e.port}` : ''}` : e.hostname;
  switch (e.code) {
    case 'ECONNREFUSED':
      return `PostgreSQL refused the connection at ${where}: is it running, and is DATABASE_URL's host and port right?`;
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return `PostgreSQL's host ${where ?? ''} was not found: check DATABASE_URL's host name`;
    case 'ETIMEDOUT':
      return `PostgreSQL at ${where} did not answer in time: check DATABASE_URL's host and the network`;
    case '3D000':
      return `the database named in DATABASE_URL does not exist: create it (createdb <name>) or fix the URL's path`;
    case '28P01':
    case '28000':
      return `PostgreSQL refused DATABASE_URL's user or password: fix them in DATABASE_URL`;
    case '57P03':
      return `PostgreSQL is starting up or shutting down: try again in a moment`;
  }
  if (e.name === 'KnexTimeoutError')
    return `no connection to PostgreSQL within the timeout: check DATABASE_URL and that the server accepts connections`;
  return undefined;
}

export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = await db.migrate.latest({ migrationSource });
  return applied as string[];
}

/** Whether the database answers: the first thing a process checks, so a bad DATABASE_URL is one clear line. */
export async function ping(db: Db): Promise<void> {
  await db.raw('select 1');
}
