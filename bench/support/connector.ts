/** Connector-side set-up shared by the benchmarks and the fault suite: accounts, order syncs, the book's counts, tables. */
import { Client, Connection } from '@temporalio/client';
import type { Db } from '../../db';
import { saveAccount } from '../../book/accounts';
import { createDataConverter } from '../../lib/payload-codec';
import { keyringFromEnv } from '../../lib/secrets';
import type { SandboxAdmin } from '../../sandbox/admin-client';
import type { OrderSyncResult } from '../../workflows/order-sync';

export const US = 'ATVPDKIKX0DER';
export const DE = 'A1PA6795UKMFR9';
export const NA = [US, 'A2EUQ1WTGCTBG2', 'A1AM78C64UM0Y8'];
export const EU = [DE, 'A13V1IB3VIYZZH', 'A1F83G8C2ARO7P', 'APJ6JRA9NG5V4'];

export interface AccountSpec {
  id: string;
  sellerId: string;
  region: 'na' | 'eu';
  marketplaceIds: string[];
}

export const TWO_ACCOUNTS: AccountSpec[] = [
  { id: 'na-shop', sellerId: 'A7BENCHNA0001', region: 'na', marketplaceIds: NA },
  { id: 'eu-shop', sellerId: 'A7BENCHEU0001', region: 'eu', marketplaceIds: EU },
];

/** The credentials of a sandbox seller; the fault suite's R6 looks for them in every history and log line. */
export function credentialsOf(a: AccountSpec) {
  return {
    clientId: `amzn1.application-oa2-client.${a.id}`,
    clientSecret: `cs-${a.id}-7f3a9c1e5b`,
    refreshToken: `Atzr|IwEBI-${a.id}-4d8e2b6f0a`,
  };
}

/** The same seller in the sandbox and as a connector account pointed at it (CONNECTOR_SECRET_KEY must be set). */
export async function createAccounts(
  db: Db,
  admin: SandboxAdmin,
  sandboxUrl: string,
  accounts: AccountSpec[],
): Promise<void> {
  for (const a of accounts) {
    const credentials = credentialsOf(a);
    await admin.createSeller({
      sellerId: a.sellerId,
      marketplaceIds: a.marketplaceIds,
      piiAccess: true,
      ...credentials,
    });
    await saveAccount(db, {
      keyring: keyringFromEnv(),
      account: { id: a.id, sellerId: a.sellerId, region: a.region, endpoint: sandboxUrl, ...credentials },
      marketplaces: a.marketplaceIds.map((marketplaceId) => ({ marketplaceId, participating: true, enabled: true })),
    });
  }
}

/** A client with the connector's codec (what the CLI uses). */
export async function connectClient(address: string): Promise<{ client: Client; close(): Promise<void> }> {
  const connection = await Connection.connect({ address });
  return { client: new Client({ connection, dataConverter: createDataConverter() }), close: () => connection.close() };
}

/** Starts one orderSync per account over the last `hours` (not waiting): what the account's schedule does each tick. */
export async function startOrderSyncs(
  client: Client,
  taskQueue: string,
  accounts: AccountSpec[],
  tag: string,
  hours = 72,
) {
  const since = new Date(Date.now() - hours * 3_600_000).toISOString();
  return Promise.all(
    accounts.map((a) =>
      client.workflow.start('orderSync', {
        taskQueue,
        workflowId: `order-sync:${a.id}:${tag}`,
        args: [{ accountId: a.id, since, advanceCursor: false }],
      }),
    ),
  ).then((handles) => ({
    handles,
    results: () => Promise.all(handles.map((h) => h.result() as Promise<OrderSyncResult>)),
  }));
}

/** Polls `check` every `everyMs` until it returns true or `timeoutMs` passes; returns whether it did. */
export async function waitUntil(check: () => Promise<boolean>, timeoutMs: number, everyMs = 500): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, everyMs));
  }
}

export async function countSaleOrders(db: Db): Promise<number> {
  const [{ n }] = await db('sale_orders').count({ n: '*' });
  return Number(n);
}

export function percentile(sorted: number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))];
}

export type Row = Record<string, string | number>;

/** A right-aligned text table, as docs/benchmarks.md shows them. */
export function formatTable(title: string, rows: Row[]): string {
  if (rows.length === 0) return `${title}\n(no rows)\n`;
  const columns = [...new Set(rows.flatMap((r) => Object.keys(r)))];
  const width = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c] ?? '').length)));
  const line = (cells: string[]) => cells.map((v, i) => v.padStart(width[i])).join('  ');
  return (
    [
      title,
      line(columns),
      line(width.map((w) => '-'.repeat(w))),
      ...rows.map((r) => line(columns.map((c) => String(r[c] ?? '')))),
    ].join('\n') + '\n'
  );
}

export const seconds = (ms: number) => (ms / 1000).toFixed(2);
export const log = (message: string) => process.stderr.write(`${new Date().toISOString().slice(11, 19)} ${message}\n`);
