import fs from 'fs';
import knexFactory from 'knex';

export default async function globalTeardown(): Promise<void> {
  const server = (globalThis as any).__temporalServer;
  if (server) await server.stop();
  const admin = knexFactory({
    client: 'pg',
    connection: process.env.TEST_DATABASE_ADMIN_URL,
    pool: { min: 0, max: 1 },
  });
  await admin.raw(`DROP DATABASE IF EXISTS ${process.env.TEST_DATABASE_TEMPLATE} WITH (FORCE)`);
  await admin.destroy();
  if (process.env.CONNECTOR_TEST_RUN_DIR)
    fs.rmSync(process.env.CONNECTOR_TEST_RUN_DIR, { recursive: true, force: true });
}
