import { callSpApi } from '../../activities/spapi/call';
import { AmazonUnavailable, QuotaExceeded } from '../../lib/errors';
import { parseFaultSpec } from '../../sandbox/faults';
import {
  connectorClient,
  expectError,
  expectModel,
  http,
  newSeller,
  startTestSandbox,
  TestSandbox,
  TestSeller,
  US,
} from './support';

/** Injected faults: 500 InternalFailure, 503, a late answer, a reset connection, a truncated JSON body. */

const PATH = '/sellers/v1/marketplaceParticipations';
let t: TestSandbox;
let seller: TestSeller;
beforeAll(async () => {
  t = await startTestSandbox({ seed: 5 });
  seller = await newSeller(t, { marketplaceIds: [US] });
});
afterAll(() => t.close());
beforeEach(async () => {
  await t.admin.setConfig({ faults: {}, rateLimits: 'off' });
  await t.admin.clearStats();
});

const participations = () => seller.call('GET', PATH);
/** The connector's client. amazon-sp-api leaves its 20 s response timer running when a request fails before any byte
 * (reset), which would keep jest alive after the run: these tests do without that one timer. */
function connector() {
  const sp = connectorClient(t, seller);
  (sp as any)._options.timeouts = { ...(sp as any)._options.timeouts, response: 0 };
  return sp;
}

test('the CLI spec names operations and probabilities; a part without an operation applies to every one ("*")', () => {
  expect(parseFaultSpec('status500=0.05,reset=0.01;searchOrders:timeout=0.1,timeoutMs=25000')).toEqual({
    '*': { status500: 0.05, reset: 0.01 },
    searchOrders: { timeout: 0.1, timeoutMs: 25000 },
  });
  expect(parseFaultSpec('{"getOrder": {"truncated": 0.5}}')).toEqual({ getOrder: { truncated: 0.5 } });
  expect(() => parseFaultSpec('status500=2')).toThrow(/probability/);
  expect(() => parseFaultSpec('explode=0.1')).toThrow(/unknown/);
});

test('status500: Amazon’s 500 InternalFailure in the ErrorList shape; the connector sees AmazonUnavailable', async () => {
  await t.admin.setConfig({ faults: { getMarketplaceParticipations: { status500: 1 } } });
  const res = await participations();
  expectError(res, 500, 'InternalFailure');
  expectModel('sellers.json', PATH, 'get', res);
  await expect(
    callSpApi(connector(), { operation: 'getMarketplaceParticipations', endpoint: 'sellers' }),
  ).rejects.toBeInstanceOf(AmazonUnavailable);
  expect((await t.admin.stats()).operations.getMarketplaceParticipations).toMatchObject({ calls: 2, '5xx': 2 });
});

test('status503: 503 ServiceUnavailable', async () => {
  await t.admin.setConfig({ faults: { '*': { status503: 1 } } });
  expectError(await participations(), 503, 'ServiceUnavailable');
});

test('truncated: a 200 whose JSON body is cut in half (the operation happened); the connector sees AmazonUnavailable', async () => {
  await t.admin.setConfig({ faults: { '*': { truncated: 1 } } });
  const res = await participations();
  expect(res.status).toBe(200);
  expect(Number(res.headers['content-length'])).toBe(res.raw.length);
  expect(() => JSON.parse(res.text)).toThrow();
  await expect(
    callSpApi(connector(), { operation: 'getMarketplaceParticipations', endpoint: 'sellers' }),
  ).rejects.toThrow(/not JSON/);
});

test('reset: the connection is destroyed without an answer', async () => {
  await t.admin.setConfig({ faults: { '*': { reset: 1 } } });
  await expect(participations()).rejects.toThrow(/socket hang up|ECONNRESET/);
  await expect(
    callSpApi(connector(), { operation: 'getMarketplaceParticipations', endpoint: 'sellers' }),
  ).rejects.toBeInstanceOf(AmazonUnavailable);
  expect((await t.admin.stats()).operations.getMarketplaceParticipations).toMatchObject({ calls: 2, faults: 2 });
});

test('timeout: the answer comes only after timeoutMs', async () => {
  await t.admin.setConfig({ faults: { '*': { timeout: 1, timeoutMs: 300 } } });
  const started = Date.now();
  const res = await participations();
  expect(res.status).toBe(200);
  expect(Date.now() - started).toBeGreaterThanOrEqual(290);
});

test('"*" covers the SP-API operations, not LWA nor the admin API; LWA fails only when named ("lwaToken")', async () => {
  await t.admin.setConfig({ faults: { '*': { status500: 1 } } });
  const token = () =>
    http(`${t.url}/auth/o2/token`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_type: 'refresh_token',
        refresh_token: seller.spec.refreshToken,
        client_id: seller.spec.clientId,
        client_secret: seller.spec.clientSecret,
      }),
    });
  expect((await token()).status).toBe(200);
  expect((await t.admin.getConfig()).faults).toEqual({ '*': { status500: 1 } });
  await t.admin.setConfig({ faults: { lwaToken: { status500: 1 } } });
  expect((await token()).status).toBe(500);
  expect((await participations()).status).toBe(200);
});

test('faults are drawn by probability, repeatably for a seed', async () => {
  await t.admin.setConfig({ faults: { '*': { status500: 0.2 } } });
  const statuses = [];
  for (let i = 0; i < 200; i++) statuses.push((await participations()).status);
  const failed = statuses.filter((s) => s === 500).length;
  expect(failed).toBeGreaterThan(20);
  expect(failed).toBeLessThan(60);
  expect((await t.admin.stats()).operations.getMarketplaceParticipations).toMatchObject({
    calls: 200,
    '2xx': 200 - failed,
    '5xx': failed,
  });
});

test('with real limits, a 429 reaches the connector as QuotaExceeded with the wait the header implies', async () => {
  await t.admin.setConfig({ rateLimits: 'real' });
  const sp = connector();
  for (let i = 0; i < 15; i++) await callSpApi(sp, { operation: 'getMarketplaceParticipations', endpoint: 'sellers' });
  const error = await callSpApi(sp, { operation: 'getMarketplaceParticipations', endpoint: 'sellers' }).catch((e) => e);
  expect(error).toBeInstanceOf(QuotaExceeded);
  expect(error.nextRetryDelayMs).toBe(Math.ceil(1000 / 0.016));
});
