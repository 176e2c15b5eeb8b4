import path from 'node:path';
import Decimal from 'decimal.js';
import type { Browser, Page } from 'playwright-core';
import { createToken } from '../../book/api-tokens';
import { listMismatches, listPayouts, payoutView } from '../../book/payouts';
import { CATALOG } from '../../sandbox/catalog';
import { ApiServer, startApiServer } from '../../servers/api';
import type { FinanceSyncResult } from '../../workflows/finance-sync';
import { launchChromium, SCREENSHOTS } from '../support/browser';
import { ConsoleClient } from '../support/console';
import { shipAllWithOneMismatch } from '../support/finances';
import { Harness, ordersIdle, startHarness } from '../support/harness';

/**
 * The console's Money page and GET /v1/finances/mismatches over a real month: a generated month of German orders on
 * the sandbox, imported by orderSync and read by financeSync on the real Temporal server, settled into payouts; one
 * order charged 0.07 more than its proceeds. Checked at the HTTP level and in Chromium.
 */
const DE = 'A1PA6795UKMFR9';
const DAY = 86_400_000;
const account = { id: 'money-console', sellerId: 'A3MONEYCONSOLE', region: 'eu' as const, marketplaceIds: [DE] };
let h: Harness;
let api: ApiServer;
let offset = -5 * 60_000; // Amazon's changes 5 minutes in our past: searchOrders sees them
let mismatched: string;
let refunded: string;
const tokens: Record<'reader' | 'shipper', string> = {} as any;
const db = () => h.testDb.db;

beforeAll(async () => {
  const start = Date.now();
  h = await startHarness({
    accounts: [account],
    sandbox: {
      now: () => Date.now() + offset,
      finances: { financeLag: '48h', financeDeferral: '7d', financeSettlement: '14d' },
    },
  });
  await db()('products').insert(CATALOG.map((c) => ({ sku: c.sku, name: c.title.en ?? c.sku })));
  const { orderIds } = await h.admin.generateOrders(account.sellerId, {
    count: 14,
    seed: 21,
    withinHours: 30 * 24,
    marketplaceIds: [DE],
    pendingShare: 0,
    cancelledShare: 0,
  });
  mismatched = await shipAllWithOneMismatch(h.admin, orderIds);
  refunded = orderIds.find((id) => id !== mismatched)!;
  await h.admin.refundOrder(refunded, { reason: 'CustomerReturn' });
  offset = 0;
  await h.client.workflow.execute('orderSync', {
    taskQueue: h.taskQueue,
    workflowId: `money-console-orders-${start}`,
    args: [{ accountId: account.id, since: new Date(start - 40 * DAY).toISOString() }],
  });
  await ordersIdle(h.client, account.id, orderIds);
  offset = 20 * DAY; // Amazon's clock: deferrals released, groups closed and transferred
  const synced = (await h.client.workflow.execute('financeSync', {
    taskQueue: h.taskQueue,
    workflowId: `money-console-finances-${start}`,
    args: [{ accountId: account.id, reason: 'manual', since: new Date(start - 40 * DAY).toISOString() }],
  })) as FinanceSyncResult;
  expect(synced.inserted).toBeGreaterThan(10);
  api = await startApiServer({
    db: db(),
    temporal: async () => h.client,
    taskQueue: h.taskQueue,
    port: 0,
    shipmentWaitMs: 1_000,
  });
  tokens.reader = (await createToken(db(), { name: 'accountant', scopes: ['read'] })).secret;
  tokens.shipper = (await createToken(db(), { name: 'bench-only', scopes: ['ship'] })).secret;
}, 180_000);
afterAll(async () => {
  await api?.close();
  await h?.close();
});

async function loggedIn(token: string): Promise<ConsoleClient> {
  const c = new ConsoleClient(api.url);
  expect((await c.login(token)).status).toBe(303);
  return c;
}
/** The text of a page's table rows, tags dropped, one string per row. */
const rowsOf = (page: string, label: string) => {
  const table = new RegExp(`<table aria-labelledby="${label}">([\\s\\S]*?)</table>`).exec(page)?.[1] ?? '';
  return [...table.matchAll(/<tbody>([\s\S]*?)<\/tbody>/g)]
    .flatMap((b) => b[1].split('</tr>'))
    .map((r) =>
      r
        .replace(/<[^>]+>/g, ' ')
        .replace(/\s+/g, ' ')
        .trim(),
    )
    .filter(Boolean);
};

describe('GET /v1/finances/mismatches', () => {
  const get = async (url: string) => {
    const res = await fetch(`${api.url}${url}`, { headers: { authorization: `Bearer ${tokens.reader}` } });
    return { status: res.status, body: (await res.json()) as any };
  };

  it('lists the open mismatch with both amounts; a bad parameter is named, a token without read refused', async () => {
    const open = await get(`/v1/finances/mismatches?account=${account.id}&limit=1`);
    expect(open.status).toBe(200);
    expect(open.body.items.map((m: any) => [m.kind, m.amazonOrderId, m.difference])).toEqual([
      ['order_charges', mismatched, '0.07'],
    ]);
    expect(open.body.nextCursor).toBeNull();
    const bad = await get('/v1/finances/mismatches?includeResolved=yes');
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/includeResolved/);
    const other = await fetch(`${api.url}/v1/finances/mismatches`, {
      headers: { authorization: `Bearer ${tokens.shipper}` },
    });
    expect(other.status).toBe(403);
  });
});

