import { Client, Connection } from '@temporalio/client';
import { Config, loadConfig } from '../lib/config';
import { UserError } from '../lib/errors';
import { createDb, Db } from '../db';
import { createDataConverter } from '../lib/payload-codec';
import { databaseUrl, temporalAddress, useRunningDemoKey } from '../lib/runtime';
import { temporalTls } from '../lib/temporal-tls';

/** Lazily opened resources of one CLI invocation; close() releases whatever was opened. */
export class CliContext {
  readonly config: Config = loadConfig();

  constructor() {
    useRunningDemoKey(this.config);
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
      const dataConverter = createDataConverter(); // no payload key: one line, before any connection
      const tls = temporalTls(this.config);
      try {
        this.connection = await Connection.connect({ address, tls, connectTimeout: 5_000 });
      } catch (err) {
        throw new UserError(
          `cannot reach the Temporal server at ${address}: ${(err as Error).message}. Check TEMPORAL_ADDRESS.`,
        );
      }
      this.client = new Client({
        connection: this.connection,
        namespace: this.config.TEMPORAL_NAMESPACE,
        dataConverter,
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
