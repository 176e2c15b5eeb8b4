import knexFactory, { Knex } from 'knex';
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
  });
}

export async function migrateLatest(db: Db): Promise<string[]> {
  const [, applied] = await db.migrate.latest({ migrationSource });
  return applied as string[];
}

/** Whether the database answers: the first thing a process checks, so a bad DATABASE_URL is one clear line. */
export async function ping(db: Db): Promise<void> {
  await db.raw('select 1');
}
