import fs from 'fs';
import path from 'path';
import type { Config } from './config';
import { UserError } from './errors';
import { refreshSecretValues } from './redact';

/**
 * What a running `connector start` publishes in <dataDir>/runtime.json (the checkout's .data unless CONNECTOR_DATA_DIR
 * says otherwise, whatever the current directory) so that other commands and workers find its embedded PostgreSQL,
 * Temporal server and demo key. The file names the process: once that process is gone, the file is ignored.
 */
export interface RuntimeInfo {
  pid?: number;
  databaseUrl?: string;
  temporalAddress?: string;
  sandboxUrl?: string;
  uiUrl?: string;
  codecUrl?: string;
  /** Prometheus metrics of the worker `connector start` runs. */
  metricsUrl?: string;
  /** The demo's generated CONNECTOR_SECRET_KEY (mode 600), only when `connector start` made one. */
  secretKeyFile?: string;
}

export function runtimeFile(config: Pick<Config, 'dataDir'>): string {
  return path.join(config.dataDir, 'runtime.json');
}

function isRunning(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM'; // alive, another user's
  }
}

/** The running `connector start`'s info, or {} when none runs (no file, or its process has ended). */
export function readRuntime(config: Pick<Config, 'dataDir'>): RuntimeInfo {
  let info: RuntimeInfo;
  try {
    info = JSON.parse(fs.readFileSync(runtimeFile(config), 'utf8'));
  } catch {
    return {};
  }
  return typeof info.pid === 'number' && isRunning(info.pid) ? info : {};
}

/** Written by `connector start` once everything runs; the pid is this process's. */
export function writeRuntime(config: Pick<Config, 'dataDir'>, info: Omit<RuntimeInfo, 'pid'>): void {
  fs.mkdirSync(config.dataDir, { recursive: true });
  fs.writeFileSync(runtimeFile(config), JSON.stringify({ pid: process.pid, ...info }, null, 2), { mode: 0o600 });
}

export function clearRuntime(config: Pick<Config, 'dataDir'>): void {
  fs.rmSync(runtimeFile(config), { force: true });
}

export function databaseUrl(config: Config): string {
  const url = config.DATABASE_URL ?? readRuntime(config).databaseUrl;
  if (!url)
    throw new UserError('no database: set DATABASE_URL (postgres://user@host:5432/db) or run `connector start` first');
  return url;
}

export function temporalAddress(config: Config): string {
  const address = config.TEMPORAL_ADDRESS ?? readRuntime(config).temporalAddress;
  if (!address)
    throw new UserError('no Temporal server: set TEMPORAL_ADDRESS (host:7233) or run `connector start` first');
  return address;
}

/**
 * With no CONNECTOR_SECRET_KEY, a command that talks to the running demo uses the demo's key, read from the file
 * the runtime info names. Never for another deployment: a DATABASE_URL or TEMPORAL_ADDRESS of its own keeps it out.
 */
export function useRunningDemoKey(config: Config, env: NodeJS.ProcessEnv = process.env): void {
  if (env.CONNECTOR_SECRET_KEY) return;
  const runtime = readRuntime(config);
  if (!runtime.secretKeyFile) return;
  if (config.DATABASE_URL && config.DATABASE_URL !== runtime.databaseUrl) return;
  if (config.TEMPORAL_ADDRESS && config.TEMPORAL_ADDRESS !== runtime.temporalAddress) return;
  env.CONNECTOR_SECRET_KEY = fs.readFileSync(runtime.secretKeyFile, 'utf8').trim();
  refreshSecretValues();
}
