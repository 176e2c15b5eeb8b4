import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, Runtime, WorkerOptions } from '@temporalio/worker';
import { startSandbox, RunningSandbox, SandboxOptions } from '../../sandbox';
import { SandboxAdmin } from '../../sandbox/admin-client';
import { saveAccount } from '../../book/accounts';
import { loadConfig } from '../../lib/config';
import type { Logger } from '../../lib/logger';
import { keyringFromEnv } from '../../lib/secrets';
import { createDataConverter } from '../../lib/payload-codec';
import { createConnectorWorker, ConnectorWorker, ConnectorWorkerDeps } from '../../workers/worker';
import { orderWorkflowId } from '../../workflows/ids';
import { stateQuery } from '../../workflows/order';
import { createTestDatabase, TestDatabase } from './db';

export const TEST_SECRET_KEY = '4f'.repeat(32);

let installed = false;
/** The Temporal native runtime would keep jest alive on its own signal handlers: we shut workers down ourselves. */
function installRuntime() {
  if (installed) return;
  installed = true;
  try {
    Runtime.install({ shutdownSignals: [], logger: new DefaultLogger('WARN') });
  } catch {
    // already installed by an earlier test file in this worker process
  }
}

export interface TestAccount {
  id: string;
  sellerId: string;
  region: 'na' | 'eu';
  marketplaceIds: string[];
}

export interface Harness {
  testDb: TestDatabase;
  sandbox: RunningSandbox;
  admin: SandboxAdmin;
  connector: ConnectorWorker;
  client: Client;
  taskQueue: string;
  accounts: TestAccount[];
  /**
   * Stops the worker (in-flight activities are abandoned after the grace time) and starts a new one on the same queue;
   * `whileStopped` runs in between, when no worker polls.
   */
  restartWorker(whileStopped?: () => Promise<void>): Promise<void>;
  close(): Promise<void>;
}

let queueCounter = 0;

/**
 * Everything real, nothing shared with other test files: a fresh database, a sandbox on a random port, sandbox sellers
 * with matching connector accounts, and a worker on its own task queue against the run's Temporal server.
 */
export async function startHarness(options: {
  accounts: TestAccount[];
  sandbox?: SandboxOptions;
  env?: Record<string, string>;
  piiAccess?: boolean;
  /** The worker's logger, for tests that read its lines; the root logger otherwise. */
  logger?: Logger;
  /** Worker options over the test defaults (e.g. maxConcurrentActivityTaskExecutions). */
  workerOptions?: Partial<WorkerOptions>;
  /** Options of the worker's SQS notification consumer (a short refresh and long poll in tests). */
  notifications?: ConnectorWorkerDeps['notifications'];
}): Promise<Harness> {
  installRuntime();
  process.env.CONNECTOR_SECRET_KEY = TEST_SECRET_KEY;
  const testDb = await createTestDatabase();
  const sandbox = await startSandbox({ port: 0, rateLimits: 'off', ...options.sandbox });
  const admin = new SandboxAdmin(sandbox.url);
  const keyring = keyringFromEnv();
  for (const a of options.accounts) {
    const credentials = {
      clientId: `amzn1.application-oa2-client.${a.id}`,
      clientSecret: `secret-${a.id}`,
      refreshToken: `Atzr|refresh-${a.id}`,
    };
    await admin.createSeller({
      sellerId: a.sellerId,
      marketplaceIds: a.marketplaceIds,
      piiAccess: options.piiAccess ?? true,
      ...credentials,
    });
    await saveAccount(testDb.db, {
      keyring,
      account: { id: a.id, sellerId: a.sellerId, region: a.region, endpoint: sandbox.url, ...credentials },
      marketplaces: a.marketplaceIds.map((marketplaceId) => ({ marketplaceId, participating: true, enabled: true })),
    });
  }
  const taskQueue = `test-${process.pid}-${Date.now().toString(36)}-${queueCounter++}`;
  const config = loadConfig({ ...process.env, ...options.env });
  const newWorker = async () => {
    const worker = await createConnectorWorker({
      config,
      db: testDb.db,
      temporalAddress: process.env.TEMPORAL_TEST_ADDRESS!,
      taskQueue,
      workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
      rateSpeedup: 0,
      logger: options.logger,
      notifications: options.notifications,
      workerOptions: { shutdownGraceTime: '1 second', shutdownForceTime: '5 seconds', ...options.workerOptions },
    });
    void worker.run();
    return worker;
  };
  // The test's own client: it outlives worker restarts.
  const connection = await Connection.connect({ address: process.env.TEMPORAL_TEST_ADDRESS! });
  const harness: Harness = {
    testDb,
    sandbox,
    admin,
    connector: await newWorker(),
    client: new Client({ connection, dataConverter: createDataConverter() }),
    taskQueue,
    accounts: options.accounts,
    async restartWorker(whileStopped) {
      await harness.connector.close();
      await whileStopped?.();
      harness.connector = await newWorker();
    },
    async close() {
      await harness.connector.close();
      await connection.close();
      await sandbox.close();
      await testDb.drop();
    },
  };
  return harness;
}

/** Polls until the check passes or the time is up; the last failure is rethrown so the assertion says what differed. */
export async function eventually<T>(check: () => Promise<T>, timeoutMs = 30_000, intervalMs = 200): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      return await check();
    } catch (err) {
      if (Date.now() > deadline) throw err;
      await new Promise((r) => setTimeout(r, intervalMs));
    }
  }
}

/**
 * Resolves once each order's workflow has handled every signal sent to it so far and waits with nothing left to do
 * (a query sees every signal accepted before it). A "nothing changed" check starts from here, not after a sleep.
 */
export async function ordersIdle(client: Client, accountId: string, amazonOrderIds: string[], timeoutMs = 120_000) {
  let busy = [...amazonOrderIds];
  await eventually(
    async () => {
      const stillBusy: string[] = [];
      for (let i = 0; i < busy.length; i += 25) {
        const states = await Promise.all(
          busy.slice(i, i + 25).map(async (id) => {
            const state = await client.workflow.getHandle(orderWorkflowId(accountId, id)).query(stateQuery);
            return state.idle ? undefined : id;
          }),
        );
        stillBusy.push(...states.filter((id): id is string => id !== undefined));
      }
      busy = stillBusy;
      expect({ busyOrderWorkflows: busy }).toEqual({ busyOrderWorkflows: [] });
    },
    timeoutMs,
    100,
  );
}
