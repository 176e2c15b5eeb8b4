import fs from 'fs';
import path from 'path';
import type { Client } from '@temporalio/client';
import { createDb, Db, migrateLatest } from '../../../db';
import { startSandbox, RunningSandbox } from '../../../sandbox';
import { SandboxAdmin, GenerateSpec, OrderJson } from '../../../sandbox/admin-client';
import type { FaultConfig } from '../../../sandbox/faults';
import {
  AccountSpec,
  connectClient,
  createAccounts,
  credentialsOf,
  startOrderSyncs,
} from '../../../bench/support/connector';
import { ChildHandle, startWorkerChild } from '../../../bench/support/processes';
import { createTestDatabase } from '../../support/db';
import { TEST_SECRET_KEY } from '../../support/harness';
import { ExpectedOrder, Outcome, outcomeOf, settled } from './outcome';

/** `npm run faults` sets FAULTS_FULL=1: the sizes. `npm test` runs the reduced ones. */
export const FULL = process.env.FAULTS_FULL === '1';
export const size = (reduced: number, full: number): number => (FULL ? full : reduced);

export interface ScenarioOptions {
  name: string;
  accounts: AccountSpec[];
  /** Default: a database cloned from the run's template on the shared PostgreSQL. */
  database?: { url: string };
  /** Default: the run's dev server (TEMPORAL_TEST_ADDRESS). */
  temporalAddress?: string;
  faults?: FaultConfig;
}

/** Everything one fault scenario needs, the worker in a child process it may kill. */
export interface Scenario {
  name: string;
  db: Db;
  admin: SandboxAdmin;
  client: Client;
  taskQueue: string;
  accounts: AccountSpec[];
  truth: ExpectedOrder[];
  /** Buyer names and street lines of every order, and every credential: what R6 must never find in clear. */
  secrets: { pii: Set<string>; credentials: Set<string> };
  logFiles: string[];
  temporalAddress: string;
  worker(): ChildHandle | undefined;
  startWorker(): Promise<ChildHandle>;
  /** kill -9: no drain, no goodbye; Temporal finds out by timeouts. */
  killWorker(): Promise<void>;
  generate(account: AccountSpec, spec: GenerateSpec): Promise<void>;
  addOrders(
    account: AccountSpec,
    orders: Array<
      { order: OrderJson } & Omit<
        ExpectedOrder,
        'accountId' | 'amazonOrderId' | 'channel' | 'status' | 'grandTotal' | 'items'
      > &
        Partial<ExpectedOrder>
    >,
  ): Promise<void>;
  /** One orderSync per account over the last 72 hours. */
  sync(): Promise<void>;
  /** Polls the book until every expected order has ended (or the time is up); the DB may be down meanwhile. */
  settle(timeoutMs: number, options?: { keepWorkerAlive?: boolean }): Promise<Outcome>;
  /** Waits until the book holds at least `n` orders: the moment to strike "mid-import". */
  settleAtLeast(n: number, timeoutMs?: number): Promise<void>;
  close(): Promise<void>;
}

let counter = 0;

function piiOf(order: any): string[] {
  const a = order?.recipient?.deliveryAddress ?? {};
  return [order?.buyer?.buyerName, a.name, a.addressLine1, a.addressLine2, a.addressLine3].filter(
    (s): s is string => typeof s === 'string' && s.trim().length >= 6,
  );
}

