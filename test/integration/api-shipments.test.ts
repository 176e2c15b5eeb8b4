import fs from 'fs';
import path from 'path';
import { orderView } from '../../book/orders';
import { ApiServer, startApiServer } from '../../servers/api';
import { orderWorkflowId } from '../../workflows/ids';
import { stateQuery } from '../../workflows/order';
import type { OrderSyncResult } from '../../workflows/order-sync';
import { eventually, Harness, startHarness } from '../support/harness';

/**
 * The warehouse API: `POST /orders/{amazonOrderId}/shipments` with the shipmentDone JSON, Bearer-token protected,
 * checked like `connector ship` before anything is sent; plus /healthz and /readyz for the supervisor.
 */
const US = 'ATVPDKIKX0DER';
const TOKEN = 'warehouse-token-7f3a9c';
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();
const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/orders', name), 'utf8'));
const FBM = '113-5000001-0000001'; // MUG-CER-12OZ-BLU ×3, COASTER-SLATE-4PK ×1
const FBA = '114-5000002-0000002';

describe('warehouse API: shipments over HTTP reach the order workflow', () => {
  let h: Harness;
  let api: ApiServer;
  const account = {
    id: `api-${Date.now().toString(36)}`,
    sellerId: 'A7APISELLER0001',
    region: 'na' as const,
    marketplaceIds: [US],
  };
  const workflowId = orderWorkflowId(account.id, FBM);

  const post = (amazonOrderId: string, body: unknown, token: string | null = TOKEN) =>
    fetch(`${api.url}/orders/${amazonOrderId}/shipments`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', ...(token ? { authorization: `Bearer ${token}` } : {}) },
      body: typeof body === 'string' ? body : JSON.stringify(body),
    });
  const answer = async (res: Response) => ({ status: res.status, body: await res.json() });

  beforeAll(async () => {
    h = await startHarness({ accounts: [account] });
    const recent = (o: any, orderId: string) => ({
      ...o,
      orderId,
      createdTime: minutesAgo(60),
      lastUpdatedTime: minutesAgo(5),
    });
    await h.admin.addOrders(account.sellerId, [
      recent(fixture('us-fbm-gift-promotions.json'), FBM),
      recent(fixture('us-fba-no-pii.json'), FBA),
    ]);
    (await h.client.workflow.execute('orderSync', {
      taskQueue: h.taskQueue,
      workflowId: `api-sync-${account.id}`,
      args: [{ accountId: account.id, since: minutesAgo(24 * 60) }],
    })) as OrderSyncResult;
    await eventually(async () =>
      expect((await orderView(h.testDb.db, { amazonOrderId: FBM }))?.state).toBe('confirmed'),
    );
    await eventually(async () => expect((await orderView(h.testDb.db, { amazonOrderId: FBA }))?.state).toBe('shipped'));
    api = await startApiServer({ db: h.testDb.db, temporal: async () => h.client, token: TOKEN, port: 0 });
  });

  afterAll(async () => {
    await api?.close();
    for (const id of [FBM, FBA])
      await h?.client.workflow
        .getHandle(orderWorkflowId(account.id, id))
        .terminate('test over')
        .catch(() => undefined);
    await h?.close();
  });

  it('GET /healthz answers while the process is up; GET /readyz checks PostgreSQL and Temporal', async () => {
    expect(await answer(await fetch(`${api.url}/healthz`))).toEqual({ status: 200, body: { status: 'ok' } });
    expect(await answer(await fetch(`${api.url}/readyz`))).toEqual({
      status: 200,
      body: { status: 'ready', database: 'ok', temporal: 'ok', lwaSecrets: 'ok' },
    });
    const cut = await startApiServer({
      db: h.testDb.db,
      temporal: () => Promise.reject(new Error('connection refused')),
      token: TOKEN,
      port: 0,
    });
    try {
      expect(await answer(await fetch(`${cut.url}/readyz`))).toEqual({
        status: 503,
        body: { status: 'not ready', database: 'ok', temporal: 'unavailable: connection refused', lwaSecrets: 'ok' },
      });
    } finally {
      await cut.close();
    }
  });

  it('refuses a shipment without the token, or with a wrong one, and sends nothing', async () => {
    const shipment = { carrier: 'UPS', trackingNumber: '1ZNOTOKEN' };
    const none = await post(FBM, shipment, null);
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect(((await none.json()) as any).error).toEqual({
      code: 'unauthorized',
      message:
        'missing or wrong token: send Authorization: Bearer $CONNECTOR_API_TOKEN, or a v1 token with the ship scope',
    });
    expect((await post(FBM, shipment, 'guess')).status).toBe(401);
    const state = await h.client.workflow.getHandle(workflowId).query(stateQuery);
    expect(state).toMatchObject({ packages: [], rejectedShipments: [] });
  });

  it('answers 4xx with the reason as its code, worded as `connector ship` words it, before anything reaches the workflow', async () => {
    expect(await answer(await post('999-0000000-0000000', { carrier: 'UPS', trackingNumber: '1Z1' }))).toMatchObject({
      status: 404,
      body: {
        error: { code: 'unknown_order', message: expect.stringMatching(/^no order 999-0000000-0000000 in the book/) },
      },
    });
    expect(await answer(await post(FBA, { carrier: 'UPS', trackingNumber: '1Z1' }))).toMatchObject({
      status: 409,
      body: { error: { code: 'not_fbm' } },
    });
    expect(await answer(await post(FBM, { carrier: 'UPS' }))).toMatchObject({
      status: 422,
      body: { error: { code: 'invalid', message: 'trackingNumber is required for every package' } },
    });
    expect(
      await answer(
        await post(FBM, { carrier: 'UPS', trackingNumber: '1Z1', items: [{ sku: 'COASTER-SLATE-4PK', quantity: 2 }] }),
      ),
    ).toMatchObject({
      status: 422,
      body: { error: { code: 'over_quantity', message: `items COASTER-SLATE-4PK:2: only 1 open on ${FBM}` } },
    });
    expect(await answer(await post(FBM, '{"carrier": "UPS", '))).toEqual({
      status: 400,
      body: {
        error: { code: 'invalid_json', message: 'body must be JSON like {"carrier":"UPS","trackingNumber":"1Z..."}' },
      },
    });
    const get = await fetch(`${api.url}/orders/${FBM}/shipments`, { headers: { authorization: `Bearer ${TOKEN}` } });
    expect(get.status).toBe(405);
    expect(get.headers.get('allow')).toBe('POST');
    // A malformed %-escape in the id is the caller's mistake: 400, not a server error.
    expect((await answer(await post('113-%E0%A4%A', { carrier: 'UPS', trackingNumber: '1Z1' }))).status).toBe(400);
    expect((await h.client.workflow.getHandle(workflowId).query(stateQuery)).rejectedShipments).toEqual([]);
  });

  it('accepts a package with 202 and its package id; the same request again returns that package, not a second one', async () => {
    const shipment = {
      carrier: 'UPS',
      trackingNumber: '1ZAPI0000000000001',
      items: [{ sku: 'COASTER-SLATE-4PK', quantity: 1 }],
    };
    expect(await answer(await post(FBM, shipment))).toEqual({
      status: 202,
      body: {
        workflowId,
        amazonOrderId: FBM,
        packageReferenceId: 1,
        trackingNumber: '1ZAPI0000000000001',
        status: 'recorded',
      },
    });
    expect(await answer(await post(FBM, shipment))).toMatchObject({
      status: 200,
      body: { packageReferenceId: 1, status: 'duplicate' },
    });
    const view = await eventually(async () => {
      const v = (await orderView(h.testDb.db, { amazonOrderId: FBM }))!;
      expect(v.state).toBe('partially_shipped');
      expect(v.deliveries.find((d) => d.packageReferenceId === 1)?.confirmation).toBe('confirmed');
      return v;
    });
    expect(view.deliveries.filter((d) => d.packageReferenceId)).toHaveLength(1);
  });

  it('the rest of the order ships with the items omitted; the sandbox shows the order SHIPPED with both packages', async () => {
    expect(await answer(await post(FBM, { carrier: 'USPS', trackingNumber: '9400100000000000000002' }))).toMatchObject({
      status: 202,
      body: { packageReferenceId: 2, status: 'recorded' },
    });
    await eventually(async () => expect((await orderView(h.testDb.db, { amazonOrderId: FBM }))?.state).toBe('shipped'));
    const amazon: any = await eventually(async () => {
      const o: any = await h.admin.getOrder(FBM);
      expect(o.fulfillment.fulfillmentStatus).toBe('SHIPPED');
      return o;
    });
    expect(amazon.packages.map((p: any) => [p.packageReferenceId, p.trackingNumber])).toEqual([
      ['1', '1ZAPI0000000000001'],
      ['2', '9400100000000000000002'],
    ]);
    expect(await answer(await post(FBM, { carrier: 'UPS', trackingNumber: '1ZLATE' }))).toMatchObject({
      status: 409,
      body: { error: { code: 'nothing_open' } },
    });
  });
});
