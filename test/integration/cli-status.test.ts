import fs from 'fs';
import os from 'os';
import path from 'path';
import { orderView } from '../../book/orders';
import { firstSync } from '../../cli/first-sync';
import { loadConfig } from '../../lib/config';
import { writeRuntime } from '../../lib/runtime';
import { runCli } from '../support/cli';
import { eventually, Harness, startHarness } from '../support/harness';
import { fixture, recentOrder, US } from '../support/orders';

/**
 * What a newcomer asks of a running connector: `connector status` (what runs where, the last syncs, what waits for a
 * person, when the app's secret expires), and a restart of `connector start` that announces only what it imported.
 */
const account = { id: 'status-us', sellerId: 'A8STATUSSELLER1', region: 'na' as const, marketplaceIds: [US] };
const CLIENT_ID = `amzn1.application-oa2-client.${account.id}`;
let h: Harness;
let orders = 0;
const savedEnv = { ...process.env };
const dataDir = fs.mkdtempSync(path.join(os.tmpdir(), 'connector-status-'));

async function newOrders(count: number, name = 'us-fbm-gift-promotions.json'): Promise<string[]> {
  const list = Array.from({ length: count }, () =>
    recentOrder(fixture(name), `113-75${String(++orders).padStart(5, '0')}-0000001`),
  );
  await h.admin.addOrders(account.sellerId, list);
  return list.map((o) => o.orderId);
}

/** firstSync as `connector start` runs it after start-up, its lines captured. */
async function startUpSync(): Promise<string[]> {
  const lines: string[] = [];
  await firstSync({ client: h.client, db: h.testDb.db, taskQueue: h.taskQueue, say: (l) => lines.push(l) });
  return lines.filter((l) => l !== '');
}

beforeAll(async () => {
  h = await startHarness({ accounts: [account] });
  Object.assign(process.env, {
    DATABASE_URL: h.testDb.url,
    TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
    TEMPORAL_TASK_QUEUE: h.taskQueue,
    CONNECTOR_DATA_DIR: dataDir,
  });
});

afterAll(async () => {
  process.env = savedEnv;
  await h?.close();
  fs.rmSync(dataDir, { recursive: true, force: true });
});

describe('connector start, started again', () => {
  it('announces the orders this run imported, and only counts those an earlier run imported', async () => {
    const [first, second] = await newOrders(2);
    const run1 = await startUpSync();
    const announced = run1.filter((l) => l.startsWith('imported ')).map((l) => l.split(/\s+/)[1]);
    expect(announced.sort()).toEqual([first, second].sort());
    expect(run1.at(-1)).toBe(
      '2 orders in the book: 2 imported now, 0 already in the book (0 pending on Amazon, waiting).',
    );

    const [third] = await newOrders(1);
    const run2 = await startUpSync();
    expect(run2.filter((l) => l.startsWith('imported '))).toEqual([
      expect.stringMatching(new RegExp(`^imported ${third} `)),
    ]);
    expect(run2.at(-1)).toBe(
      '3 orders in the book: 1 imported now, 2 already in the book (0 pending on Amazon, waiting).',
    );

    const run3 = await startUpSync();
    expect(run3).toEqual([
      '3 orders in the book: 0 imported now, 3 already in the book (0 pending on Amazon, waiting).',
    ]);
  });
});