export async function openScenario(options: ScenarioOptions): Promise<Scenario> {
  process.env.CONNECTOR_SECRET_KEY = TEST_SECRET_KEY;
  const runDir = path.join(process.env.CONNECTOR_TEST_RUN_DIR!, 'faults');
  fs.mkdirSync(runDir, { recursive: true });
  const own = options.database;
  const testDb = own ? undefined : await createTestDatabase();
  const db = own ? createDb(own.url, { max: 5 }) : testDb!.db;
  if (own) await migrateLatest(db);
  const databaseUrl = own ? own.url : testDb!.url;
  const sandbox: RunningSandbox = await startSandbox({ port: 0, rateLimits: 'off', seed: 7, faults: options.faults });
  const admin = new SandboxAdmin(sandbox.url);
  await createAccounts(db, admin, sandbox.url, options.accounts);
  const temporalAddress = options.temporalAddress ?? process.env.TEMPORAL_TEST_ADDRESS!;
  const { client, close: closeClient } = await connectClient(temporalAddress);
  const taskQueue = `faults-${options.name}-${process.pid}-${counter++}`;
  let worker: ChildHandle | undefined;
  const s: Scenario = {
    name: options.name,
    db,
    admin,
    client,
    taskQueue,
    accounts: options.accounts,
    truth: [],
    secrets: {
      pii: new Set(),
      credentials: new Set([
        TEST_SECRET_KEY,
        ...options.accounts.flatMap((a) => [credentialsOf(a).clientSecret, credentialsOf(a).refreshToken]),
      ]),
    },
    logFiles: [],
    temporalAddress,
    worker: () => worker,
    async startWorker() {
      const logFile = path.join(runDir, `${options.name}-worker-${s.logFiles.length + 1}.log`);
      s.logFiles.push(logFile);
      worker = await startWorkerChild(
        {
          databaseUrl,
          temporalAddress,
          taskQueue,
          secretKey: TEST_SECRET_KEY,
          bundlePath: process.env.TEST_WORKFLOW_BUNDLE!,
          logLevel: 'info',
        },
        logFile,
      );
      return worker;
    },
    async killWorker() {
      if (!worker?.alive()) return;
      worker.child.kill('SIGKILL');
      await worker.exited;
    },
    async generate(account, spec) {
      const { orderIds } = await admin.generateOrders(account.sellerId, { pendingShare: 0, ...spec });
      for (const id of orderIds) {
        const stored: any = await admin.getOrder(id);
        const order = stored.order ?? stored;
        s.truth.push({
          accountId: account.id,
          amazonOrderId: id,
          channel: order.fulfillment.fulfilledBy === 'AMAZON' ? 'FBA' : 'FBM',
          status: order.fulfillment.fulfillmentStatus,
          grandTotal: order.proceeds?.grandTotal?.amount ?? null,
          items: order.orderItems.length,
          expect: 'imported',
        });
        piiOf(order).forEach((p) => s.secrets.pii.add(p));
      }
    },
    async addOrders(account, cases) {
      await admin.addOrders(
        account.sellerId,
        cases.map((c) => c.order),
      );
      for (const c of cases) {
        const o: any = c.order;
        s.truth.push({
          accountId: account.id,
          amazonOrderId: o.orderId,
          channel: o?.fulfillment?.fulfilledBy === 'AMAZON' ? 'FBA' : 'FBM',
          status: o?.fulfillment?.fulfillmentStatus ?? 'UNKNOWN',
          grandTotal: o?.proceeds?.grandTotal?.amount ?? null,
          items: Array.isArray(o?.orderItems) ? o.orderItems.length : 0,
          ...c,
        });
        piiOf(o).forEach((p) => s.secrets.pii.add(p));
      }
    },
    async sync() {
      await startOrderSyncs(client, taskQueue, options.accounts, `${options.name}-${Date.now()}`);
    },
    async settleAtLeast(n, timeoutMs = 5 * 60_000) {
      const deadline = Date.now() + timeoutMs;
      while (Date.now() < deadline) {
        const [{ c }] = await db('sale_orders').count({ c: '*' });
        if (Number(c) >= n) return;
        await new Promise((r) => setTimeout(r, 200));
      }
      throw new Error(`${options.name}: fewer than ${n} orders imported after ${timeoutMs / 1000} s`);
    },
    async settle(timeoutMs, opts = {}) {
      const deadline = Date.now() + timeoutMs;
      let last: Outcome | undefined;
      for (;;) {
        // A worker whose server went away may give up (R3): the supervisor starts another, as systemd would.
        if (opts.keepWorkerAlive && worker && !worker.alive()) await s.startWorker().catch(() => undefined);
        try {
          last = await outcomeOf(db, s.truth);
          if (settled(last)) return last;
        } catch {
          // the database is down (R2): ask again
        }
        if (Date.now() > deadline) return last ?? outcomeOf(db, s.truth);
        await new Promise((r) => setTimeout(r, 1000));
      }
    },
    async close() {
      await worker?.stop(5000);
      await closeClient();
      await sandbox.close();
      if (testDb) await testDb.drop();
      else await db.destroy();
    },
  };
  return s;
}
