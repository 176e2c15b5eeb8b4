import crypto from 'node:crypto';
import { createToken, revokeToken, SCOPES } from '../../book/api-tokens';
import { orderView } from '../../book/orders';
import { ApiServer, startApiServer } from '../../servers/api';
import { ConsoleClient } from '../support/console';
import { eventually, Harness, startHarness } from '../support/harness';
import { fixture, minutesAgo, recentOrder, US } from '../support/orders';

/**
 * The console at the HTTP level, against the real book, Temporal and sandbox: the session cookie's flags and what the
 * book keeps of it, CSRF refusals, actions a token's scopes do not allow refused by the server (not only hidden),
 * escaping, logout and revocation ending the session.
 */
const account = { id: 'console-http', sellerId: 'A7CONSOLEHTTP1', region: 'na' as const, marketplaceIds: [US] };
const MUG = 'MUG-CER-12OZ-BLU';
let h: Harness;
let api: ApiServer;
const tokens: Record<string, string> = {};
let orderId: string;

const onHand = async (sku: string) =>
  Number(
    (
      await h.testDb
        .db('stock_quants as q')
        .join('products as p', 'p.id', 'q.product_id')
        .join('stock_locations as l', 'l.id', 'q.location_id')
        .where({ 'p.sku': sku, 'l.code': 'WH' })
        .first('q.quantity')
    )?.quantity ?? 0,
  );

async function loggedIn(token: string): Promise<ConsoleClient> {
  const c = new ConsoleClient(api.url);
  expect((await c.login(token)).status).toBe(303);
  await c.get('/');
  return c;
}

beforeAll(async () => {
  h = await startHarness({ accounts: [account] });
  await h.testDb.db('products').insert([
    { sku: MUG, name: 'Ceramic mug <b>blue</b> & "bold"' },
    { sku: 'COASTER-SLATE-4PK', name: 'Slate coasters, 4 pack' },
  ]);
  api = await startApiServer({
    db: h.testDb.db,
    temporal: async () => h.client,
    taskQueue: h.taskQueue,
    port: 0,
    shipmentWaitMs: 20_000,
  });
  for (const [name, scopes] of Object.entries({ all: [...SCOPES], reader: ['read'], gone: ['read'] }))
    tokens[name] = (await createToken(h.testDb.db, { name, scopes: scopes as any })).secret;
  orderId = `114-${String(Date.now()).slice(-7)}-1000001`;
  await h.admin.addOrders(account.sellerId, [recentOrder(fixture('us-fbm-gift-promotions.json'), orderId)]);
  await h.client.workflow.execute('orderSync', {
    taskQueue: h.taskQueue,
    workflowId: `console-http-sync-${orderId}`,
    args: [{ accountId: account.id, since: minutesAgo(8) }],
  });
  await eventually(async () =>
    expect((await orderView(h.testDb.db, { amazonOrderId: orderId }))?.deliveries[0]?.state).toBe('open'),
  );
});
afterAll(async () => {
  await api?.close();
  await h?.close();
});

describe('login and the session cookie', () => {
  it('a page without a session redirects to the login page, keeping where it was going', async () => {
    const res = await new ConsoleClient(api.url).get('/stock?sku=X');
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe(`/login?next=${encodeURIComponent('/stock?sku=X')}`);
  });

  it('a wrong token is refused with 401 and no cookie', async () => {
    const c = new ConsoleClient(api.url);
    const res = await c.login('act_wrong');
    expect(res.status).toBe(401);
    expect(res.headers.get('set-cookie')).toBeNull();
    expect(await res.text()).toContain('Unknown, expired or revoked token');
  });

  it('the cookie is HttpOnly, SameSite=Strict, Path=/; the book keeps only the hash of the session id', async () => {
    const c = new ConsoleClient(api.url);
    const res = await c.login(tokens.all);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    const set = c.lastSetCookie!;
    expect(set).toMatch(/^connector_session=[\w-]{43}; /);
    expect(set.split('; ')).toEqual(expect.arrayContaining(['HttpOnly', 'SameSite=Strict', 'Path=/']));
    expect(set).not.toContain('Secure'); // plain HTTP here; over HTTPS the cookie is Secure
    const id = /connector_session=([^;]*)/.exec(set)![1];
    const rows = await h.testDb.db('console_sessions').select('id_hash');
    expect(rows.map((r) => r.id_hash)).toContain(crypto.createHash('sha256').update(id).digest('hex'));
    expect(rows.map((r) => r.id_hash)).not.toContain(id);
    const home = await c.get('/');
    expect(home.status).toBe(200);
    expect(home.headers.get('content-security-policy')).toContain("script-src 'self'");
    expect(home.headers.get('cache-control')).toBe('no-store');
    expect(home.text).toContain(orderId);
  });

  it('login goes back to the page asked for, but never to another site', async () => {
    const c = new ConsoleClient(api.url);
    const back = await c.post('/login', { token: tokens.reader, next: '/stock' }, { csrf: false });
    expect(back.headers.get('location')).toBe('/stock');
    const away = await c.post('/login', { token: tokens.reader, next: '//evil.example/' }, { csrf: false });
    expect(away.headers.get('location')).toBe('/');
  });
});

