import fs from 'fs';
import path from 'path';
import { Command } from 'commander';
import { Client, Connection } from '@temporalio/client';
import { ApplicationFailure } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import type { ActivityInterceptorsFactory } from '@temporalio/worker';
import * as failedCli from '../../cli/commands/failed';
import { listFailedRuns } from '../../cli/failed-runs';
import { loadConfig } from '../../lib/config';
import { orderWorkflowId } from '../../workflows/ids';
import { AMAZON_ORDER_ID, ORDER_STATE, SELLER_ACCOUNT } from '../../workflows/search-attributes';
import { ConnectorWorker, createConnectorWorker } from '../../workers/worker';
import { eventually, Harness, startHarness } from '../support/harness';

/**
 * Triage and replay against runs failed on purpose. Our own activities never fail a run for a missing account (that
 * error is retried), so the scenario is a worker with a deliberate bug: its importOrder throws a non-retryable
 * ApplicationFailure until the "fix is deployed" (a flag), exactly as a bad release would. A second run times out
 * on a task queue no worker polls.
 */
const US = 'ATVPDKIKX0DER';
const suffix = Date.now().toString(36);
const account = { id: `ops-${suffix}`, sellerId: 'A3OPSSELLER0001', region: 'na' as const, marketplaceIds: [US] };
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();
const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/orders', name), 'utf8'));
const orderIds = ['114-1000001-0000001', '114-1000002-0000002', '114-1000003-0000003'];
const BUG = 'TypeError: Cannot read properties of undefined (reading "amount") in the new tax mapping';

let bugDeployed = true;
const importBug: ActivityInterceptorsFactory = (ctx) => ({
  inbound: {
    async execute(input, next) {
      if (bugDeployed && ctx.info.activityType === 'importOrder')
        throw ApplicationFailure.create({ type: 'ImportBug', message: BUG, nonRetryable: true });
      return next(input);
    },
  },
});

/** `connector <args> --json` in-process; the JSON printed, or the one-line error. */
async function connector(...args: string[]): Promise<{ json: any; error?: string }> {
  const program = new Command('connector').option('--json').option('--verbose').exitOverride();
  failedCli.register(program);
  let stdout = '';
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((chunk: any) => ((stdout += String(chunk)), true));
  try {
    await program.parseAsync([...args, '--json'], { from: 'user' });
    return { json: JSON.parse(stdout) };
  } catch (err) {
    return { json: stdout ? JSON.parse(stdout) : undefined, error: (err as Error).message };
  } finally {
    out.mockRestore();
  }
}

