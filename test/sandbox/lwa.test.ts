import {
  accessToken,
  expectError,
  expectModel,
  http,
  newSeller,
  sellerSpec,
  startTestSandbox,
  TestSandbox,
  US,
} from './support';

/** Login with Amazon, Seller Central consent, and the access-token check of every SP-API call. */

let clock = Date.now();
let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox({ now: () => clock, tokenLifetimeSeconds: 3600 });
});
afterAll(() => t.close());
beforeEach(() => {
  clock = Date.now();
});

const token = (body: Record<string, string>, form = false) =>
  http(`${t.url}/auth/o2/token`, {
    method: 'POST',
    headers: {
      host: 'api.amazon.com',
      'content-type': form ? 'application/x-www-form-urlencoded' : 'application/json',
    },
    body: form ? new URLSearchParams(body).toString() : JSON.stringify(body),
  });

describe('POST /auth/o2/token', () => {
  test('a refresh_token grant (JSON body) answers a bearer access token with the configured lifetime', async () => {
    const seller = sellerSpec();
    await t.admin.createSeller(seller);
    const res = await token({
      grant_type: 'refresh_token',
      refresh_token: seller.refreshToken,
      client_id: seller.clientId,
      client_secret: seller.clientSecret,
    });
    expect(res.status).toBe(200);
    expect(res.json).toEqual({
      access_token: expect.stringMatching(/^Atza\|/),
      refresh_token: seller.refreshToken,
      token_type: 'bearer',
      expires_in: 3600,
    });
  });

  test('a form-encoded body works the same (curl -d)', async () => {
    const seller = sellerSpec();
    await t.admin.createSeller(seller);
    const res = await token(
      {
        grant_type: 'refresh_token',
        refresh_token: seller.refreshToken,
        client_id: seller.clientId,
        client_secret: seller.clientSecret,
      },
      true,
    );
    expect(res.status).toBe(200);
    expect(res.json.token_type).toBe('bearer');
  });

  test("OAuth errors are Amazon's: invalid_request, unsupported_grant_type, invalid_client, invalid_grant", async () => {
    const seller = sellerSpec();
    await t.admin.createSeller(seller);
    const base = { client_id: seller.clientId, client_secret: seller.clientSecret };
    const cases: Array<[Record<string, string>, number, string]> = [
      [{ ...base }, 400, 'invalid_request'],
      [{ ...base, grant_type: 'password' }, 400, 'unsupported_grant_type'],
      [
        {
          grant_type: 'refresh_token',
          refresh_token: seller.refreshToken,
          client_id: seller.clientId,
          client_secret: 'wrong',
        },
        401,
        'invalid_client',
      ],
      [{ ...base, grant_type: 'refresh_token', refresh_token: 'Atzr|unknown' }, 400, 'invalid_grant'],
      [{ ...base, grant_type: 'refresh_token' }, 400, 'invalid_request'],
      [{ ...base, grant_type: 'authorization_code', code: 'never-issued' }, 400, 'invalid_grant'],
    ];
    for (const [body, status, error] of cases) {
      const res = await token(body);
      expect({ body, status: res.status, error: res.json.error }).toEqual({ body, status, error });
      expect(typeof res.json.error_description).toBe('string');
    }
  });

  test("a refresh token is refused when presented by another app's client", async () => {
    const seller = sellerSpec({ clientId: 'amzn1.application-oa2-client.app-a', clientSecret: 'a' });
    const other = sellerSpec({ clientId: 'amzn1.application-oa2-client.app-b', clientSecret: 'b' });
    await t.admin.createSeller(seller);
    await t.admin.createSeller(other);
    const res = await token({
      grant_type: 'refresh_token',
      refresh_token: seller.refreshToken,
      client_id: other.clientId,
      client_secret: other.clientSecret,
    });
    expect([res.status, res.json.error]).toEqual([400, 'invalid_grant']);
  });

  test('client_credentials gives a grantless token for a known scope, which cannot read seller data', async () => {
    const seller = sellerSpec();
    await t.admin.createSeller(seller);
    const base = { grant_type: 'client_credentials', client_id: seller.clientId, client_secret: seller.clientSecret };
    const res = await token({ ...base, scope: 'sellingpartnerapi::notifications' });
    expect(res.json).toMatchObject({
      access_token: expect.any(String),
      scope: 'sellingpartnerapi::notifications',
      token_type: 'bearer',
    });
    expect((await token({ ...base, scope: 'sellingpartnerapi::everything' })).json.error).toBe('invalid_scope');
    const orders = await http(`${t.url}/orders/2026-01-01/orders?createdAfter=2026-01-01T00:00:00Z`, {
      headers: { 'x-amz-access-token': res.json.access_token },
    });
    expectError(orders, 403, 'Unauthorized');
  });
});

