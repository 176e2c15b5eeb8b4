/**
 * The processes a benchmark or a fault scenario runs against, each one its own: a fresh PostgreSQL database, a Temporal
 * dev server, the sandbox and the connector's worker in child processes (so each has its own event loop and RSS, and a
 * worker can be killed with SIGKILL). Everything here listens on 127.0.0.1 only.
 */
import { spawn, ChildProcess } from 'child_process';
import fs from 'fs';
import path from 'path';
import knexFactory from 'knex';
import { bundleWorkflowCode } from '@temporalio/worker';
import { createDb, Db, migrateLatest } from '../../db';
import { FAILURE_CONVERTER_PATH } from '../../lib/payload-codec';
import { DevServer, freePort, resolveTemporalCli, startDevServer } from '../../lib/temporal-cli';
import type { SandboxOptions } from '../../sandbox';

export const ROOT = path.resolve(__dirname, '..', '..');
/** Children run our TypeScript directly: transpile only (the parent already type-checked). */
const TS_NODE = ['-r', 'ts-node/register/transpile-only'];
const ADMIN_URL =
  process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

export interface Database {
  db: Db;
  url: string;
  drop(): Promise<void>;
}

function withDatabase(url: string, name: string): string {
  const u = new URL(url);
  u.pathname = `/${name}`;
  return u.toString();
}

/** A new, migrated database `name` on the admin URL's server (dropped first if a previous run left it). */
export async function freshDatabase(name: string, adminUrl = ADMIN_URL, poolMax = 10): Promise<Database> {
  const admin = knexFactory({ client: 'pg', connection: adminUrl, pool: { min: 0, max: 1 } });
  await admin.raw(`DROP DATABASE IF EXISTS ${name} WITH (FORCE)`);
  await admin.raw(`CREATE DATABASE ${name}`);
  await admin.destroy();
  const url = withDatabase(adminUrl, name);
  const db = createDb(url, { max: poolMax });
  await migrateLatest(db);
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

/** A headless dev server on a free port; with `dbFile` its state survives a kill (R3). */
export async function startTemporal(
  options: { dbFile?: string; port?: number; logFile?: string } = {},
): Promise<DevServer> {
  const server = await startDevServer({
    executable: resolveTemporalCli(),
    port: options.port ?? (await freePort()),
    dbFile: options.dbFile,
    logFile: options.logFile,
  });
  track(server.process);
  return server;
}

/** The workflow bundle, built once and written to `file` (workers load it instead of running webpack each start). */
export async function writeWorkflowBundle(
  file: string,
  workflowsPath = require.resolve('../../workflows'),
): Promise<string> {
  const bundle = await bundleWorkflowCode({
    workflowsPath,
    failureConverterPath: FAILURE_CONVERTER_PATH,
    logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} } as any,
  });
  fs.writeFileSync(file, bundle.code);
  return file;
}

export interface ChildHandle {
  child: ChildProcess;
  pid: number;
  /** Resolves when the process has exited (code or signal). */
  exited: Promise<void>;
  alive(): boolean;
  /** SIGTERM, SIGKILL after `graceMs`; resolves once it is gone. */
  stop(graceMs?: number): Promise<void>;
}

/** Every child and dev server started here: killed if the driver is interrupted (Ctrl-C), so that nothing is left running. */
const started = new Set<ChildProcess>();
let trapped = false;
function track(child: ChildProcess): void {
  started.add(child);
  child.once('exit', () => started.delete(child));
  if (trapped) return;
  trapped = true;
  for (const signal of ['SIGINT', 'SIGTERM'] as const) {
    process.once(signal, () => {
      started.forEach((c) => c.kill('SIGKILL'));
      process.exit(130);
    });
  }
}