describe('the Money page over HTTP', () => {
  it('shows every payout with its status, and the open mismatch with its order', async () => {
    const c = await loggedIn(tokens.reader);
    const money = await c.get('/money');
    expect(money.status).toBe(200);
    expect(money.text).toMatch(/href="\/money"\s+aria-current="page"/);
    const payouts = (await listPayouts(db(), { account: account.id, limit: 500 })).items;
    expect(payouts.filter((p) => p.status === 'reconciled').length).toBeGreaterThanOrEqual(2);
    const rows = rowsOf(money.text, 'payouts-h');
    expect(rows.map((r) => payouts.find((p) => r.includes(p.groupId))?.groupId)).toEqual(payouts.map((p) => p.groupId));
    for (const p of payouts) {
      const row = rows.find((r) => r.includes(p.groupId))!;
      expect(row).toContain({ reconciled: 'Reconciled', open: 'Open', mismatch: 'Mismatch' }[p.status]);
      if (p.transfer) expect(row).toContain(new Decimal(p.transfer).toFixed(2));
    }
    const mismatches = rowsOf(money.text, 'mismatches-h');
    expect(mismatches).toHaveLength(1);
    expect(mismatches[0]).toContain(mismatched);
    expect(mismatches[0]).toMatch(/Order charges .* 0\.07 /);
    expect(money.text).toContain(`href="/orders/${mismatched}"`);

    const reconciled = await c.get('/money?status=reconciled');
    const only = rowsOf(reconciled.text, 'payouts-h');
    expect(only.length).toBe(payouts.filter((p) => p.status === 'reconciled').length);
    expect(only.every((r) => r.includes('Reconciled'))).toBe(true);
  });

  it("a payout's page lists its transactions, whose sum is the transfer to the cent", async () => {
    const c = await loggedIn(tokens.reader);
    const settled = (await listPayouts(db(), { account: account.id, status: 'reconciled', limit: 1 })).items[0];
    const page = await c.get(`/money/payouts/${settled.id}`);
    expect(page.status).toBe(200);
    const view = (await payoutView(db(), { id: settled.id }))!;
    const rows = rowsOf(page.text, 'tx-h');
    expect(rows).toHaveLength(view.transactionList.length);
    const totals = rows.filter((r) => !r.includes(' Transfer ')).map((r) => new Decimal(r.split(' ').at(-1)!));
    expect(totals.reduce((s, t) => s.plus(t), new Decimal(0)).toFixed()).toBe(settled.transfer);
    expect(page.text).toMatch(
      new RegExp(
        `Sum of \\d+ transactions, the transfer aside \\(EUR\\)[\\s\\S]*${new Decimal(settled.transactionsTotal).toFixed(2)}`,
      ),
    );
    expect((await c.get('/money/payouts/999999')).status).toBe(404);
  });

  it('an order page shows its fees, its credit note and its net', async () => {
    const c = await loggedIn(tokens.reader);
    const page = await c.get(`/orders/${refunded}`);
    const rows = rowsOf(page.text, 'money-h');
    expect(rows.some((r) => r.startsWith('Amazon fee: Commission'))).toBe(true);
    expect(rows.filter((r) => r.startsWith('Credit note'))).toHaveLength(1);
    expect(page.text).toMatch(/Net proceeds \(EUR\)/);
  });

  it('a token without read sees no Money link and is refused the page, naming the scope', async () => {
    const c = await loggedIn(tokens.shipper);
    const res = await c.get('/money');
    expect(res.status).toBe(403);
    expect(res.text).toContain('lacks the scope &quot;read&quot;');
    expect(res.text).not.toContain('href="/money"');
  });
});

describe('the Money page in Chromium', () => {
  let browser: Browser;
  let page: Page;
  beforeAll(async () => {
    browser = await launchChromium();
    page = await (await browser.newContext({ viewport: { width: 1024, height: 768 } })).newPage();
  });
  afterAll(async () => browser?.close());

  it('from the nav to the mismatch, its order, and a reconciled payout', async () => {
    await page.goto(`${api.url}/login`);
    await page.getByLabel('API token').fill(tokens.reader);
    await page.keyboard.press('Enter');
    await page.getByRole('link', { name: 'Money' }).click();
    await page.getByRole('heading', { name: 'Money', level: 1 }).waitFor();
    const mismatch = page.getByRole('table', { name: 'Open mismatches' }).getByRole('row', { name: mismatched });
    expect(await mismatch.innerText()).toContain('0.07');
    await page.screenshot({ path: path.join(SCREENSHOTS, 'money.png'), fullPage: true });

    await mismatch.getByRole('link', { name: mismatched }).click();
    await page.getByRole('heading', { name: `Order ${mismatched}` }).waitFor();
    expect(await page.getByRole('table', { name: 'Money' }).innerText()).toMatch(/Net proceeds \(EUR\)/);

    await page.goBack();
    await page.getByLabel('Status').selectOption('reconciled');
    await page.getByRole('button', { name: 'Show' }).click();
    await page.waitForURL(/status=reconciled/);
    const first = page.getByRole('table', { name: 'Payouts' }).getByRole('row').nth(1);
    const href = (await first.getByRole('link').getAttribute('href'))!;
    const p = (await payoutView(db(), { id: Number(href.split('/').at(-1)) }))!;
    await first.getByRole('link').click();
    await page.getByRole('heading', { name: `Payout ${p.groupId}` }).waitFor();
    await page.screenshot({ path: path.join(SCREENSHOTS, 'payout.png'), fullPage: true });
    const foot = await page.getByRole('table', { name: 'Transactions' }).locator('tfoot').innerText();
    expect(foot).toContain(new Decimal(p.transfer!).toFixed(2));
    expect((await listMismatches(db(), { account: account.id })).items).toHaveLength(1);
  });
});