describe('Seller Central consent (website authorization workflow)', () => {
  test('consent redirects back with spapi_oauth_code, state and selling_partner_id; the code exchanges once for a working refresh token', async () => {
    const seller = sellerSpec();
    await t.admin.createSeller(seller);
    const consent = await http(
      t.admin.consentUrl({
        applicationId: 'amzn1.sp.solution.test',
        state: 'xyz-state',
        redirectUri: 'http://127.0.0.1:9999/callback',
        sellerId: seller.sellerId,
      }),
    );
    expect(consent.status).toBe(302);
    const back = new URL(consent.headers.location);
    expect(`${back.origin}${back.pathname}`).toBe('http://127.0.0.1:9999/callback');
    expect(back.searchParams.get('state')).toBe('xyz-state');
    expect(back.searchParams.get('selling_partner_id')).toBe(seller.sellerId);
    const code = back.searchParams.get('spapi_oauth_code')!;
    expect(code).toMatch(/^\w{10,}$/);

    const exchange = {
      grant_type: 'authorization_code',
      code,
      client_id: seller.clientId,
      client_secret: seller.clientSecret,
      redirect_uri: 'http://127.0.0.1:9999/callback',
    };
    const first = await token(exchange);
    expect(first.status).toBe(200);
    expect(first.json).toMatchObject({
      access_token: expect.any(String),
      refresh_token: expect.stringMatching(/^Atzr\|/),
      token_type: 'bearer',
    });
    expect((await token(exchange)).json.error).toBe('invalid_grant');

    const refreshed = await token({
      grant_type: 'refresh_token',
      refresh_token: first.json.refresh_token,
      client_id: seller.clientId,
      client_secret: seller.clientSecret,
    });
    const participations = await http(`${t.url}/sellers/v1/marketplaceParticipations`, {
      headers: { 'x-amz-access-token': refreshed.json.access_token },
    });
    expect(participations.status).toBe(200);
  });

  test('with several sellers and none chosen, the page lists them; without redirect_uri it is a 400', async () => {
    await t.admin.createSeller(sellerSpec());
    await t.admin.createSeller(sellerSpec());
    const page = await http(
      `${t.url}/apps/authorize/consent?application_id=app&state=s&redirect_uri=${encodeURIComponent('http://localhost/cb')}`,
    );
    expect(page.status).toBe(200);
    expect(page.text).toContain('seller_id=');
    expect((await http(`${t.url}/apps/authorize/consent?application_id=app&state=s`)).status).toBe(400);
  });
});

describe('x-amz-access-token on every SP-API call', () => {
  const path = '/sellers/v1/marketplaceParticipations';
  const sellers = (res: Awaited<ReturnType<typeof http>>) => expectModel('sellers.json', path, 'get', res);

  test("a missing token is Amazon's 403 Unauthorized", async () => {
    const res = await http(`${t.url}${path}`);
    expectError(res, 403, 'Unauthorized');
    expect(res.json.errors[0]).toEqual({
      message: 'Access to requested resource is denied.',
      code: 'Unauthorized',
      details: 'Access token is missing in the request header.',
    });
    sellers(res);
  });

  test("an unknown token is Amazon's 403 'revoked, malformed or invalid'", async () => {
    const res = await http(`${t.url}${path}`, { headers: { 'x-amz-access-token': 'Atza|forged' } });
    expect(res.json.errors[0].details).toBe('The access token you provided is revoked, malformed or invalid.');
    expect(res.json.errors[0].details).not.toMatch(/access token.*expired/);
  });

  test("an expired token is Amazon's exact 403, the one the amazon-sp-api client refreshes on", async () => {
    const seller = await newSeller(t, { marketplaceIds: [US] });
    expect((await seller.call('GET', path)).status).toBe(200);
    clock += 3601 * 1000;
    const res = await seller.call('GET', path);
    expect(res.status).toBe(403);
    expect(res.json).toEqual({
      errors: [
        {
          message: 'Access to requested resource is denied.',
          code: 'Unauthorized',
          details: 'The access token you provided has expired.',
        },
      ],
    });
    expect(res.json.errors[0].details).toMatch(/access token.*expired/);
    const fresh = await accessToken(t.url, seller.spec);
    expect((await seller.call('GET', path, { token: fresh })).status).toBe(200);
  });

  test('POST /_sandbox/sellers/{id}/expire-tokens expires the seller’s tokens now', async () => {
    const seller = await newSeller(t, { marketplaceIds: [US] });
    expect(await t.admin.expireAccessTokens(seller.sellerId)).toEqual({ expired: 1 });
    expect((await seller.call('GET', path)).json.errors[0].details).toBe('The access token you provided has expired.');
  });
});

