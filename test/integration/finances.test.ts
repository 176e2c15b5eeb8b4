import Decimal from 'decimal.js';
import { journalLines } from '../../book/finance-journal';
import { orderView } from '../../book/orders';
import { listReturns } from '../../book/returns';
import { fbmOfferQuantities } from '../../book/stock';
import { requestFinanceSync, stockChangeWorkflowId } from '../../lib/workflow-client';
import { listMismatches, listPayouts, payoutView } from '../../book/payouts';
import type { OrderSyncResult } from '../../workflows/order-sync';
import type { FinanceSyncResult } from '../../workflows/finance-sync';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { createToken } from '../../book/api-tokens';
import { CATALOG } from '../../sandbox/catalog';
import { ApiServer, startApiServer } from '../../servers/api';
import { runCli } from '../support/cli';
import { shipAllWithOneMismatch } from '../support/finances';
import { eventually, Harness, ordersIdle, startHarness } from '../support/harness';

/**
 * Finances end to end: the sandbox's listTransactions over HTTP, financeSync on the real Temporal server, the book in
 * a real PostgreSQL. A generated month over Germany, France (EUR) and the UK (GBP), shipped, refunded, settled.
 */

const DE = 'A1PA6795UKMFR9';
const FR = 'A13V1IB3VIYZZH';
const UK = 'A1F83G8C2ARO7P';
const DAY = 86_400_000;
const account = { id: 'eu-money', sellerId: 'A3MONEY0SELLER', region: 'eu' as const, marketplaceIds: [DE, FR, UK] };

