import { createToken, revokeToken, SCOPES } from '../../book/api-tokens';
import { orderView } from '../../book/orders';
import { ApiServer, startApiServer } from '../../servers/api';
import { runCli } from '../support/cli';
import pino from 'pino';
import { loggerOptions } from '../../lib/logger';
import { eventually, Harness, ordersIdle, startHarness } from '../support/harness';
import { fixture, minutesAgo, recentOrder, US } from '../support/orders';

/**
 * The Book API v1 over real HTTP, against the real PostgreSQL, Temporal and sandbox: tokens and scopes, reads with
 * cursors, a shipment until Amazon's answer, counted stock in, idempotent writes, one error shape.
 */
const account = { id: 'api-v1-us', sellerId: 'A7APIVONE0001', region: 'na' as const, marketplaceIds: [US] };
const MUG = 'MUG-CER-12OZ-BLU'; // ×3 in the fixture
const COASTER = 'COASTER-SLATE-4PK'; // ×1
let h: Harness;
let api: ApiServer;
const tokens: Record<string, string> = {};
let counter = 0;

async function call(method: string, path: string, token: string | null, body?: unknown, headers = {}) {
  const res = await fetch(`${api.url}${path}`, {
    method,
    headers: {
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined, headers: res.headers };
}

/** A fresh FBM order in the book, shipping within `shipWithinHours`. */
async function importedOrder(shipWithinHours = 72): Promise<string> {
  const orderId = `115-${String(++counter).padStart(7, '0')}-${String(Date.now()).slice(-7)}`;
  await h.admin.addOrders(account.sellerId, [
    recentOrder(fixture('us-fbm-gift-promotions.json'), orderId, { shipWithinHours }),
  ]);
  await h.client.workflow.execute('orderSync', {
    taskQueue: h.taskQueue,
    workflowId: `api-v1-sync-${orderId}`,
    args: [{ accountId: account.id, since: minutesAgo(8) }],
  });
  await eventually(async () =>
    expect((await orderView(h.testDb.db, { amazonOrderId: orderId }))?.deliveries[0]?.state).toBe('open'),
  );
  return orderId;
}

beforeAll(async () => {
  h = await startHarness({ accounts: [account] });
  // In the catalog before any order: their delivery lines reserve these products.
  await h.testDb.db('products').insert([
    { sku: MUG, name: 'Ceramic mug, blue' },
    { sku: COASTER, name: 'Slate coasters, 4 pack' },
  ]);
  api = await startApiServer({
    db: h.testDb.db,
    temporal: async () => h.client,
    taskQueue: h.taskQueue,
    port: 0,
    shipmentWaitMs: 20_000,
  });
  for (const [name, scopes] of Object.entries({
    all: [...SCOPES],
    reader: ['read'],
    shipper: ['ship'],
    stocker: ['stock'],
  })) {
    tokens[name] = (await createToken(h.testDb.db, { name, scopes: scopes as any })).secret;
  }
});
afterAll(async () => {
  await api?.close();
  await h?.close();
});

describe('tokens and scopes', () => {
  it('no token, an unknown one and a revoked one are 401 in the one error shape', async () => {
    const revoked = (await createToken(h.testDb.db, { name: 'gone', scopes: ['read'] })).secret;
    await revokeToken(h.testDb.db, { name: 'gone' });
    for (const token of [null, 'act_nope', revoked]) {
      const res = await call('GET', '/v1/orders', token);
      expect({ token, status: res.status, code: res.body.error.code }).toEqual({
        token,
        status: 401,
        code: 'unauthorized',
      });
      expect(res.headers.get('www-authenticate')).toBe('Bearer');
    }
  });

  it('an expired token is 401', async () => {
    const expiring = (await createToken(h.testDb.db, { name: 'brief', scopes: ['read'], expiresInMs: 1 })).secret;
    await new Promise((r) => setTimeout(r, 5));
    expect((await call('GET', '/v1/orders', expiring)).status).toBe(401);
  });

  it.each([
    ['GET', '/v1/orders', 'shipper', 'read'],
    ['GET', '/v1/deliveries', 'stocker', 'read'],
    ['GET', '/v1/stock', 'shipper', 'read'],
    ['POST', '/v1/orders/113-0000000-0000000/shipments', 'reader', 'ship'],
    ['POST', '/v1/orders/113-0000000-0000000/retry', 'reader', 'ship'],
    ['PUT', '/v1/stock', 'reader', 'stock'],
    ['GET', '/v1/orders/113-0000000-0000000', 'shipper', 'read'],
    ['GET', '/v1/events', 'stocker', 'read'],
    ['GET', '/v1/webhooks', 'reader', 'admin'],
    ['POST', '/v1/webhooks', 'shipper', 'admin'],
    ['DELETE', '/v1/webhooks/wh_1', 'stocker', 'admin'],
  ])('%s %s with the %s token is 403 naming the scope %s', async (method, path, token, scope) => {
    const body =
      method === 'GET' || method === 'DELETE'
        ? undefined
        : method === 'PUT'
          ? { items: [{ sku: MUG, quantity: 1 }] }
          : {};
    const res = await call(method, path, tokens[token], body);
    expect(res.status).toBe(403);
    expect(res.body.error).toMatchObject({ code: 'forbidden', details: { missingScope: scope } });
    expect(res.body.error.message).toContain(`"${scope}"`);
  });
});

describe('connector api tokens', () => {
  it('create prints the secret once and keeps only its hash; list never shows it; revoke makes it 401', async () => {
    const env = { DATABASE_URL: h.testDb.url };
    const created = await runCli(
      ['--json', 'api', 'tokens', 'create', 'wms-cli', '--scopes', 'read,ship', '--expires', '90d'],
      env,
    );
    expect(created.error).toBeUndefined();
    const secret: string = created.json.secret;
    expect(created.json).toMatchObject({ name: 'wms-cli', scopes: ['read', 'ship'], revokedAt: null });
    expect(Date.parse(created.json.expiresAt) - Date.now()).toBeGreaterThan(89 * 86_400_000);
    expect(JSON.stringify(await h.testDb.db('api_tokens').where({ name: 'wms-cli' }))).not.toContain(secret);
    expect((await call('GET', '/v1/orders', secret)).status).toBe(200);
    expect((await call('PUT', '/v1/stock', secret, { items: [{ sku: MUG, quantity: 1 }] })).status).toBe(403);

    const list = await runCli(['--json', 'api', 'tokens', 'list'], env);
    expect(list.stdout).not.toContain(secret);
    expect(list.json.find((t: any) => t.name === 'wms-cli')).toMatchObject({ scopes: ['read', 'ship'] });
    expect((await runCli(['api', 'tokens', 'create', 'x', '--scopes', 'read,root'], env)).error).toMatch(
      /must be among read, pii, ship, stock, admin/,
    );

    expect((await runCli(['api', 'tokens', 'revoke', 'wms-cli'], env)).exitCode).toBe(0);
    expect((await call('GET', '/v1/orders', secret)).status).toBe(401);
  });
});

describe('reads', () => {
  let first: string;
  let second: string;
  beforeAll(async () => {
    first = await importedOrder(10);
    second = await importedOrder(200);
    // An order its workflow still writes to comes again later in a page walk (by design): page a settled book.
    await ordersIdle(h.client, account.id, [first, second]);
  });

  it('GET /v1/orders pages through every order once, in a stable order, with filters', async () => {
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const res = await call('GET', `/v1/orders?limit=1${cursor ? `&cursor=${cursor}` : ''}`, tokens.reader);
      expect(res.status).toBe(200);
      seen.push(...res.body.items.map((o: any) => o.amazonOrderId));
      cursor = res.body.nextCursor;
    } while (cursor);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen).toEqual(expect.arrayContaining([first, second]));
    const byPrefix = await call('GET', `/v1/orders?q=${first.slice(0, 12)}&channel=FBM&marketplace=US`, tokens.reader);
    expect(byPrefix.body.items.map((o: any) => o.amazonOrderId)).toEqual([first]);
    const none = await call('GET', `/v1/orders?state=cancelled&account=${account.id}`, tokens.reader);
    expect(none.body).toEqual({ items: [], nextCursor: null });
  });

  it('unknown parameters and bad values are 400 naming the parameter; a foreign cursor is refused', async () => {
    const unknown = await call('GET', '/v1/orders?colour=red', tokens.reader);
    expect(unknown.status).toBe(400);
    expect(unknown.body.error.code).toBe('invalid_request');
    expect(unknown.body.error.message).toMatch(/colour/);
    const limit = await call('GET', '/v1/orders?limit=501', tokens.reader);
    expect({ status: limit.status, field: limit.body.error.field }).toEqual({ status: 400, field: 'limit' });
    const state = await call('GET', '/v1/deliveries?state=lost', tokens.reader);
    expect({ status: state.status, field: state.body.error.field }).toEqual({ status: 400, field: 'state' });
    const cursor = await call('GET', '/v1/orders?cursor=bm9wZQ', tokens.reader);
    expect({ status: cursor.status, field: cursor.body.error.field }).toEqual({ status: 422, field: 'cursor' });
  });

  it("each PII read is logged with the token's name, never with the PII (through the production logger's redaction)", async () => {
    const lines: any[] = [];
    const logged = await startApiServer({
      db: h.testDb.db,
      temporal: async () => h.client,
      taskQueue: h.taskQueue,
      port: 0,
      logger: pino({ ...loggerOptions, level: 'info' }, { write: (l: string) => lines.push(JSON.parse(l)) }),
    });
    try {
      const auth = { authorization: `Bearer ${tokens.all}` };
      expect((await fetch(`${logged.url}/v1/orders/${first}`, { headers: auth })).status).toBe(200);
      expect((await fetch(`${logged.url}/v1/deliveries`, { headers: auth })).status).toBe(200);
      await fetch(`${logged.url}/v1/orders/${first}`, { headers: { authorization: `Bearer ${tokens.reader}` } });
    } finally {
      await logged.close();
    }
    const reads = lines.filter((l) => String(l.msg).startsWith('PII read'));
    expect(reads.map((l) => [l.msg, l.tokenName, l.amazonOrderId])).toEqual([
      ['PII read: order', 'all', first],
      ['PII read: pick list recipients', 'all', undefined],
    ]);
    const text = JSON.stringify(lines);
    for (const pii of ['Emily Carter', 'Daniel Carter', '2217 NE 65th St']) expect(text).not.toContain(pii);
  });

  it('GET /v1/orders/{id} hides the buyer without pii, shows it with pii, and links the workflow', async () => {
    const plain = await call('GET', `/v1/orders/${first}`, tokens.reader);
    expect(plain.status).toBe(200);
    expect(plain.body).toMatchObject({ amazonOrderId: first, channel: 'FBM', pii: false, customer: null });
    expect(plain.body.deliveryAddress).toMatchObject({ name: null, street: null, city: 'Seattle', countryCode: 'US' });
    expect(plain.body.workflowUrl).toBe(
      `http://127.0.0.1:8233/namespaces/default/workflows/${encodeURIComponent(`order:${account.id}:${first}`)}`,
    );
    expect(plain.body.totals).toEqual({ untaxed: '66.95', tax: '6.92', total: '73.87' });
    const full = await call('GET', `/v1/orders/${first}`, tokens.all);
    expect(full.body).toMatchObject({ pii: true, customer: { name: 'Emily Carter' } });
    expect(full.body.deliveryAddress.street).toBe('2217 NE 65th St');
    expect((await call('GET', '/v1/orders/113-9999999-9999999', tokens.reader)).status).toBe(404);
  });

  it('GET /v1/deliveries is the pick list, soonest ship date first, the recipient only with pii', async () => {
    const list = await call('GET', '/v1/deliveries', tokens.reader);
    expect(list.status).toBe(200);
    const ours = list.body.items.filter((d: any) => [first, second].includes(d.amazonOrderId));
    expect(ours.map((d: any) => d.amazonOrderId)).toEqual([first, second]);
    expect(ours[0]).toMatchObject({
      state: 'open',
      lines: expect.arrayContaining([{ sku: MUG, name: expect.any(String), quantity: 3 }]),
    });
    expect(ours[0].recipient).toBeUndefined();
    const withPii = await call('GET', '/v1/deliveries', tokens.all);
    expect(withPii.body.items.find((d: any) => d.amazonOrderId === first).recipient).toMatchObject({
      name: 'Daniel Carter',
      city: 'Seattle',
    });
    const soon = await call(
      'GET',
      `/v1/deliveries?shipBefore=${new Date(Date.now() + 24 * 3_600_000).toISOString()}`,
      tokens.reader,
    );
    expect(soon.body.items.map((d: any) => d.amazonOrderId)).toContain(first);
    expect(soon.body.items.map((d: any) => d.amazonOrderId)).not.toContain(second);
  });

  it('GET /v1/stock gives on hand, reserved and free per product', async () => {
    await call('PUT', '/v1/stock', tokens.stocker, { items: [{ sku: MUG, quantity: 50 }] });
    const res = await call('GET', `/v1/stock?sku=${MUG}`, tokens.reader);
    expect(res.status).toBe(200);
    expect(res.body.items[0]).toMatchObject({ sku: MUG, onHand: 50 });
    expect(res.body.items[0].reserved).toBeGreaterThanOrEqual(6); // two open orders of 3 mugs
    expect(res.body.items[0].free).toBe(50 - res.body.items[0].reserved);
  });
});