describe("an app's client secret: Amazon's rotation with a grace, and expiry", () => {
  const DAY = 86_400_000;
  let app = 0;
  /** Two sellers who authorized the same app (its own client id: other tests keep theirs). */
  async function twoSellersOfOneApp() {
    const clientId = `amzn1.application-oa2-client.rotating-${++app}`;
    const a = sellerSpec({ clientId, clientSecret: 'amzn1.oa2-cs.v1.first' });
    const b = sellerSpec({ clientId, clientSecret: 'amzn1.oa2-cs.v1.first' });
    await t.admin.createSeller(a);
    await t.admin.createSeller(b);
    return { clientId, a, b };
  }
  const refresh = (seller: { refreshToken: string; clientId: string }, secret: string) =>
    token({
      grant_type: 'refresh_token',
      refresh_token: seller.refreshToken,
      client_id: seller.clientId,
      client_secret: secret,
    });
  const outcome = async (res: Promise<{ status: number; json: any }>) => {
    const r = await res;
    return r.status === 200 ? 200 : `${r.status} ${r.json.error}`;
  };

  test('a rotation gives every seller of the app the new secret; the old one works 7 more days, then invalid_client', async () => {
    const { clientId, a, b } = await twoSellersOfOneApp();
    const rotated = await t.admin.rotateAppSecret(clientId);
    expect(rotated).toEqual({
      clientId,
      newClientSecret: expect.stringMatching(/^amzn1\.oa2-cs\.v1\.[\w-]{20,}$/),
      newClientSecretExpiryTime: new Date(clock + 180 * DAY).toISOString(),
      oldClientSecretExpiryTime: new Date(clock + 7 * DAY).toISOString(),
    });
    expect((await t.admin.getSeller(b.sellerId))?.clientSecret).toBe(rotated.newClientSecret);
    for (const seller of [a, b]) {
      expect(await outcome(refresh(seller, 'amzn1.oa2-cs.v1.first'))).toBe(200);
      expect(await outcome(refresh(seller, rotated.newClientSecret))).toBe(200);
    }
    clock += 7 * DAY + 1000;
    expect(await outcome(refresh(a, 'amzn1.oa2-cs.v1.first'))).toBe('401 invalid_client');
    expect(await outcome(refresh(a, rotated.newClientSecret))).toBe(200);
    clock += 174 * DAY;
    expect(await outcome(refresh(a, rotated.newClientSecret))).toBe('401 invalid_client');
  });

  test('expire-secret: the current secret (no rotation in time), or the old one before its grace ends', async () => {
    const { clientId, a } = await twoSellersOfOneApp();
    await t.admin.expireAppSecret(clientId);
    expect(await outcome(refresh(a, 'amzn1.oa2-cs.v1.first'))).toBe('401 invalid_client');
    // A rotation after the deadline: the new secret works, the expired one is not revived by the grace.
    const rotated = await t.admin.rotateAppSecret(clientId, { clientSecret: 'amzn1.oa2-cs.v1.second' });
    expect(rotated.oldClientSecretExpiryTime).toBe(new Date(clock).toISOString());
    expect(await outcome(refresh(a, 'amzn1.oa2-cs.v1.first'))).toBe('401 invalid_client');
    expect(await outcome(refresh(a, 'amzn1.oa2-cs.v1.second'))).toBe(200);

    await t.admin.rotateAppSecret(clientId, { clientSecret: 'amzn1.oa2-cs.v1.third', graceSeconds: 3600 });
    expect(await outcome(refresh(a, 'amzn1.oa2-cs.v1.second'))).toBe(200);
    await t.admin.expireAppSecret(clientId, 'old');
    expect(await outcome(refresh(a, 'amzn1.oa2-cs.v1.second'))).toBe('401 invalid_client');
    expect(await outcome(refresh(a, 'amzn1.oa2-cs.v1.third'))).toBe(200);
    await expect(t.admin.rotateAppSecret('amzn1.application-oa2-client.nobody')).rejects.toThrow(
      /404.*no seller uses app/,
    );
  });
});