describe('triage and replay of failed order runs', () => {
  let h: Harness;
  let buggy: ConnectorWorker;
  let buggyQueue: string;
  const savedEnv = { ...process.env };
  const ids = orderIds.map((id) => orderWorkflowId(account.id, id));
  const timedOutId = `order:${account.id}:114-1000009-0000009`;
  const scope = `SellerAccount='${account.id}'`;

  beforeAll(async () => {
    h = await startHarness({ accounts: [account], env: { PII_RETENTION: '2s' } });
    process.env.DATABASE_URL = h.testDb.url;
    process.env.TEMPORAL_ADDRESS = process.env.TEMPORAL_TEST_ADDRESS;
    buggyQueue = `${h.taskQueue}-buggy`;
    buggy = await createConnectorWorker({
      config: loadConfig({ ...process.env, PII_RETENTION: '2s' }),
      db: h.testDb.db,
      temporalAddress: process.env.TEMPORAL_TEST_ADDRESS!,
      taskQueue: buggyQueue,
      workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
      rateSpeedup: 0,
      workerOptions: { interceptors: { activity: [importBug] } },
    });
    void buggy.run();

    const orders = orderIds.map((orderId) => ({
      ...fixture('us-fba-no-pii.json'),
      orderId,
      createdTime: minutesAgo(60),
      lastUpdatedTime: minutesAgo(5),
    }));
    await h.admin.addOrders(account.sellerId, orders);
    // orderSync on the buggy worker's queue dispatches every order to that queue: each import hits the bug.
    await h.client.workflow.execute('orderSync', {
      taskQueue: buggyQueue,
      workflowId: `ops-sync-${suffix}`,
      args: [{ accountId: account.id, since: minutesAgo(24 * 60) }],
    });
    // A run that times out: nobody polls its queue.
    await h.client.workflow.start('order', {
      taskQueue: `${h.taskQueue}-nobody`,
      workflowId: timedOutId,
      workflowExecutionTimeout: '1s',
      args: [
        {
          accountId: account.id,
          header: {
            amazonOrderId: '114-1000009-0000009',
            marketplaceId: US,
            channel: 'FBA',
            amazonStatus: 'SHIPPED',
            lastUpdatedTime: minutesAgo(5),
          },
        },
      ],
      typedSearchAttributes: [
        { key: SELLER_ACCOUNT, value: account.id },
        { key: AMAZON_ORDER_ID, value: '114-1000009-0000009' },
        { key: ORDER_STATE, value: 'new' },
      ],
    });
    // An order waiting in needs_attention (a business error, not a failed run): flagged by the book.
    await h.testDb.db('sale_orders').insert({
      account_id: account.id,
      amazon_order_id: '114-1000010-0000010',
      marketplace_id: US,
      amazon_status: 'UNSHIPPED',
      state: 'needs_attention',
      attention_reason: 'Amazon rejected package 1 (tracking 1Z999): Invalid carrier code',
      attention_source: 'confirmation',
    });
  });

  afterAll(async () => {
    process.env = savedEnv;
    await buggy?.close();
    await h?.close();
  });

  it('`failed list` groups failed and timed-out runs by error type, with the decoded message of the newest', async () => {
    const { json } = await eventually(
      async () => {
        const result = await connector('failed', 'list', '--account', account.id);
        expect(result.json?.workflows.total).toBe(4);
        return result;
      },
      60_000,
      500,
    );
    const groups = Object.fromEntries(json.workflows.groups.map((g: any) => [g.errorType, g]));
    expect(groups.ImportBug).toMatchObject({
      count: 3,
      newest: { status: 'Failed', activityType: 'importOrder', message: BUG, account: account.id },
    });
    expect(ids).toContain(groups.ImportBug.newest.workflowId);
    expect(groups.WorkflowTimedOut).toMatchObject({ count: 1, newest: { workflowId: timedOutId, status: 'TimedOut' } });
    expect(json.workflows.messages).toMatch(/decoded/);
    expect(json.needsAttention).toMatchObject({
      total: 1,
      groups: [
        {
          source: 'confirmation',
          count: 1,
          newest: { amazonOrderId: '114-1000010-0000010', reason: expect.stringMatching(/Invalid carrier/) },
        },
      ],
    });
  });

  it('`failed list --limit N` reads at most N runs (the visibility loop is bounded)', async () => {
    const { json } = await connector('failed', 'list', '--account', account.id, '--limit', '2');
    expect(json.workflows.total).toBe(2);
  });

  it('failure messages are ciphertext in Temporal: without the payload key only the error type is readable', async () => {
    const connection = await Connection.connect({ address: process.env.TEMPORAL_TEST_ADDRESS! });
    try {
      const plain = new Client({ connection });
      const runs = await listFailedRuns(plain, { account: account.id });
      const bug = runs.find((r) => r.errorType === 'ImportBug');
      expect(bug).toBeDefined();
      expect(bug!.message === null || !bug!.message.includes('tax mapping')).toBe(true);
    } finally {
      await connection.close();
    }
  });

  it('a replay before the fix is deployed fails the same way; `failed list` shows the workflow once, with its newest run', async () => {
    const { json } = await connector('replay', ids[0]);
    await expect(h.client.workflow.getHandle(ids[0]).result()).rejects.toThrow();
    await eventually(async () => {
      const runs = (await listFailedRuns(h.client, { account: account.id })).filter((r) => r.workflowId === ids[0]);
      expect(runs.map((r) => r.runId)).toEqual([json.runId]);
    });
  });

  it('`replay <workflowId>` starts a failed run again from its original input once the fix is deployed, and it completes', async () => {
    bugDeployed = false;
    const { json, error } = await connector('replay', ids[0]);
    expect(error).toBeUndefined();
    expect(json).toMatchObject({ workflowId: ids[0], mode: 'restarted' });
    expect(json.runId).not.toBe(json.previousRunId);
    const result: any = await h.client.workflow.getHandle(ids[0]).result();
    expect(result).toMatchObject({ amazonOrderId: orderIds[0], phase: 'done', state: 'shipped' });
    const order = await h.testDb.db('sale_orders').where({ amazon_order_id: orderIds[0] }).first();
    expect(order).toMatchObject({ state: 'shipped', channel: 'FBA' });
    // The old run is superseded: it no longer counts as failed.
    const still = await listFailedRuns(h.client, { account: account.id });
    expect(still.map((r) => r.workflowId)).not.toContain(ids[0]);
  });

  it('`replay --reset` rewinds a failed run to the workflow task that scheduled the failed activity, so fixed code continues it', async () => {
    const { json, error } = await connector('replay', ids[1], '--reset');
    expect(error).toBeUndefined();
    expect(json).toMatchObject({ workflowId: ids[1], mode: 'reset' });
    const handle = h.client.workflow.getHandle(ids[1]);
    expect(await handle.result()).toMatchObject({ phase: 'done', state: 'shipped' });
    const history = await h.client.workflow.getHandle(ids[1], json.runId).fetchHistory();
    const resetTask = history.events!.find(
      (e) =>
        e.workflowTaskFailedEventAttributes?.cause ===
        temporal.api.enums.v1.WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_RESET_WORKFLOW,
    );
    expect(resetTask).toBeDefined();
    // The task that scheduled importOrder ran again: the new run kept nothing of the failure.
    expect(Number(resetTask!.eventId)).toBe(json.resetEventId);
    expect(history.events!.filter((e) => e.activityTaskFailedEventAttributes)).toEqual([]);
  });

  it('`replay --all-failed --dry-run` lists what would be replayed and changes nothing; without it, replays and sums up', async () => {
    const dry = await connector('replay', '--all-failed', '--query', scope, '--dry-run');
    expect(dry.json).toMatchObject({ dryRun: true, matched: 2 });
    expect(dry.json.runs.map((r: any) => r.workflowId).sort()).toEqual([ids[2], timedOutId].sort());
    expect((await h.client.workflow.getHandle(ids[2]).describe()).status.name).toBe('FAILED');

    const { json, error } = await connector(
      'replay',
      '--all-failed',
      '--query',
      `${scope} AND ExecutionStatus='Failed'`,
    );
    expect(error).toBeUndefined();
    expect(json).toMatchObject({ matched: 1, replayed: 1, mode: 'restarted', errors: [] });
    expect(json.runs[0].workflowId).toBe(ids[2]);
    expect(await h.client.workflow.getHandle(ids[2]).result()).toMatchObject({ phase: 'done' });
  });

  it('`replay` refuses a run that did not fail, with one clear line', async () => {
    const { error } = await connector('replay', ids[0]);
    expect(error).toBe(`${ids[0]} is completed: only failed or timed-out runs are replayed`);
    const unknown = await connector('replay', 'order:nobody:000');
    expect(unknown.error).toMatch(/^no workflow order:nobody:000/);
  });
});
