/**
 * Child-process entry: a PostgreSQL of its own (db/postgres-cluster.ts, the binaries `connector start` uses).
 * Prints `PG READY <url>`; on SIGUSR1 shuts it down immediately (SIGQUIT: no checkpoint, WAL recovery on the next start,
 * as after a crash), waits PG_DOWN_MS, starts it again and prints `PG RESTARTED <n>`; SIGTERM stops it and exits.
 */
import fs from 'fs';
import os from 'os';
import path from 'path';
import { stopWhenOrphaned } from '../../../bench/support/orphan-guard';
import { PostgresCluster, postgresOsUser, reachableBinaries } from '../../../db/postgres-cluster';

async function main(): Promise<void> {
  // As root it runs as the `postgres` OS user, which gets this folder (the cluster's own) and binaries it can reach,
  // also from a clone in a 0700 folder.
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'connector-fault-pg-'));
  const user = postgresOsUser();
  const port = Number(process.env.PG_PORT);
  const pg = new PostgresCluster({
    dir,
    port,
    binaries: reachableBinaries(user),
    user,
    superuser: 'connector',
    password: 'connector',
    flags: ['-c', 'max_connections=200'],
  });
  await pg.initialise();
  await pg.start();
  await pg.ensureDatabase('connector');
  process.stdout.write(`PG READY ${pg.url}/connector\n`);
  let restarts = 0;
  process.on('SIGUSR1', async () => {
    await pg.stop('SIGQUIT');
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
