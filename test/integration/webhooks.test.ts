import os from 'node:os';
import path from 'node:path';
import { Webhook as Verifier } from 'standardwebhooks';
import { createToken } from '../../book/api-tokens';
import { checkWebhookTarget, parseAllowedTargets } from '../../lib/webhook-target';
import { ApiServer, startApiServer } from '../../servers/api';
import { keyringFromEnv } from '../../lib/secrets';
import { startWorkerChild } from '../../bench/support/processes';
import { eventually, Harness, startHarness, TEST_SECRET_KEY } from '../support/harness';
import { US } from '../support/orders';
import { emitEvents, importedEvent, webhookReceiver as receiver } from '../support/webhooks';

/**
 * Webhooks over real HTTP: signed per the Standard Webhooks spec, in order, at least once whatever the receiver or the
 * worker does, and an endpoint that keeps failing is disabled with the reason.
 */
const account = { id: 'hooks-us', sellerId: 'A9HOOKS000001', region: 'na' as const, marketplaceIds: [US] };
const LOOPBACK = '127.0.0.1/32';
let h: Harness;
let api: ApiServer;
let admin: string;

async function call(method: string, url: string, body?: unknown) {
  const res = await fetch(`${api.url}${url}`, {
    method,
    headers: { authorization: `Bearer ${admin}`, ...(body ? { 'content-type': 'application/json' } : {}) },
    body: body ? JSON.stringify(body) : undefined,
  });
  const text = await res.text();
  return { status: res.status, body: text ? JSON.parse(text) : undefined };
}

/** Events of `n` orders, as the import writes them (one transaction each). */
async function orderEvents(prefix: string, n: number): Promise<string[]> {
  const ids = Array.from({ length: n }, (_, i) => `${prefix}-${i}`);
  for (const id of ids)
    await emitEvents(h.testDb.db, [
      importedEvent(account.id, id),
      {
        type: 'order.cancelled',
        account: account.id,
        amazonOrderId: id,
        data: { previousState: 'confirmed', link: '/x' },
      },
    ]);
  return ids;
}

beforeAll(async () => {
  h = await startHarness({
    accounts: [account],
    env: { CONNECTOR_WEBHOOK_ALLOWED_HOSTS: LOOPBACK },
  });
  api = await startApiServer({
    db: h.testDb.db,
    temporal: async () => h.client,
    taskQueue: h.taskQueue,
    port: 0,
    webhooks: { keyring: keyringFromEnv(), allowed: parseAllowedTargets(LOOPBACK), retryForMs: 3 * 86_400_000 },
  });
  admin = (await createToken(h.testDb.db, { name: 'admin', scopes: ['admin', 'read'] })).secret;
});
afterAll(async () => {
  await api?.close();
  await h?.close();
});

it('private, loopback and link-local targets are refused unless allowed, after DNS resolution too', async () => {
  const none = parseAllowedTargets('');
  for (const url of [
    'http://10.1.2.3/x',
    'http://127.0.0.1/x',
    'http://169.254.169.254/latest',
    'http://localhost/x',
    'http://[::1]/x',
  ])
    await expect(checkWebhookTarget(url, none)).rejects.toThrow(/public addresses only/);
  await expect(checkWebhookTarget('http://127.0.0.1/x', parseAllowedTargets(LOOPBACK))).resolves.toBeUndefined();
  const res = await call('POST', '/v1/webhooks', { url: 'http://10.9.9.9/x', types: ['*'] });
  expect(res.status).toBe(422);
  expect(res.body.error.field).toBe('url');
});

it('deliveries are signed per Standard Webhooks; a tampered body or a wrong secret fails verification', async () => {
  const r = await receiver();
  try {
    const created = await call('POST', '/v1/webhooks', { url: r.url, types: ['order.imported'], description: 'wms' });
    expect(created.status).toBe(201);
    expect(created.body.secret).toMatch(/^whsec_/);
    const [id] = await orderEvents(`sig-${Date.now()}`, 1);
    await eventually(async () => expect(r.delivered().map((e) => e.amazonOrderId)).toEqual([id]));
    const { headers, body } = r.deliveries[0];
    const verifier = new Verifier(created.body.secret);
    const signed = {
      'webhook-id': String(headers['webhook-id']),
      'webhook-timestamp': String(headers['webhook-timestamp']),
      'webhook-signature': String(headers['webhook-signature']),
    };
    expect(verifier.verify(body, signed)).toMatchObject({ type: 'order.imported', amazonOrderId: id });
    expect(signed['webhook-id']).toBe(JSON.parse(body).id);
    expect(() => verifier.verify(body.replace('confirmed', 'shipped'), signed)).toThrow();
    expect(() => new Verifier(`whsec_${Buffer.alloc(24, 7).toString('base64')}`).verify(body, signed)).toThrow();
    // Only the types it asked for: order.cancelled of the same order never came.
    expect(r.delivered().every((e) => e.type === 'order.imported')).toBe(true);
  } finally {
    await r.close();
  }
});

