import knexFactory from 'knex';
import { createDb, Db } from '../../db';

export interface TestDatabase {
  db: Db;
  url: string;
  drop(): Promise<void>;
}

let counter = 0;

/** A fresh database for one test file, cloned from the run's migrated template (fast: no migrations to run). */
export async function createTestDatabase(): Promise<TestDatabase> {
  const adminUrl = process.env.TEST_DATABASE_ADMIN_URL!;
  const template = process.env.TEST_DATABASE_TEMPLATE!;
  const name = `connector_t_${process.pid}_${Date.now().toString(36)}_${counter++}`;
  const admin = knexFactory({ client: 'pg', connection: adminUrl, pool: { min: 0, max: 1 } });
  await admin.raw(`CREATE DATABASE ${name} TEMPLATE ${template}`);
  await admin.destroy();
  const u = new URL(adminUrl);
  u.pathname = `/${name}`;
  const url = u.toString();
  const db = createDb(url, { max: 5 });
  return {
    db,
    url,
    async drop() {
      await db.destroy();
      const a = knexFactory({ client: 'pg', connection: adminUrl, pool: { min: 0, max: 1 } });
      await a.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
      await a.destroy();
    },
  };
}