describe('connector status', () => {
  beforeAll(async () => {
    // A running `connector start` as other commands find it: its runtime file, naming a live process.
    writeRuntime(loadConfig(), {
      databaseUrl: h.testDb.url,
      temporalAddress: process.env.TEMPORAL_TEST_ADDRESS,
      uiUrl: 'http://127.0.0.1:8233',
      codecUrl: 'http://127.0.0.1:8888',
      metricsUrl: 'http://127.0.0.1:9464/metrics',
      sandboxUrl: h.sandbox.url,
    });
    const [malformed] = await newOrders(1, 'malformed-three-decimals.json');
    await h.client.workflow.execute('orderSync', {
      taskQueue: h.taskQueue,
      workflowId: `status-sync-${Date.now()}`,
      args: [{ accountId: account.id }],
    });
    await eventually(async () =>
      expect((await orderView(h.testDb.db, { amazonOrderId: malformed }))?.state).toBe('needs_attention'),
    );
    await h.client.workflow.execute('stockSync', {
      taskQueue: h.taskQueue,
      workflowId: `status-stock-${Date.now()}`,
      args: [{ accountId: account.id, reason: 'manual' }],
    });
  });

  it('--json: what runs where, the workers, each account’s last syncs, needs_attention orders, secret expiries', async () => {
    const { json, error } = await runCli(['--json', 'status']);
    expect(error).toBeUndefined();
    expect(json.start).toEqual({
      pid: process.pid,
      runtimeFile: path.join(dataDir, 'runtime.json'),
      uiUrl: 'http://127.0.0.1:8233/namespaces/default/workflows',
      codecUrl: 'http://127.0.0.1:8888',
      metricsUrl: 'http://127.0.0.1:9464/metrics',
      sandboxUrl: h.sandbox.url,
    });
    expect(json.database).toEqual({ url: h.testDb.url, status: 'ok' });
    expect(json.temporal).toMatchObject({
      address: process.env.TEMPORAL_TEST_ADDRESS,
      status: 'ok',
      taskQueue: h.taskQueue,
    });
    expect(json.temporal.workers).toEqual([expect.objectContaining({ identity: expect.stringMatching(/^\d+@/) })]);
    const cursor = (await h.testDb.db('seller_accounts').where({ id: account.id }).first('order_cursor')).order_cursor;
    expect(json.accounts).toEqual([
      {
        account: account.id,
        enabled: true,
        ordersSyncedUpTo: cursor.toISOString(),
        stockSync: expect.objectContaining({
          status: expect.any(String),
          reason: 'manual',
          finishedAt: expect.any(String),
        }),
        fbaStockSync: null,
      },
    ]);
    expect(json.needsAttention).toEqual({
      count: 1,
      newest: [
        expect.objectContaining({
          account: account.id,
          source: 'import',
          reason: expect.stringMatching(/^malformed order/),
        }),
      ],
    });
    expect(json.appSecrets).toEqual([
      expect.objectContaining({ clientId: CLIENT_ID, accounts: [account.id], status: 'ok', expiryAssumed: true }),
    ]);
  });

  it('in words: one block each, with the fix for what waits', async () => {
    const { stdout } = await runCli(['status']);
    expect(stdout).toMatch(new RegExp(`^connector start: running \\(pid ${process.pid}, `));
    expect(stdout).toMatch(/\n {2}Temporal UI {5}http:\/\/127\.0\.0\.1:8233\/namespaces\/default\/workflows\n/);
    expect(stdout).toMatch(/\n {2}Temporal {8}\S+ {2}ok; 1 worker\(s\) on task queue /);
    expect(stdout).toMatch(new RegExp(`\\n {2}${account.id} +\\d{4}-\\d{2}-\\d{2} \\d{2}:\\d{2}Z \\(\\d+ min ago\\)`));
    expect(stdout).toMatch(
      /\nOrders in needs_attention: 1\n {2}113-\d{7}-0000001 \(status-us\) import since .*: malformed order/,
    );
    expect(stdout).toContain('`connector orders retry <amazonOrderId>`');
    expect(stdout).toMatch(
      new RegExp(
        `\\nLWA client secrets\\n {2}${CLIENT_ID} {2}expires \\d{4}-\\d{2}-\\d{2} \\(in 90 day\\(s\\), assumed\\) {2}\\(${account.id}\\)`,
      ),
    );
  });

  it('without a running start and with an unreachable database, it says so in one line per part and exits 1', async () => {
    fs.rmSync(path.join(dataDir, 'runtime.json'));
    const { stdout, exitCode } = await runCli(['status'], {
      DATABASE_URL: 'postgres://connector:hunter2@127.0.0.1:1/none',
    });
    expect(exitCode).toBe(1);
    expect(stdout).toMatch(/(^|\n)connector start: not running here/);
    expect(stdout).toMatch(/\n {2}PostgreSQL {6}postgres:\/\/connector:\*\*\*@127\.0\.0\.1:1\/none {2}unavailable: /);
    expect(stdout).not.toContain('hunter2');
  });
});