it('a receiver down for a while gets every event afterwards, in order per order, none lost', async () => {
  const r = await receiver();
  try {
    r.state.answer = 503;
    const created = await call('POST', '/v1/webhooks', { url: r.url, types: ['*'] });
    const ids = await orderEvents(`down-${Date.now()}`, 5);
    await eventually(async () => expect(r.deliveries.length).toBeGreaterThan(0));
    const attempts = await call('GET', `/v1/webhooks/${created.body.id}/deliveries`);
    expect(attempts.body.attempts[0]).toMatchObject({ statusCode: 503, nextRetryAt: expect.any(String) });
    await new Promise((resolve) => setTimeout(resolve, 3000));
    r.state.answer = 200;
    await eventually(async () => expect(r.delivered()).toHaveLength(10), 60_000);
    const got = r.delivered();
    for (const id of ids)
      expect(got.filter((e) => e.amazonOrderId === id).map((e) => e.type)).toEqual([
        'order.imported',
        'order.cancelled',
      ]);
    expect(got.map((e) => e.sequence)).toEqual([...got.map((e) => e.sequence)].sort((a, b) => a - b));
  } finally {
    await r.close();
  }
}, 90_000);

it('410 Gone disables the endpoint at once; failures past the retry window disable it with the reason', async () => {
  const gone = await receiver();
  const failing = await receiver();
  // An API whose endpoints are retried for 8 s only (CONNECTOR_WEBHOOK_RETRY_FOR), not 3 days.
  const brief = await startApiServer({
    db: h.testDb.db,
    temporal: async () => h.client,
    taskQueue: h.taskQueue,
    port: 0,
    webhooks: { keyring: keyringFromEnv(), allowed: parseAllowedTargets(LOOPBACK), retryForMs: 8_000 },
  });
  const create = async (url: string) =>
    (
      (await (
        await fetch(`${brief.url}/v1/webhooks`, {
          method: 'POST',
          headers: { authorization: `Bearer ${admin}`, 'content-type': 'application/json' },
          body: JSON.stringify({ url, types: ['*'] }),
        })
      ).json()) as any
    ).id as string;
  try {
    gone.state.answer = 410;
    failing.state.answer = 500;
    const a = await create(gone.url);
    const b = await create(failing.url);
    await orderEvents(`fail-${Date.now()}`, 1);
    const listed = async (id: string) => (await call('GET', '/v1/webhooks')).body.items.find((w: any) => w.id === id);
    await eventually(async () =>
      expect(await listed(a)).toMatchObject({ enabled: false, disabledReason: expect.stringMatching(/410/) }),
    );
    expect(gone.deliveries).toHaveLength(1);
    await eventually(
      async () =>
        expect(await listed(b)).toMatchObject({
          enabled: false,
          disabledReason: expect.stringMatching(/answered 500/),
        }),
      60_000,
    );
    expect(failing.deliveries.length).toBeGreaterThan(1);
  } finally {
    await brief.close();
    await gone.close();
    await failing.close();
  }
}, 90_000);

it('kill -9 of the worker during delivery: every event arrives at least once; webhook-id tells the repeats', async () => {
  const r = await receiver();
  r.state.delayMs = 40; // slow enough that the kill lands mid-batch
  await h.connector.close(); // deliveries move to child workers that can be killed
  const child = () =>
    startWorkerChild(
      {
        databaseUrl: h.testDb.url,
        temporalAddress: process.env.TEMPORAL_TEST_ADDRESS!,
        taskQueue: h.taskQueue,
        secretKey: TEST_SECRET_KEY,
        bundlePath: process.env.TEST_WORKFLOW_BUNDLE!,
        extraEnv: { CONNECTOR_WEBHOOK_ALLOWED_HOSTS: LOOPBACK, LOG_LEVEL: 'warn' },
      },
      path.join(os.tmpdir(), `webhooks-worker-${process.pid}.log`),
    );
  let worker = await child();
  try {
    await call('POST', '/v1/webhooks', { url: r.url, types: ['order.imported'] });
    const ids = await orderEvents(`kill-${Date.now()}`, 60);
    await eventually(async () => expect(r.delivered().length).toBeGreaterThan(10));
    worker.child.kill('SIGKILL');
    await worker.exited;
    const before = r.delivered().length;
    expect(before).toBeLessThan(60);
    worker = await child();
    await eventually(
      async () => expect(new Set(r.delivered().map((e) => e.amazonOrderId))).toEqual(new Set(ids)),
      90_000,
    );
    const byId = new Map<string, number>();
    for (const e of r.delivered()) byId.set(e.id, (byId.get(e.id) ?? 0) + 1);
    expect(byId.size).toBe(60); // distinct webhook-ids: the receiver's dedup key
  } finally {
    await worker.stop(5_000);
    await r.close();
  }
}, 180_000);

it('DELETE /v1/webhooks/{id} removes an endpoint (admin only); a second DELETE is 404', async () => {
  const created = await call('POST', '/v1/webhooks', { url: 'http://127.0.0.1:9/gone', types: ['*'] });
  expect(created.status).toBe(201);
  const id = created.body.id as string;
  const reader = (await createToken(h.testDb.db, { name: 'reader-del', scopes: ['read'] })).secret;
  const refused = await fetch(`${api.url}/v1/webhooks/${id}`, {
    method: 'DELETE',
    headers: { authorization: `Bearer ${reader}` },
  });
  expect(refused.status).toBe(403);

  expect((await call('DELETE', `/v1/webhooks/${id}`)).status).toBe(204);
  const listed = await call('GET', '/v1/webhooks');
  expect(listed.body.items.map((w: { id: string }) => w.id)).not.toContain(id);
  const again = await call('DELETE', `/v1/webhooks/${id}`);
  expect(again.status).toBe(404);
  expect(again.body.error.code).toBe('not_found');
});