describe('finances: fees, refunds and payouts in the book, reconciled to the cent', () => {
  let h: Harness;
  /** The sandbox's clock runs ahead of ours by this much: the test moves Amazon's time forward. */
  // Amazon's changes are made 5 minutes in our past: searchOrders sees an update only 2 minutes after it.
  let offset = -5 * 60_000;
  let orderIds: string[] = [];
  let mismatched: string;
  let refundedWhole: string[];
  const start = Date.now();

  const financeSync = (args: { since?: string } = {}) =>
    h.client.workflow.execute('financeSync', {
      taskQueue: h.taskQueue,
      workflowId: `finance-sync-test-${Date.now()}-${Math.random()}`,
      args: [{ accountId: account.id, reason: 'manual', ...args }],
    }) as Promise<FinanceSyncResult>;
  const db = () => h.testDb.db;
  const count = async (table: string) => Number((await db()(table).count({ n: '*' }).first())!.n);

  beforeAll(async () => {
    h = await startHarness({
      accounts: [account],
      sandbox: {
        now: () => Date.now() + offset,
        finances: { financeLag: '48h', financeDeferral: '7d', financeSettlement: '14d' },
        feedQueueMs: 200,
        feedProcessingMs: 300,
        listingApplyDelayMs: 50,
      },
      env: { FEED_POLL_INTERVAL: '250ms' },
    });
    // The seller's catalog in the book: order lines and returns then move real products, not "Amazon Sale".
    await h.testDb.db('products').insert(CATALOG.map((c) => ({ sku: c.sku, name: c.title.en ?? c.sku })));
    ({ orderIds } = await h.admin.generateOrders(account.sellerId, {
      count: 90,
      seed: 33,
      withinHours: 30 * 24,
      marketplaceIds: [DE, FR, UK],
      pendingShare: 0,
      cancelledShare: 0,
    }));
    // Amazon ships what the generator left open; one order is charged 0.07 more than its proceeds.
    mismatched = await shipAllWithOneMismatch(h.admin, orderIds);
    // One seller-fulfilled refund (its units are expected back) and one fulfilled by Amazon (they go back to Amazon).
    const channel = new Map<string, string>();
    for (const id of orderIds) channel.set(id, (await h.admin.getOrder(id))!.fulfillment.fulfilledBy);
    const refundable = orderIds.filter((id) => id !== mismatched);
    refundedWhole = [
      refundable.find((id) => channel.get(id) === 'MERCHANT')!,
      refundable.find((id) => channel.get(id) === 'AMAZON')!,
    ];
    for (const orderId of refundedWhole) await h.admin.refundOrder(orderId, { reason: 'CustomerReturn' });
    offset = 0;
  }, 120_000);
  afterAll(async () => h?.close());

  test('transactions of orders not in the book yet are kept, and linked once the orders arrive', async () => {
    const first = await financeSync({ since: new Date(start - 40 * DAY).toISOString() });
    expect(first.inserted).toBeGreaterThan(20);
    expect(first.read).toBe(first.inserted);
    const unlinked = await db()('finance_transactions').whereNotNull('amazon_order_id').whereNull('order_id');
    expect(unlinked.length).toBe((await db()('finance_transactions').whereNotNull('amazon_order_id')).length);
    expect(unlinked.length).toBeGreaterThan(0);

    const synced = (await h.client.workflow.execute('orderSync', {
      taskQueue: h.taskQueue,
      workflowId: `order-sync-test-${Date.now()}`,
      args: [{ accountId: account.id, since: new Date(start - 40 * DAY).toISOString(), collectIds: true }],
    })) as OrderSyncResult;
    expect(synced.dispatched).toBe(orderIds.length);
    await ordersIdle(h.client, account.id, orderIds);
    await eventually(async () => {
      const still = await db()('finance_transactions').whereNotNull('amazon_order_id').whereNull('order_id');
      expect(still.map((t) => t.amazon_order_id)).toEqual([]);
    });
    const lines = await db()('finance_lines as l')
      .join('finance_transactions as t', 't.id', 'l.transaction_row_id')
      .where('l.item_index', '>=', 0)
      .whereNotNull('l.sku')
      .select('l.order_line_id');
    expect(lines.filter((l) => l.order_line_id === null)).toEqual([]);
  }, 180_000);

  test('deferred → released, and a repeated sync, create nothing twice', async () => {
    const deferredBefore = await db()('finance_transactions').where({ status: 'DEFERRED' }).pluck('transaction_id');
    expect(deferredBefore.length).toBeGreaterThan(0);
    const rowsBefore = await count('finance_transactions');
    offset = 20 * DAY; // Amazon's clock: deliveries mature, groups close, the last 48 hours show
    const second = await financeSync();
    expect(second.updated).toBeGreaterThanOrEqual(deferredBefore.length);
    const released = await db()('finance_transactions').whereIn('transaction_id', deferredBefore);
    expect(released.map((t) => t.status).filter((s) => s !== 'DEFERRED_RELEASED')).toEqual([]);
    expect(await count('finance_transactions')).toBe(rowsBefore + second.inserted);

    const ledger = (await h.admin.financeTransactions(account.sellerId)).transactions;
    const visible = ledger.filter((x) => Date.parse(x.visibleAt) <= Date.now() + offset);
    const stored = await db()('finance_transactions').pluck('transaction_id');
    expect(stored.sort()).toEqual(visible.map((x) => x.transaction.transactionId).sort());

    const events = await count('events');
    const lines = await count('finance_lines');
    const third = await financeSync({ since: new Date(start - 40 * DAY).toISOString() });
    expect([third.inserted, third.updated, third.unchanged]).toEqual([0, 0, third.read]);
    expect([await count('finance_transactions'), await count('finance_lines'), await count('events')]).toEqual([
      stored.length,
      lines,
      events,
    ]);
  }, 180_000);

  test('every payout with a transfer reconciles to the cent, and matches Amazon’s settlement group', async () => {
    const groups = await h.admin.settlementGroups(account.sellerId);
    const { items } = await listPayouts(db(), { account: account.id, limit: 500 });
    const settled = items.filter((p) => p.transfer !== null);
    expect(settled.length).toBeGreaterThanOrEqual(4);
    expect(new Set(items.map((p) => p.currency))).toEqual(new Set(['EUR', 'GBP']));
    for (const p of settled) {
      const group = groups.find((g) => g.groupId === p.groupId)!;
      expect({ group: p.groupId, status: p.status, transfer: p.transfer, balance: group.balance }).toEqual({
        group: p.groupId,
        status: 'reconciled',
        transfer: new Decimal(group.balance).toFixed(),
        balance: group.balance,
      });
      // Summed again from the stored transactions, not from the payout's own figure.
      const view = (await payoutView(db(), { id: p.id }))!;
      const sum = view.transactionList
        .filter((t) => t.type !== 'Transfer')
        .reduce((s, t) => s.plus(t.total), new Decimal(0));
      expect(sum.toFixed()).toBe(p.transfer);
    }
    const closed = groups.filter((g) => g.closed && !new Decimal(g.balance).isZero()).map((g) => g.groupId);
    expect(settled.map((p) => p.groupId).sort()).toEqual(closed.sort());
    const settledEvents = await db()('events').where({ type: 'payout.settled' });
    expect(settledEvents.map((e) => e.data.groupId).sort()).toEqual(closed.sort());
  });

  test('the journal balances per payout, and a reconciled payout leaves Amazon clearing at zero', async () => {
    const lines = await journalLines(db(), { from: '2000-01-01T00:00:00Z', to: '2100-01-01T00:00:00Z' });
    const byPayout = new Map<string, { debit: Decimal; credit: Decimal; clearing: Decimal }>();
    for (const l of lines) {
      const key = l.payout ?? '(no payout yet)';
      const p = byPayout.get(key) ?? { debit: new Decimal(0), credit: new Decimal(0), clearing: new Decimal(0) };
      p.debit = p.debit.plus(l.debit);
      p.credit = p.credit.plus(l.credit);
      if (l.account === '1150') p.clearing = p.clearing.plus(l.debit).minus(l.credit);
      byPayout.set(key, p);
    }
    for (const [payout, p] of byPayout)
      expect({ payout, debit: p.debit.toFixed(2) }).toEqual({ payout, debit: p.credit.toFixed(2) });
    const reconciled = (await listPayouts(db(), { status: 'reconciled', limit: 500 })).items;
    for (const p of reconciled)
      expect({ payout: p.groupId, clearing: byPayout.get(p.groupId)!.clearing.toFixed(2) }).toEqual({
        payout: p.groupId,
        clearing: '0.00',
      });
    expect(new Set(lines.map((l) => l.account))).toEqual(new Set(['4000', '4100', '2200', '6100', '1150', '1020']));
  });

  test('a refund is a credit note on its order, with product, tax and fee-reversal lines, and an order.refunded event', async () => {
    const view = (await orderView(db(), { amazonOrderId: refundedWhole[0] }))!;
    expect(view.refunds).toHaveLength(1);
    const note = view.refunds[0];
    expect(new Decimal(note.lines.product).isNegative()).toBe(true);
    expect(new Decimal(note.lines.fees).isPositive() || new Decimal(note.lines.fees).isZero()).toBe(true);
    const sum = Object.values(note.lines).reduce((s, v) => s.plus(v), new Decimal(0));
    expect(sum.toFixed()).toBe(note.total);
    expect(view.fees!.map((f) => f.type)).toEqual(expect.arrayContaining(['Commission', 'RefundCommission']));
    // Everything given back but the fees Amazon keeps: the net is what the refund fee and kept fees cost.
    expect(new Decimal(view.net!).isNegative() || new Decimal(view.net!).isZero()).toBe(true);
    const events = await db()('events').where({ type: 'order.refunded' }).pluck('amazon_order_id');
    expect(events.sort()).toEqual([...refundedWhole].sort());
  });

  test('an order charged more than its proceeds is flagged with both amounts, never hidden', async () => {
    const { items: open } = await listMismatches(db(), { account: account.id });
    expect(open.map((m) => [m.kind, m.subject, m.difference])).toEqual([['order_charges', mismatched, '0.07']]);
    const cli = await runCli(['--json', 'finances', 'mismatches', '--account', account.id, '--limit', '10'], {
      DATABASE_URL: h.testDb.url,
    });
    expect(cli.json.map((m: any) => m.subject)).toEqual([mismatched]);
    expect(new Decimal(open[0].actual).minus(open[0].expected).toFixed()).toBe('0.07');
    const events = await db()('events').where({ type: 'finance.mismatch' });
    expect(events.map((e) => [e.amazon_order_id, e.data.difference, e.data.resolved])).toEqual([
      [mismatched, '0.07', false],
    ]);
  });

  describe('interfaces: the CLI and the Book API v1', () => {
    const savedEnv = { ...process.env };
    let api: ApiServer;
    let token: string;
    beforeAll(async () => {
      Object.assign(process.env, {
        DATABASE_URL: h.testDb.url,
        TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
        TEMPORAL_TASK_QUEUE: h.taskQueue,
      });
      api = await startApiServer({
        db: db(),
        temporal: async () => h.client,
        taskQueue: h.taskQueue,
        port: 0,
        shipmentWaitMs: 1_000,
      });
      token = (await createToken(db(), { name: 'accountant', scopes: ['read'] })).secret;
    });
    afterAll(async () => {
      process.env = savedEnv;
      await api?.close();
    });
    const get = async (url: string, auth = true) => {
      const res = await fetch(`${api.url}${url}`, { headers: auth ? { authorization: `Bearer ${token}` } : {} });
      return { status: res.status, body: (await res.json()) as any };
    };

    test('TRANSACTION_UPDATE bursts: requestFinanceSync starts one run per window, after the window', async () => {
      const now = Date.now();
      const request = () =>
        requestFinanceSync(h.client, {
          accountId: account.id,
          taskQueue: h.taskQueue,
          reason: 'transaction-update',
          windowMs: 2_000,
          now,
        });
      const first = await request();
      const second = await request();
      expect([first.started, second.started, second.workflowId]).toEqual([true, false, first.workflowId]);
      const result = (await h.client.workflow.getHandle(first.workflowId).result()) as FinanceSyncResult;
      expect([result.inserted, result.updated]).toEqual([0, 0]);
    });

    test('connector finances sync --wait reads again and writes nothing new; payouts list and show', async () => {
      const sync = await runCli(['--json', 'finances', 'sync', '--account', account.id, '--wait']);
      expect(sync.error).toBeUndefined();
      expect([sync.json.inserted, sync.json.updated]).toEqual([0, 0]);
      const list = await runCli(['--json', 'payouts', 'list', '--account', account.id]);
      const all = (await listPayouts(db(), { account: account.id, limit: 500 })).items;
      expect(list.json.map((p: any) => p.id)).toEqual(all.map((p) => p.id));
      const settled = all.find((p) => p.status === 'reconciled')!;
      const show = await runCli(['--json', 'payouts', 'show', settled.groupId]);
      expect(show.json).toMatchObject({ id: settled.id, status: 'reconciled', transfer: settled.transfer });
      const human = await runCli(['payouts', 'list']);
      expect(human.stdout).toMatch(/reconciled/);
      const missing = await runCli(['payouts', 'show', 'no-such-group']);
      expect(missing.error).toMatch(/no payout no-such-group/);
    });

    test('connector finances export: CSV journal lines with the ledger mapping given, balanced', async () => {
      const mappingFile = path.join(os.tmpdir(), `mapping-${process.pid}.json`);
      fs.writeFileSync(mappingFile, JSON.stringify({ sales: '7000', fees: { Commission: '6110' } }));
      const run = await runCli([
        'finances',
        'export',
        '--from',
        '2000-01-01',
        '--to',
        '2100-01-01',
        '--format',
        'csv',
        '--mapping',
        mappingFile,
      ]);
      expect(run.error).toBeUndefined();
      const [header, ...rows] = run.stdout.trim().split('\n');
      expect(header).toBe('date,payout,order,transaction,type,account,debit,credit,currency');
      const accounts = new Set(rows.map((r) => r.split(',')[5]));
      expect([accounts.has('7000'), accounts.has('6110'), accounts.has('4000')]).toEqual([true, true, false]);
      const total = (i: number) => rows.reduce((s, r) => s.plus(r.split(',')[i]), new Decimal(0)).toFixed(2);
      expect(total(6)).toBe(total(7));
      fs.writeFileSync(mappingFile, JSON.stringify({ sales: 7000 }));
      const bad = await runCli([
        'finances',
        'export',
        '--from',
        '2000-01-01',
        '--to',
        '2100-01-01',
        '--mapping',
        mappingFile,
      ]);
      expect(bad.error).toMatch(/--mapping .*sales/);
    });

    test('GET /v1/payouts pages with a cursor; GET /v1/payouts/{id}; orders carry fees, refunds and net', async () => {
      expect((await get('/v1/payouts', false)).status).toBe(401);
      const seen: number[] = [];
      let cursor: string | null = null;
      do {
        const page: any = await get(`/v1/payouts?limit=2${cursor ? `&cursor=${cursor}` : ''}`);
        expect(page.status).toBe(200);
        seen.push(...page.body.items.map((p: any) => p.id));
        cursor = page.body.nextCursor;
      } while (cursor);
      const all = (await listPayouts(db(), { limit: 500 })).items;
      expect(seen).toEqual(all.map((p) => p.id));
      const one = await get(`/v1/payouts/${all[0].id}`);
      expect(one.status).toBe(200);
      expect(one.body.transactionList.length).toBe(all[0].transactions + (all[0].transfer === null ? 0 : 1));
      expect((await get('/v1/payouts/999999')).status).toBe(404);
      const order = await get(`/v1/orders/${refundedWhole[0]}`);
      expect(order.status).toBe(200);
      expect(order.body.refunds).toHaveLength(1);
      expect(order.body.fees.length).toBeGreaterThan(0);
      expect(order.body.net).toBe((await orderView(db(), { amazonOrderId: refundedWhole[0] }))!.net);
    });

    test('an FBM refund expects its units back; receiving them puts the stock back, and stockSync takes it to Amazon', async () => {
      const [fbm, fba] = refundedWhole;
      expect(await listReturns(db(), { amazonOrderId: fba })).toEqual([]);
      const [expected] = await listReturns(db(), { amazonOrderId: fbm });
      expect(expected).toMatchObject({ state: 'expected', amazonOrderId: fbm });
      const view = (await orderView(db(), { amazonOrderId: fbm }))!;
      const sold = view.lines.filter((l) => l.kind === 'product').map((l) => [l.sku, l.quantity]);
      expect(expected.lines.map((l) => [l.sku, l.quantity])).toEqual(sold);
      const returnEvents = await db()('events').where({ type: 'order.return_expected', amazon_order_id: fbm });
      expect(returnEvents).toHaveLength(1);

      const sku = expected.lines[0].sku!;
      const onHand = async () =>
        Number(
          (
            await db()('stock_quants as q')
              .join('stock_locations as l', 'l.id', 'q.location_id')
              .join('products as p', 'p.id', 'q.product_id')
              .where({ 'l.code': 'WH', 'p.sku': sku })
              .first('q.quantity')
          )?.quantity ?? 0,
        );
      // The listing as Amazon holds it, out of stock before the return.
      const listed = await db()('offers').where({ account_id: account.id, seller_sku: sku }).first();
      await h.admin.putListing(account.sellerId, sku, {
        marketplaceId: listed.marketplace_id,
        productType: 'HOME',
        fulfillmentChannelCode: 'DEFAULT',
        quantity: 0,
      });
      const before = await onHand();
      const received = await runCli(['--json', 'returns', 'receive', String(expected.id)]);
      expect(received.error).toBeUndefined();
      expect(received.json.stockSyncRequested).toEqual([account.id]);
      expect(await onHand()).toBe(before + expected.lines[0].quantity);
      const again = await runCli(['returns', 'receive', String(expected.id)]);
      expect(again.error).toMatch(/is received, not expected/);
      expect(await onHand()).toBe(before + expected.lines[0].quantity);

      // The debounced stockSync of the window (as PUT /v1/stock) sends the new quantity to Amazon.
      const handle = h.client.workflow.getHandle(stockChangeWorkflowId(account.id, Date.now()));
      const synced = await handle.result();
      expect(synced).toMatchObject({ changed: expect.any(Number) });
      const [offer] = await fbmOfferQuantities(db(), { accountId: account.id, sku });
      await eventually(async () =>
        expect((await h.admin.getListing(account.sellerId, sku))?.quantity).toBe(offer.quantity),
      );
      expect(offer.quantity).toBeGreaterThan(0);
    }, 120_000);

    test('POST /v1/returns/{id}/receive needs the stock scope and refuses a return already received', async () => {
      const [expected] = await listReturns(db(), { amazonOrderId: refundedWhole[0] });
      const res = await fetch(`${api.url}/v1/returns/${expected.id}/receive`, {
        method: 'POST',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.status).toBe(403);
      const stocker = (await createToken(db(), { name: 'warehouse', scopes: ['stock'] })).secret;
      const again = await fetch(`${api.url}/v1/returns/${expected.id}/receive`, {
        method: 'POST',
        headers: { authorization: `Bearer ${stocker}` },
      });
      expect(again.status).toBe(422);
      expect(((await again.json()) as any).error.message).toMatch(/received, not expected/);
      const list = await get(`/v1/returns?amazonOrderId=${refundedWhole[0]}`);
      expect(list.body.items.map((r: any) => r.state)).toEqual(['received']);
    });
  });
});
