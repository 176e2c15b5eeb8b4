import { main } from '../../cli/main';
import { orderView } from '../../book/orders';
import { runCli } from '../support/cli';
import { eventually, Harness, startHarness } from '../support/harness';
import { fixture, minutesAgo, recentOrder, US } from '../support/orders';

/**
 * What a newcomer typing commands meets: bad flags are refused before anything runs, as one line naming the flag,
 * exit 2; answers say what happened in the seller's terms, not the code's.
 */
const account = { id: 'us-newcomer', sellerId: 'A4NEWCOMER0US', region: 'na' as const, marketplaceIds: [US] };
let h: Harness;
const savedEnv = { ...process.env };

beforeAll(async () => {
  h = await startHarness({ accounts: [account] });
  Object.assign(process.env, {
    DATABASE_URL: h.testDb.url,
    TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
    TEMPORAL_TASK_QUEUE: h.taskQueue,
  });
});
afterAll(async () => {
  process.env = savedEnv;
  await h?.close();
});

/** `connector <args>` through main(), as bin/connector.js runs it: what a user sees, and the exit code. */
async function connector(...args: string[]) {
  let stderr = '';
  let stdout = '';
  const err = jest.spyOn(process.stderr, 'write').mockImplementation((c: any) => ((stderr += String(c)), true));
  const out = jest.spyOn(process.stdout, 'write').mockImplementation((c: any) => ((stdout += String(c)), true));
  const saved = process.exitCode;
  process.exitCode = 0;
  try {
    await main(['node', 'connector', ...args]);
    return { stderr, stdout, exitCode: process.exitCode };
  } finally {
    process.exitCode = saved;
    err.mockRestore();
    out.mockRestore();
  }
}

describe('flags are checked before anything runs', () => {
  it.each([
    [['orders', 'list', '--limit', 'abc'], '--limit'],
    [['orders', 'list', '--limit', '-5'], '--limit'],
    [['failed', 'list', '--limit', 'abc'], '--limit'],
    [['offers', 'list', '--limit', '0'], '--limit'],
    [['deliveries', 'edit', '113-0000000-0000000', '--package', 'abc', '--tracking', 'X'], '--package'],
    [['orders', 'list', '--state', 'bogus'], '--state'],
    [['sync', 'stock', '--account', account.id, '--patch-threshold', 'ten'], '--patch-threshold'],
  ])('%j: one line naming %s, exit 2, no SQL', async (args, flag) => {
    const { stderr, stdout, exitCode } = await connector(...args);
    expect(exitCode).toBe(2);
    expect(stderr).toContain(flag);
    expect(stderr.trim().split('\n').length).toBeLessThanOrEqual(2); // the error, and "(add --help for the usage)"
    expect(stderr + stdout).not.toMatch(/select|insert|knex|NaN/i);
  });

  it('a missing required option is one line, not the whole help page', async () => {
    const { stderr, exitCode } = await connector('ship', '113-0000000-0000000', '--tracking', '1Z');
    expect(exitCode).toBe(2);
    expect(stderr.trim().split('\n')).toEqual([
      "error: required option '--carrier <carrier>' not specified",
      '(add --help for the usage)',
    ]);
  });

  it('sync orders and orders list say what they do in --help', async () => {
    expect((await connector('sync', '--help')).stdout).toMatch(
      /orders \[options\]\s+search the account's orders updated/,
    );
    expect((await connector('orders', '--help')).stdout).toMatch(/list \[options\]\s+the orders in the book/);
  });
});

describe('answers in the seller’s terms', () => {
  let orderId: string;

  beforeAll(async () => {
    orderId = `114-0000001-${String(Date.now()).slice(-7)}`;
    await h.admin.addOrders(account.sellerId, [
      recentOrder(fixture('us-fbm-gift-promotions.json'), orderId, { shipWithinHours: 30 }),
    ]);
    await h.client.workflow.execute('orderSync', {
      taskQueue: h.taskQueue,
      workflowId: `sync-${orderId}`,
      args: [{ accountId: account.id, since: minutesAgo(8) }],
    });
    await eventually(async () =>
      expect((await orderView(h.testDb.db, { amazonOrderId: orderId }))?.deliveries[0]?.state).toBe('open'),
    );
  });

  it('orders list shows the latest ship date of an open FBM order, not a flag', async () => {
    const run = await runCli(['orders', 'list']);
    const view = (await orderView(h.testDb.db, { amazonOrderId: orderId }))!;
    const row = run.stdout.split('\n').find((l) => l.startsWith(orderId))!;
    expect(row).toContain(view.latestShipDate!.slice(0, 16).replace('T', ' '));
    expect(run.stdout.split('\n')[0]).toMatch(/shipBy/);
  });

  it('orders retry on an order that is not flagged says so and sends nothing', async () => {
    const run = await runCli(['orders', 'retry', orderId]);
    expect(run.error).toBe(
      `${orderId} is confirmed, not waiting in needs_attention: retry is for an order flagged with a reason (see \`connector failed list\`)`,
    );
  });

  it('ship --items with a SKU the order does not have says so, naming its SKUs', async () => {
    const run = await runCli(['ship', orderId, '--carrier', 'UPS', '--tracking', '1Z1', '--items', 'NOPE:1']);
    expect(run.error).toBe(
      `--items NOPE: this SKU is not on order ${orderId} (its SKUs: MUG-CER-12OZ-BLU, COASTER-SLATE-4PK)`,
    );
  });

  it('a carrier Amazon does not know is sent as Other with a warning naming the closest code', async () => {
    const run = await runCli([
      'ship',
      orderId,
      '--carrier',
      'UPSS',
      '--tracking',
      '1Z2',
      '--items',
      'COASTER-SLATE-4PK:1',
    ]);
    expect(run.error).toBeUndefined();
    expect(run.stderr).toContain(`carrier "UPSS" is not one of Amazon's carrier codes`);
    expect(run.stderr).toContain('did you mean UPS?');
  });

  it('sync stock --wait with nothing changed says Amazon already has the quantities', async () => {
    const run = await runCli(['sync', 'stock', '--account', account.id, '--wait']);
    expect(run.error).toBeUndefined();
    expect(run.stdout).toContain('nothing to send: Amazon already has every FBM quantity of this account');
  });
});
