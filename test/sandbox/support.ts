import nodeHttp from 'node:http';
import { buildSellingPartner } from '../../activities/spapi/client';
import { expectValid, response } from '../support/models';
import { RunningSandbox, SandboxOptions, startSandbox } from '../../sandbox';
import { SandboxAdmin, SellerSpec } from '../../sandbox/admin-client';

/** Helpers for the sandbox's specification tests: a sandbox per file, a seller with a token, raw SP-API calls over HTTP. */

export const US = 'ATVPDKIKX0DER';
export const CA = 'A2EUQ1WTGCTBG2';
export const MX = 'A1AM78C64UM0Y8';
export const DE = 'A1PA6795UKMFR9';
export const ES = 'A1RKKUPIHCS9HS';
export const FR = 'A13V1IB3VIYZZH';
export const UK = 'A1F83G8C2ARO7P';
export const IT = 'APJ6JRA9NG5V4';
export const NL = 'A1805IZSGTT6HS';

export const NA_HOST = 'sellingpartnerapi-na.amazon.com';
export const EU_HOST = 'sellingpartnerapi-eu.amazon.com';

export interface TestSandbox {
  sandbox: RunningSandbox;
  url: string;
  admin: SandboxAdmin;
  close(): Promise<void>;
}

/** A sandbox on a free port, fast feeds and listing patches, limits off unless asked. */
export async function startTestSandbox(options: SandboxOptions = {}): Promise<TestSandbox> {
  const sandbox = await startSandbox({
    rateLimits: 'off',
    feedQueueMs: 30,
    feedProcessingMs: 30,
    listingApplyDelayMs: 20,
    ...options,
  });
  return { sandbox, url: sandbox.url, admin: new SandboxAdmin(sandbox.url), close: () => sandbox.close() };
}

let sellerCounter = 0;

export function sellerSpec(overrides: Partial<SellerSpec> = {}): SellerSpec {
  const n = ++sellerCounter;
  return {
    sellerId: `A${String(n).padStart(3, '0')}TESTSELLER`,
    marketplaceIds: [US, CA, MX],
    clientId: 'amzn1.application-oa2-client.test',
    clientSecret: 'test-secret',
    refreshToken: `Atzr|test-refresh-${n}-${Date.now()}`,
    ...overrides,
  };
}

export interface HttpResult {
  status: number;
  /** Lower-case names. */
  headers: Record<string, string>;
  raw: Buffer;
  text: string;
  json: any;
}

/** One HTTP request with node:http (fetch would not send Amazon's Host header, which the sandbox must accept). */
export function http(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
): Promise<HttpResult> {
  return new Promise((resolve, reject) => {
    const req = nodeHttp.request(url, { method: opts.method ?? 'GET', headers: opts.headers }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c) => chunks.push(c));
      res.on('error', reject);
      res.on('end', () => {
        const raw = Buffer.concat(chunks);
        const text = raw.toString('utf8');
        let json: any;
        try {
          json = text ? JSON.parse(text) : undefined;
        } catch {
          json = undefined;
        }
        const headers = Object.fromEntries(
          Object.entries(res.headers).map(([k, v]) => [k, Array.isArray(v) ? v.join(', ') : String(v)]),
        );
        resolve({ status: res.statusCode ?? 0, headers, raw, text, json });
      });
    });
    req.on('error', reject);
    req.end(opts.body);
  });
}

export async function accessToken(url: string, seller: SellerSpec): Promise<string> {
  const res = await http(`${url}/auth/o2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      grant_type: 'refresh_token',
      refresh_token: seller.refreshToken,
      client_id: seller.clientId,
      client_secret: seller.clientSecret,
    }),
  });
  if (res.status !== 200) throw new Error(`token: ${res.status} ${res.text}`);
  return res.json.access_token;
}

/** A seller created through the admin API, with an access token and a raw SP-API caller. */
export async function newSeller(t: TestSandbox, overrides: Partial<SellerSpec> = {}) {
  const spec = sellerSpec(overrides);
  await t.admin.createSeller(spec);
  const token = await accessToken(t.url, spec);
  const call = (
    method: string,
    path: string,
    opts: {
      query?: Record<string, string | string[] | number | boolean>;
      body?: unknown;
      host?: string;
      token?: string | null;
    } = {},
  ) => {
    const u = new URL(path, t.url);
    for (const [k, v] of Object.entries(opts.query ?? {}))
      u.searchParams.set(k, Array.isArray(v) ? v.join(',') : String(v));
    const headers: Record<string, string> = {
      host: opts.host ?? NA_HOST,
      'content-type': 'application/json; charset=utf-8',
    };
    const tok = opts.token === undefined ? token : opts.token;
    if (tok !== null) headers['x-amz-access-token'] = tok;
    return http(u.toString(), {
      method,
      headers,
      body: opts.body === undefined ? undefined : JSON.stringify(opts.body),
    });
  };
  return { spec, sellerId: spec.sellerId, token, call };
}

export type TestSeller = Awaited<ReturnType<typeof newSeller>>;

/** The connector's amazon-sp-api client for the seller, every request sent to the sandbox. */
export function connectorClient(t: TestSandbox, seller: TestSeller) {
  return buildSellingPartner({
    accountId: 'test',
    sellerId: seller.sellerId,
    region: 'na',
    endpoint: t.url,
    clientId: seller.spec.clientId,
    clientSecret: seller.spec.clientSecret,
    refreshToken: seller.spec.refreshToken,
  });
}

/** The response validates against the operation's schema for its status in Amazon's model. */
export function expectModel(file: string, path: string, method: string, res: HttpResult): void {
  expectValid(response(file, path, method, res.status), res.json, `${method.toUpperCase()} ${path} ${res.status} body`);
}

/** Amazon's error shape: {errors: [{code, message, details?}]} with the given status and code. */
export function expectError(res: HttpResult, status: number, code?: string): void {
  expect({ status: res.status, body: res.json }).toMatchObject({
    status,
    body: { errors: [expect.objectContaining(code ? { code } : {})] },
  });
  for (const e of res.json.errors) {
    expect(typeof e.code).toBe('string');
    expect(typeof e.message).toBe('string');
    if (e.details !== undefined) expect(typeof e.details).toBe('string');
  }
  expect(res.headers['x-amzn-requestid']).toBeTruthy();
}

export const minutesAgo = (m: number) => new Date(Date.now() - m * 60_000).toISOString();
