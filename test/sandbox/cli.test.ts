import { ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { SandboxAdmin } from '../../sandbox/admin-client';
import { expectValid, response } from '../support/models';
import { http } from './support';

/**
 * `connector sandbox --seed 7` as a user runs it: it prints its URL and demo credentials; a seller and 1,000 orders are
 * created through the admin API; a token is fetched as curl would; searchOrders is paged to the end, every page valid.
 */

let child: ChildProcess;
let printed: {
  url: string;
  rateLimits: string;
  sellers: Array<{ sellerId: string; clientId: string; clientSecret: string; refreshToken: string }>;
};

beforeAll(async () => {
  const script = path.join(__dirname, 'fixtures', 'connector-sandbox.ts');
  child = spawn(
    process.execPath,
    [
      '-r',
      'ts-node/register/transpile-only',
      script,
      '--json',
      'sandbox',
      '--port',
      '0',
      '--seed',
      '7',
      '--orders',
      '5',
      '--rate-limits',
      'x60',
    ],
    {
      cwd: path.resolve(__dirname, '../..'),
      env: { ...process.env, LOG_LEVEL: 'warn' },
      stdio: ['ignore', 'pipe', 'pipe'],
    },
  );
  let out = '';
  let err = '';
  child.stderr!.on('data', (d) => (err += d));
  printed = await new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => reject(new Error(`connector sandbox printed nothing usable in 30 s:\n${out}\n${err}`)),
      30_000,
    );
    child.stdout!.on('data', (d) => {
      out += d;
      try {
        resolve(JSON.parse(out));
        clearTimeout(timer);
      } catch {
        // not the whole JSON yet
      }
    });
    child.once('exit', (code) => reject(new Error(`connector sandbox exited (${code}):\n${err}`)));
  });
}, 40_000);

afterAll(async () => {
  if (child.exitCode === null) {
    const exited = new Promise((resolve) => child.once('exit', resolve));
    child.kill('SIGTERM');
    await exited;
  }
});

test('it prints its URL, the rate-limit mode and the demo sellers’ credentials', () => {
  expect(printed.url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
  expect(printed.rateLimits).toBe('x60');
  expect(printed.sellers.map((s) => s.sellerId)).toEqual(['A1DEMOSELLERNA', 'A2DEMOSELLEREU']);
  for (const s of printed.sellers)
    expect(s).toMatchObject({
      clientId: expect.any(String),
      clientSecret: expect.any(String),
      refreshToken: expect.stringMatching(/^Atzr\|/),
    });
});

test('the demo sellers are usable at once: a form-encoded token (as curl -d sends), then their demo orders', async () => {
  const demo = printed.sellers[0];
  const tokenRes = await http(`${printed.url}/auth/o2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'refresh_token',
      refresh_token: demo.refreshToken,
      client_id: demo.clientId,
      client_secret: demo.clientSecret,
    }).toString(),
  });
  const orders = await http(
    `${printed.url}/orders/2026-01-01/orders?createdAfter=${new Date(Date.now() - 72 * 3_600_000).toISOString()}`,
    { headers: { 'x-amz-access-token': tokenRes.json.access_token } },
  );
  expect(orders.json.orders).toHaveLength(5);
  expect((await new SandboxAdmin(printed.url).getListing(demo.sellerId, 'DEMO-SKU-1'))!.fulfillmentChannelCode).toBe(
    'DEFAULT',
  );
  expect((await new SandboxAdmin(printed.url).getListing(demo.sellerId, 'DEMO-SKU-40'))!.fulfillmentChannelCode).toBe(
    'AMAZON_NA',
  );
});

test('done-when: a seller and 1,000 generated orders; searchOrders paged to the end gives all 1,000, every page valid', async () => {
  const admin = new SandboxAdmin(printed.url);
  const seller = {
    sellerId: 'A3DONEWHEN0001',
    marketplaceIds: ['ATVPDKIKX0DER', 'A2EUQ1WTGCTBG2', 'A1AM78C64UM0Y8'],
    clientId: 'amzn1.application-oa2-client.donewhen',
    clientSecret: 'done-when-secret',
    refreshToken: 'Atzr|done-when',
  };
  await admin.createSeller(seller);
  const { orderIds } = await admin.generateOrders(seller.sellerId, { count: 1000, seed: 7 });
  const token = (
    await http(`${printed.url}/auth/o2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: `grant_type=refresh_token&refresh_token=${encodeURIComponent(seller.refreshToken)}&client_id=${seller.clientId}&client_secret=${seller.clientSecret}`,
    })
  ).json.access_token;
  const validate = response('orders_2026-01-01.json', '/orders/2026-01-01/orders', 'get', 200);
  const createdAfter = new Date(Date.now() - 49 * 3_600_000).toISOString();
  const seen = new Set<string>();
  let next: string | undefined;
  do {
    const query = new URLSearchParams({
      createdAfter,
      maxResultsPerPage: '100',
      includedData: 'BUYER,RECIPIENT,PROCEEDS,FULFILLMENT,PACKAGES,PROMOTION,TAX,CANCELLATION',
      ...(next ? { paginationToken: next } : {}),
    });
    const page = await http(`${printed.url}/orders/2026-01-01/orders?${query}`, {
      headers: { 'x-amz-access-token': token, host: 'sellingpartnerapi-na.amazon.com' },
    });
    expect(page.status).toBe(200);
    expectValid(validate, page.json, 'searchOrders page');
    page.json.orders.forEach((o: any) => seen.add(o.orderId));
    next = page.json.pagination?.nextToken;
  } while (next);
  expect(seen.size).toBe(1000);
  expect([...seen].sort()).toEqual([...orderIds].sort());
});

test('Ctrl-C (SIGTERM) stops it cleanly', async () => {
  const exited = new Promise<number | null>((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  expect(await exited).toBe(0);
});
