import fs from 'fs';
import os from 'os';
import path from 'path';
import { runCli } from '../support/cli';
import { eventually, Harness, startHarness } from '../support/harness';
import { DE, delivery } from '../fixtures/stock/book';

const ACCOUNT = { id: 'demo-eu', sellerId: 'A4CLISELLER001', region: 'eu' as const, marketplaceIds: [DE] };
const FIXTURE = path.join(__dirname, '../fixtures/stock/products-with-errors.csv');
let h: Harness;
const savedEnv = { ...process.env };

beforeAll(async () => {
  h = await startHarness({
    accounts: [ACCOUNT],
    sandbox: { feedQueueMs: 100, feedProcessingMs: 100, listingApplyDelayMs: 20 },
    env: { FEED_POLL_INTERVAL: '200ms' },
  });
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

const cli = (...args: string[]) => runCli(args);

describe('connector products, stock, offers, sync stock', () => {
  it('imports the valid rows of a CSV and lists each bad row with its line number, exiting 1', async () => {
    const run = await cli('products', 'import', FIXTURE);
    expect(run.error).toBeUndefined();
    expect(run.exitCode).toBe(1);
    expect(run.stdout).toContain('3 products imported (3 new, 0 updated, 2 stock adjustments), 5 rows refused');
    expect(run.stdout).toContain('line 3: SKU is missing');
    expect(run.stdout).toContain('line 7: duplicate SKU MUG-001: already on line 2');
    const list = await cli('--json', 'products', 'list', '--search', 'MUG');
    expect(list.json).toEqual([
      { sku: 'MUG-001', name: 'Enamel mug', description: 'Blue, 350 ml', price: '12.5', onHand: 40 },
    ]);
  });

  it('refuses stock set of an unknown SKU or a bad quantity with one clear message', async () => {
    expect((await cli('stock', 'set', 'NOPE-1', '5')).error).toBe(
      'no product with SKU NOPE-1: add it with `connector products add NOPE-1 --name ...` or import a CSV',
    );
    expect((await cli('stock', 'set', 'MUG-001', 'five')).error).toBe(
      'quantity "five" must be a whole number of 0 or more',
    );
    expect((await cli('stock', 'set', 'MUG-001', '3', '--location', 'NOWHERE')).error).toMatch(
      /^no stock location NOWHERE: use one of .*WH/,
    );
    expect((await cli('stock', 'drift', '--account', 'nobody')).error).toMatch(/--account nobody: no such account/);
  });

  it('as a new user: stock set, then sync stock --wait puts on hand − open reservations on the listing, and a second run sends nothing', async () => {
    await h.admin.putListing(ACCOUNT.sellerId, 'KETTLE-006', {
      marketplaceId: DE,
      productType: 'KITCHEN',
      quantity: 0,
    });
    const set = await cli('--json', 'stock', 'set', 'KETTLE-006', '42', '--no-sync');
    expect(set.json).toMatchObject({ sku: 'KETTLE-006', before: 12, onHand: 42 });
    const productId = (await h.testDb.db('products').where({ sku: 'KETTLE-006' }).first('id')).id;
    await delivery(h.testDb.db, ACCOUNT.id, productId, 'KETTLE-006', 2, 'open');

    const first = await cli('--json', 'sync', 'stock', '--account', ACCOUNT.id, '--wait');
    expect(first.error).toBeUndefined();
    expect(first.json).toMatchObject({ status: 'done', discovered: 1, sent: 1, accepted: 1 });
    // 42 on hand − 2 reserved by the open delivery; patchListingsItem applies shortly after ACCEPTED.
    await eventually(async () => expect((await h.admin.getListing(ACCOUNT.sellerId, 'KETTLE-006'))?.quantity).toBe(40));

    const second = await cli('sync', 'stock', '--account', ACCOUNT.id, '--wait');
    expect(second.stdout.trim()).toBe(
      'nothing to send: Amazon already has every FBM quantity of this account (a sync after the last stock change sent it)',
    );

    const show = await cli('--json', 'stock', 'show', 'KETTLE-006');
    expect(show.json).toMatchObject({
      onHand: [{ location: 'WH', quantity: 42 }],
      reservedByOpenDeliveries: 2,
      offers: [
        {
          account: ACCOUNT.id,
          marketplace: 'DE',
          sellerSku: 'KETTLE-006',
          channel: 'FBM',
          toSend: 40,
          lastSent: 40,
          lastError: null,
        },
      ],
    });
  });

  it('shows a product with its price, stock and offers', async () => {
    const run = await cli('--json', 'products', 'show', 'KETTLE-006');
    expect(run.json).toMatchObject({
      sku: 'KETTLE-006',
      name: 'Kettle',
      description: 'Stovetop',
      price: '45',
      onHand: [{ location: 'WH', quantity: 42 }],
    });
    expect((await cli('products', 'show', 'NOPE-2')).error).toMatch(/^no product with SKU NOPE-2/);
  });

  it('shows offers Amazon refused with its message', async () => {
    await h.testDb
      .db('offers')
      .where({ account_id: ACCOUNT.id, seller_sku: 'KETTLE-006' })
      .update({ last_error: "The SKU 'KETTLE-006' is fulfilled by Amazon" });
    const run = await cli('--json', 'offers', 'list', '--errors');
    expect(run.json).toEqual([
      expect.objectContaining({ sellerSku: 'KETTLE-006', lastError: "The SKU 'KETTLE-006' is fulfilled by Amazon" }),
    ]);
    expect((await cli('offers', 'list', '--channel', 'MFN')).error).toBe('--channel MFN: use FBM or FBA');
  });

  it('asks a debounced stock sync of the accounts selling a product when its stock is set', async () => {
    const run = await cli('--json', 'stock', 'set', 'KETTLE-006', '41');
    expect(run.json.syncRequested).toEqual([ACCOUNT.id]);
    const workflows = h.client.workflow.list({ query: `WorkflowId STARTS_WITH "stock-sync:${ACCOUNT.id}:changes:"` });
    const ids: string[] = [];
    for await (const w of workflows) ids.push(w.workflowId);
    expect(ids).toHaveLength(1);
    // Its start is delayed to the end of the minute: cancel it, the test's worker stops before then.
    await h.client.workflow.getHandle(ids[0]).terminate('test over');
  });

  it('stock import takes a CSV all or nothing: every bad row listed by its line and nothing written, then all rows with a stock sync', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'stock-import-'));
    const onHand = async (sku: string) => (await cli('--json', 'stock', 'show', sku)).json.onHand;
    const before = [await onHand('MUG-001'), await onHand('KETTLE-006')];
    const bad = path.join(dir, 'bad.csv');
    fs.writeFileSync(bad, 'sku,quantity,location\nMUG-001,30\nNOPE-9,4\nSPOON-005,x\nKETTLE-006,7,NOWHERE\n');
    const refused = await cli('stock', 'import', bad);
    expect(refused.exitCode).toBe(1);
    expect(refused.stdout.trim().split('\n')).toEqual([
      `${bad}: 3 of 4 rows refused, nothing was written`,
      '  line 3: no product with SKU NOPE-9: add it with `connector products add NOPE-9 --name ...` or import a CSV',
      '  line 4: SKU SPOON-005: quantity "x" must be a whole number of 0 or more',
      expect.stringMatching(/^ {2}line 5: no stock location NOWHERE: use one of .*WH/),
    ]);
    expect([await onHand('MUG-001'), await onHand('KETTLE-006')]).toEqual(before);

    const good = path.join(dir, 'counted.csv');
    fs.writeFileSync(good, 'SKU,Quantity\nMUG-001,30\nKETTLE-006,39\n');
    const run = await cli('--json', 'stock', 'import', good);
    expect(run.error).toBeUndefined();
    expect(run.json).toMatchObject({ written: true, rows: 2, changed: 2, stockSyncRequested: [ACCOUNT.id] });
    expect([await onHand('MUG-001'), await onHand('KETTLE-006')]).toEqual([
      [{ location: 'WH', quantity: 30 }],
      [{ location: 'WH', quantity: 39 }],
    ]);
    // The moves of PUT /v1/stock's path, named after the file.
    expect(await h.testDb.db('stock_moves').where({ origin: 'stock import (counted.csv)' }).count('* as n')).toEqual([
      { n: '2' },
    ]);
    const running = h.client.workflow.list({
      query: `WorkflowId STARTS_WITH "stock-sync:${ACCOUNT.id}:changes:" AND ExecutionStatus = "Running"`,
    });
    for await (const w of running) await h.client.workflow.getHandle(w.workflowId).terminate('test over');
  });
});