function handle(child: ChildProcess): ChildHandle {
  track(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    pid: child.pid!,
    exited,
    alive,
    async stop(graceMs = 10_000) {
      if (!alive()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => alive() && child.kill('SIGKILL'), graceMs);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** Waits until `file` holds `marker` (a child writes it when ready), or the child exits, or the time is up. */
async function waitForMarker(file: string, marker: string, child: ChildProcess, timeoutMs: number): Promise<string> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const text = fs.existsSync(file) ? fs.readFileSync(file, 'utf8') : '';
    const at = text.indexOf(marker);
    if (at >= 0)
      return text
        .slice(at + marker.length)
        .split('\n')[0]
        .trim();
    if (child.exitCode !== null || child.signalCode !== null) {
      throw new Error(
        `${path.basename(file)}: the child exited (${child.exitCode ?? child.signalCode}) before "${marker}":\n${text.slice(-2000)}`,
      );
    }
    await new Promise((r) => setTimeout(r, 100));
  }
  throw new Error(`${path.basename(file)}: no "${marker}" within ${timeoutMs / 1000}s`);
}

/** `entry` (a .ts path) under ts-node, or its compiled twin under dist/ (`npm run build`) when `compiled`. */
function spawnTs(entry: string, env: Record<string, string>, logFile: string, compiled = false): ChildProcess {
  const out = fs.openSync(logFile, 'a');
  const args = compiled
    ? [path.join(ROOT, 'dist', path.relative(ROOT, entry)).replace(/\.ts$/, '.js')]
    : [...TS_NODE, entry];
  try {
    return spawn(process.execPath, args, {
      cwd: ROOT,
      stdio: ['ignore', out, out],
      env: { ...process.env, TS_NODE_TRANSPILE_ONLY: '1', ...env },
    });
  } finally {
    fs.closeSync(out);
  }
}

/**
 * A TypeScript entry in a child process (ts-node), logging to `logFile`; resolves once the log holds `marker`, with
 * what follows the marker on its line (a URL).
 */
export async function startTsChild(
  entry: string,
  env: Record<string, string>,
  logFile: string,
  marker: string,
): Promise<ChildHandle & { ready: string }> {
  const h = handle(spawnTs(entry, env, logFile));
  try {
    return { ...h, ready: await waitForMarker(logFile, marker, h.child, 120_000) };
  } catch (err) {
    await h.stop(0);
    throw err;
  }
}

/** Waits for another `marker` line from a running child (e.g. after it was told to restart something). */
export const waitForLine = (logFile: string, marker: string, child: ChildHandle, timeoutMs = 120_000) =>
  waitForMarker(logFile, marker, child.child, timeoutMs);

/** The sandbox in a child process, as Amazon would be: not sharing the connector's or the driver's event loop. */
export async function startSandboxChild(
  options: SandboxOptions,
  logFile: string,
  logLevel = 'warn',
): Promise<ChildHandle & { url: string }> {
  // At debug the sandbox logs every request with its time and operation: the quota benchmark reads the call times.
  const env = { SANDBOX_OPTIONS: JSON.stringify(options), LOG_LEVEL: logLevel };
  const child = await startTsChild(path.join(__dirname, 'sandbox-child.ts'), env, logFile, 'SANDBOX READY ');
  return { ...child, url: child.ready };
}

export interface WorkerChildOptions {
  databaseUrl: string;
  temporalAddress: string;
  taskQueue: string;
  secretKey: string;
  bundlePath: string;
  /** 0: the connector's limiter off; 60 against a sandbox in x60 mode. */
  rateSpeedup?: number;
  /** Overrides of WORKER_DEFAULTS (slots, cache size). */
  workerOptions?: Record<string, unknown>;
  logLevel?: string;
  extraEnv?: Record<string, string>;
  /** Run dist/ (what `connector worker` runs: no TypeScript compiler in memory) instead of ts-node. */
  compiled?: boolean;
}

/** The connector's worker (workers/worker.ts, as `connector worker` runs it) in a child process logging to `logFile`. */
export async function startWorkerChild(options: WorkerChildOptions, logFile: string): Promise<ChildHandle> {
  const child = spawnTs(
    path.join(__dirname, 'worker-child.ts'),
    {
      DATABASE_URL: options.databaseUrl,
      TEMPORAL_ADDRESS: options.temporalAddress,
      TEMPORAL_TASK_QUEUE: options.taskQueue,
      CONNECTOR_SECRET_KEY: options.secretKey,
      SPAPI_RATE_SPEEDUP: String(options.rateSpeedup ?? 0),
      WORKFLOW_BUNDLE: options.bundlePath,
      WORKER_OPTIONS: JSON.stringify(options.workerOptions ?? {}),
      LOG_LEVEL: options.logLevel ?? 'info',
      ...options.extraEnv,
    },
    logFile,
    options.compiled,
  );
  const h = handle(child);
  try {
    await waitForMarker(logFile, 'WORKER READY', child, 90_000);
    return h;
  } catch (err) {
    await h.stop(0);
    throw err;
  }
}

/** Resident set size of a process in MB (Linux /proc), or NaN once it is gone. */
export function rssMb(pid: number): number {
  try {
    const match = /VmRSS:\s+(\d+) kB/.exec(fs.readFileSync(`/proc/${pid}/status`, 'utf8'));
    return match ? Number(match[1]) / 1024 : NaN;
  } catch {
    return NaN;
  }
}

/** CPU seconds (user + system) a process has used so far (Linux /proc; clock ticks of 1/100 s), or NaN once it is gone. */
export function cpuSeconds(pid: number): number {
  try {
    const fields = fs.readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) / 100;
  } catch {
    return NaN;
  }
}

/** A benchmark's entry point: exit 0 when it is done (children and pools stopped), 1 with the error otherwise. */
export function runBench(main: () => Promise<void>): void {
  main().then(
    () => process.exit(0),
    (err) => {
      console.error(err);
      process.exit(1);
    },
  );
}