describe('CSRF', () => {
  it('a POST without the form token, or with another session’s, is refused and changes nothing', async () => {
    const c = await loggedIn(tokens.all);
    const other = await loggedIn(tokens.all);
    const before = await onHand(MUG);
    const missing = await c.post('/stock', { sku: MUG, quantity: String(before + 5) }, { csrf: false });
    expect(missing.status).toBe(403);
    expect(await missing.text()).toContain('security token');
    const foreign = await c.post('/stock', { sku: MUG, quantity: String(before + 5), _csrf: other.csrf! });
    expect(foreign.status).toBe(403);
    expect(await onHand(MUG)).toBe(before);
    const ok = await c.post('/stock', { sku: MUG, quantity: String(before + 5) });
    expect(ok.status).toBe(303);
    expect(await onHand(MUG)).toBe(before + 5);
  });

  it('a POST from another origin is refused even with the token', async () => {
    const c = await loggedIn(tokens.all);
    const res = await c.post('/stock', { sku: MUG, quantity: '1' }, { origin: 'http://evil.example' });
    expect(res.status).toBe(403);
    expect(await res.text()).toContain('another site');
    expect(await onHand(MUG)).not.toBe(1);
  });
});

describe('scopes', () => {
  it('a read-only token sees no ship, slip, stock or webhook actions', async () => {
    const c = await loggedIn(tokens.reader);
    const home = await c.get('/');
    expect(home.text).toContain(orderId);
    expect(home.text).not.toContain('>Ship<');
    expect(home.text).not.toContain('Packing slip');
    expect(home.text).not.toContain('href="/webhooks"');
    expect((await c.get('/stock')).text).not.toContain('method="post" action="/stock"');
  });

  it('and the server refuses them when posted anyway, naming the scope, with nothing sent', async () => {
    const c = await loggedIn(tokens.reader);
    const ship = await c.post(`/orders/${orderId}/ship`, { carrier: 'UPS', trackingNumber: '1ZREADONLY' });
    expect(ship.status).toBe(403);
    expect(await ship.text()).toContain('lacks the scope &quot;ship&quot;');
    const stock = await c.post('/stock', { sku: MUG, quantity: '3' });
    expect(stock.status).toBe(403);
    expect(await stock.text()).toContain('&quot;stock&quot;');
    expect((await c.get(`/orders/${orderId}/slip`)).status).toBe(403);
    expect((await c.get('/webhooks')).status).toBe(403);
    const order = await orderView(h.testDb.db, { amazonOrderId: orderId });
    expect(order!.deliveries.map((d) => d.tracking)).not.toContain('1ZREADONLY');
    expect((await h.admin.getOrder(orderId)) as any).not.toHaveProperty('packages.0');
  });

  it('without pii the order page hides the buyer; the text of the book is escaped', async () => {
    const reader = await loggedIn(tokens.reader);
    const page = await reader.get(`/orders/${orderId}`);
    expect(page.status).toBe(200);
    expect(page.text).toContain('Seattle');
    expect(page.text).not.toContain('2217 NE 65th St');
    const all = await loggedIn(tokens.all);
    expect((await all.get(`/orders/${orderId}`)).text).toContain('2217 NE 65th St');
    const stock = await all.get(`/stock?sku=${MUG}`);
    expect(stock.text).toContain('Ceramic mug &lt;b&gt;blue&lt;/b&gt; &amp; &quot;bold&quot;');
    expect(stock.text).not.toContain('<b>blue</b>');
  });
});

describe('the end of a session', () => {
  it('logout deletes the session and clears the cookie: the old cookie opens nothing', async () => {
    const c = await loggedIn(tokens.all);
    const cookie = c.cookie!;
    const count = async () => Number((await h.testDb.db('console_sessions').count('* as n'))[0].n);
    const before = await count();
    const out = await c.post('/logout', {});
    expect(out.status).toBe(303);
    expect(out.headers.get('location')).toBe('/login?out=1');
    expect(out.headers.get('set-cookie')).toMatch(/^connector_session=; .*Max-Age=0/);
    expect(await count()).toBe(before - 1);
    c.cookie = cookie;
    expect((await c.get('/')).status).toBe(303);
  });

  it('revoking the token ends its sessions at once', async () => {
    const c = await loggedIn(tokens.gone);
    expect((await c.get('/')).status).toBe(200);
    await revokeToken(h.testDb.db, { name: 'gone' });
    expect((await c.get('/')).status).toBe(303);
  });
});
