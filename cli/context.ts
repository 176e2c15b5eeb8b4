import fs from 'fs';
import path from 'path';
import { Client, Connection } from '@temporalio/client';
import { Config, loadConfig } from '../lib/config';
import { UserError } from '../lib/errors';
import { createDb, Db } from '../db';
import { createDataConverter } from '../lib/payload-codec';
import { useDemoSecretKey } from '../lib/secrets';

/** What `connector start` wrote so that other commands find its embedded PostgreSQL and Temporal server. */
export interface RuntimeInfo {
  databaseUrl?: string;
  temporalAddress?: string;
  sandboxUrl?: string;
  uiUrl?: string;
}

export function runtimeFile(config: Config): string {
  return path.join(config.dataDir, 'runtime.json');
}

export function readRuntime(config: Config): RuntimeInfo {
  try {
    return JSON.parse(fs.readFileSync(runtimeFile(config), 'utf8'));
  } catch {
    return {};
  }
}

export function writeRuntime(config: Config, info: RuntimeInfo): void {
  fs.mkdirSync(config.dataDir, { recursive: true });
  fs.writeFileSync(runtimeFile(config), JSON.stringify(info, null, 2));
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

/** Lazily opened resources of one CLI invocation; close() releases whatever was opened. */
export class CliContext {
  readonly config: Config = loadConfig();

  constructor() {
    useDemoSecretKey(this.config.dataDir, false);
  }

  private db?: Db;
  private connection?: Connection;
  private client?: Client;

  getDb(): Db {
    this.db ??= createDb(databaseUrl(this.config), { max: 4 });
    return this.db;
  }

  async getTemporal(): Promise<Client> {
    if (!this.client) {
      const address = temporalAddress(this.config);
      try {
        this.connection = await Connection.connect({ address, connectTimeout: 5_000 });
      } catch (err) {
        throw new UserError(
          `cannot reach the Temporal server at ${address}: ${(err as Error).message}. Check TEMPORAL_ADDRESS.`,
        );
      }
      this.client = new Client({
        connection: this.connection,
        namespace: this.config.TEMPORAL_NAMESPACE,
        dataConverter: createDataConverter(),
      });
    }
    return this.client;
  }

  async close(): Promise<void> {
    await this.db?.destroy();
    await this.connection?.close();
  }
}

/** Runs a command body with a context that is always closed, even on error. */
export async function withContext<T>(fn: (ctx: CliContext) => Promise<T>): Promise<T> {
  const ctx = new CliContext();
  try {
    return await fn(ctx);
  } finally {
    await ctx.close();
  }
}