describe('writes', () => {
  it("a shipment is recorded, confirmed to Amazon, and answered 201 with Amazon's acceptance", async () => {
    const orderId = await importedOrder();
    const res = await call('POST', `/v1/orders/${orderId}/shipments`, tokens.shipper, {
      carrier: 'UPS',
      trackingNumber: '1ZV1ACCEPT',
    });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({
      amazon: 'accepted',
      duplicate: false,
      package: { packageReferenceId: 1, trackingNumber: '1ZV1ACCEPT', confirmation: 'confirmed' },
    });
    expect(((await h.admin.getOrder(orderId)) as any).order?.fulfillment?.fulfillmentStatus ?? 'SHIPPED').toBe(
      'SHIPPED',
    );
  });

  it("Amazon's rejection is 422 with Amazon's text", async () => {
    const orderId = await importedOrder();
    const res = await call('POST', `/v1/orders/${orderId}/shipments`, tokens.shipper, {
      carrier: 'UPS',
      trackingNumber: '1ZV1EARLY',
      shipDate: '2020-01-01T10:00:00Z',
    });
    expect(res.status).toBe(422);
    expect(res.body).toMatchObject({ amazon: 'rejected', package: { confirmation: 'rejected' } });
    expect(res.body.error.message).toMatch(/before the order was placed/);
  });

  it('bad input is 422 naming the field, before anything reaches the workflow', async () => {
    const orderId = await importedOrder();
    const missing = await call('POST', `/v1/orders/${orderId}/shipments`, tokens.shipper, { carrier: 'UPS' });
    expect({ status: missing.status, field: missing.body.error.field }).toEqual({
      status: 422,
      field: 'trackingNumber',
    });
    const tooMany = await call('POST', `/v1/orders/${orderId}/shipments`, tokens.shipper, {
      carrier: 'UPS',
      trackingNumber: '1Z',
      items: [{ sku: MUG, quantity: 4 }],
    });
    expect(tooMany.status).toBe(422);
    expect(tooMany.body.error).toMatchObject({ code: 'over_quantity', field: 'items' });
    expect((await orderView(h.testDb.db, { amazonOrderId: orderId }))!.deliveries).toHaveLength(1);
  });

  it('an Idempotency-Key replays the first answer; the same key with another body is 409', async () => {
    const orderId = await importedOrder();
    const body = { carrier: 'UPS', trackingNumber: '1ZV1KEY', items: [{ sku: COASTER, quantity: 1 }] };
    const key = { 'idempotency-key': `key-${orderId}` };
    const first = await call('POST', `/v1/orders/${orderId}/shipments`, tokens.shipper, body, key);
    const again = await call('POST', `/v1/orders/${orderId}/shipments`, tokens.shipper, body, key);
    expect(again.status).toBe(first.status);
    expect(again.body).toEqual(first.body);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const other = await call(
      'POST',
      `/v1/orders/${orderId}/shipments`,
      tokens.shipper,
      { ...body, trackingNumber: 'X' },
      key,
    );
    expect({ status: other.status, code: other.body.error.code }).toEqual({
      status: 409,
      code: 'idempotency_key_reused',
    });
  });

  it.each([
    ['without a key', false],
    ['with one key', true],
  ])('10 concurrent POSTs of the same package %s: exactly one confirmShipment reaches Amazon', async (_name, keyed) => {
    const orderId = await importedOrder();
    await h.admin.clearStats();
    const body = { carrier: 'UPS', trackingNumber: `1ZCONC${keyed ? 'K' : 'N'}`, items: [{ sku: MUG, quantity: 1 }] };
    const answers = await Promise.all(
      Array.from({ length: 10 }, () =>
        call(
          'POST',
          `/v1/orders/${orderId}/shipments`,
          tokens.shipper,
          body,
          keyed ? { 'idempotency-key': `c-${orderId}` } : {},
        ),
      ),
    );
    for (const a of answers) expect([201, 202]).toContain(a.status);
    expect(new Set(answers.map((a) => a.body.package?.packageReferenceId))).toEqual(new Set([1]));
    await eventually(async () =>
      expect(
        (await orderView(h.testDb.db, { amazonOrderId: orderId }))!.deliveries.find((d) => d.ref === 'pkg:1')
          ?.confirmation,
      ).toBe('confirmed'),
    );
    expect((await h.admin.stats()).operations.confirmShipment?.calls).toBe(1);
    expect(
      (await orderView(h.testDb.db, { amazonOrderId: orderId }))!.deliveries.filter((d) => d.ref.startsWith('pkg:')),
    ).toHaveLength(1);
  });

  it('PUT /v1/stock takes all rows or none: one bad row is 422 listing it, and nothing is written', async () => {
    const onHand = async (sku: string) =>
      (await call('GET', `/v1/stock?sku=${sku}`, tokens.reader)).body.items[0].onHand;
    const [mugs, coasters] = [await onHand(MUG), await onHand(COASTER)];
    const bad = await call('PUT', '/v1/stock', tokens.stocker, {
      items: [
        { sku: MUG, quantity: 7 },
        { sku: 'NOPE-1', quantity: 1 },
        { sku: COASTER, quantity: 2, location: 'NOWHERE' },
      ],
    });
    expect(bad.status).toBe(422);
    expect(bad.body.error.details.map((d: any) => d.row)).toEqual([1, 2]);
    expect([await onHand(MUG), await onHand(COASTER)]).toEqual([mugs, coasters]);
    const good = await call('PUT', '/v1/stock', tokens.stocker, {
      items: [
        { sku: MUG, quantity: 7 },
        { sku: COASTER, quantity: 2 },
      ],
    });
    expect(good.status).toBe(200);
    expect(good.body.items).toEqual([
      { sku: MUG, location: 'WH', before: mugs, onHand: 7 },
      { sku: COASTER, location: 'WH', before: coasters, onHand: 2 },
    ]);
    const fractional = await call('PUT', '/v1/stock', tokens.stocker, { items: [{ sku: MUG, quantity: 1.5 }] });
    expect({ status: fractional.status, field: fractional.body.error.field }).toEqual({
      status: 422,
      field: 'items[0].quantity',
    });
  });

  it('POST retry is 409 for an order that is not flagged', async () => {
    const orderId = await importedOrder();
    const res = await call('POST', `/v1/orders/${orderId}/retry`, tokens.shipper);
    expect({ status: res.status, code: res.body.error.code }).toEqual({ status: 409, code: 'not_flagged' });
  });
});

describe('documented', () => {
  it('/v1/openapi.json is OpenAPI 3.1 with every operation, its scopes and the error shape; /v1/docs renders it', async () => {
    const doc = (await call('GET', '/v1/openapi.json', null)).body;
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths).sort()).toEqual(
      expect.arrayContaining([
        '/v1/orders',
        '/v1/orders/{amazonOrderId}',
        '/v1/orders/{amazonOrderId}/shipments',
        '/v1/orders/{amazonOrderId}/retry',
        '/v1/deliveries',
        '/v1/stock',
        '/orders/{amazonOrderId}/shipments',
      ]),
    );
    expect(doc.paths['/orders/{amazonOrderId}/shipments'].post.deprecated).toBe(true);
    expect(doc.components.securitySchemes.bearer).toEqual({ type: 'http', scheme: 'bearer' });
    const docs = await fetch(`${api.url}/v1/docs`);
    expect(docs.status).toBe(200);
    expect(await docs.text()).toContain('/v1/docs/swagger-ui-bundle.js');
    expect((await fetch(`${api.url}/v1/docs/swagger-ui-bundle.js`)).status).toBe(200);
  });
});
