import crypto from 'crypto';
import fs from 'fs';
import net from 'net';
import os from 'os';
import path from 'path';
import { Client, Connection } from '@temporalio/client';
import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { signState } from '../../lib/oauth-state';
import { loadAccountCredentials } from '../../book/accounts';
import { enabledMarketplaces } from '../../book/marketplaces';
import { SpApiClients, fetchMarketplaceParticipations } from '../../activities/spapi/clients';
import { keyringFromEnv } from '../../lib/secrets';
import { startSandbox } from '../../sandbox';
import { CliRun, runCli, startCli } from '../support/cli';
import { createTestDatabase, TestDatabase } from '../support/db';
import { eventually } from '../support/harness';

const cli = (...args: string[]) => runCli(args);

async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise((resolve) => server.close(resolve));
  return port;
}

const OLD_KEY = crypto.randomBytes(32).toString('hex');
let t: TestDatabase;
let sandbox: { url: string; close(): Promise<void> };
const savedEnv = { ...process.env };

/** A seller the sandbox knows, with its app credentials. */
const sellerUS = {
  sellerId: 'A1USSELLER0001',
  clientId: 'amzn1.application-oa2-client.us',
  clientSecret: 'cs-US-5f2e9c',
  refreshToken: 'Atzr|rt-US-91b7d3',
};
const sellerEU = {
  sellerId: 'A2EUSELLER0002',
  clientId: 'amzn1.application-oa2-client.eu',
  clientSecret: 'cs-EU-c0ffee',
  refreshToken: 'Atzr|rt-EU-decade',
};
/** A seller who authorizes the same app through the consent page (one app, many sellers, as on Amazon). */
const sellerLink = {
  sellerId: 'A3LINKSELLER03',
  clientId: sellerUS.clientId,
  clientSecret: sellerUS.clientSecret,
  refreshToken: 'Atzr|rt-configured-link',
};
/** Another seller of the same app, never connected: for links that must fail at LWA. */
const sellerFresh = { ...sellerLink, sellerId: 'A4FRESHSELLER04', refreshToken: 'Atzr|rt-configured-fresh' };
const US_CA_BR = ['ATVPDKIKX0DER', 'A2EUQ1WTGCTBG2', 'A2Q3Y263D00KWC'];

async function createSandboxSeller(seller: typeof sellerUS, marketplaceIds: string[]): Promise<void> {
  const res = await fetch(`${sandbox.url}/_sandbox/sellers`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ...seller, marketplaceIds }),
  });
  if (res.status >= 300) throw new Error(`sandbox refused the seller: ${res.status} ${await res.text()}`);
}

function addArgs(name: string, seller: typeof sellerUS, region: string, ...extra: string[]): string[] {
  return [
    'accounts',
    'add',
    '--name',
    name,
    '--seller-id',
    seller.sellerId,
    '--region',
    region,
    '--endpoint',
    sandbox.url,
    '--client-id',
    seller.clientId,
    '--client-secret',
    seller.clientSecret,
    '--refresh-token',
    seller.refreshToken,
    ...extra,
  ];
}

/** Rows of both account tables: "nothing saved" means these do not change. */
async function snapshot(): Promise<unknown> {
  return {
    accounts: await t
      .db('seller_accounts')
      .select('id', 'seller_id', 'client_secret_enc', 'refresh_token_enc', 'enabled', 'updated_at')
      .orderBy('id'),
    marketplaces: await t.db('account_marketplaces').select('*').orderBy(['account_id', 'marketplace_id']),
  };
}

beforeAll(async () => {
  t = await createTestDatabase();
  sandbox = await startSandbox({ port: 0 });
  await createSandboxSeller(sellerUS, US_CA_BR);
  await createSandboxSeller(sellerEU, ['A1PA6795UKMFR9', 'A13V1IB3VIYZZH']);
  await createSandboxSeller(sellerLink, ['ATVPDKIKX0DER', 'A1AM78C64UM0Y8']);
  await createSandboxSeller(sellerFresh, ['ATVPDKIKX0DER']);
  process.env.DATABASE_URL = t.url;
  process.env.CONNECTOR_SECRET_KEY = OLD_KEY;
  process.env.CONNECTOR_SECRET_KEY_ID = 'k1';
  process.env.CONNECTOR_DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'connector-accounts-'));
  process.env.TEMPORAL_ADDRESS = `127.0.0.1:${await closedPort()}`;
  for (const name of [
    'CONNECTOR_OLD_SECRET_KEYS',
    'CONNECTOR_LWA_CLIENT_ID',
    'CONNECTOR_LWA_CLIENT_SECRET',
    'CONNECTOR_SP_APPLICATION_ID',
  ])
    delete process.env[name];
});

afterAll(async () => {
  process.env = savedEnv;
  await sandbox?.close();
  await t?.drop();
});

describe('accounts add (credentials typed in)', () => {
  it('checks the credentials with the sandbox, saves the account, and enables the marketplaces it participates in', async () => {
    const { json, error } = await cli('--json', ...addArgs('shop-us', sellerUS, 'na'));
    expect(error).toBeUndefined();
    expect(json).toMatchObject({
      name: 'shop-us',
      sellerId: sellerUS.sellerId,
      region: 'na',
      endpoint: sandbox.url,
      created: true,
    });
    expect(json.marketplaces.filter((m: any) => m.enabled).map((m: any) => m.code)).toEqual(['CA', 'US']);
    expect(json.unknown).toEqual([
      expect.objectContaining({
        id: 'A2Q3Y263D00KWC',
        hint: expect.stringMatching(/^unknown — add it with `connector marketplaces add --id A2Q3Y263D00KWC --code BR/),
      }),
    ]);
    expect((await enabledMarketplaces(t.db, { accountId: 'shop-us' })).map((m) => m.code)).toEqual(['CA', 'US']);
  });

  it('--marketplaces chooses which of them are synced', async () => {
    const { json, error } = await cli('--json', ...addArgs('shop-eu', sellerEU, 'eu', '--marketplaces', 'DE'));
    expect(error).toBeUndefined();
    expect(json.marketplaces.map((m: any) => [m.code, m.participating, m.enabled])).toEqual([
      ['DE', true, true],
      ['FR', true, false],
    ]);
  });

  it('`accounts list --json` shows every account with its marketplaces and masks the secrets', async () => {
    const { json, stdout } = await cli('--json', 'accounts', 'list');
    expect(json.map((a: any) => a.name)).toEqual(['shop-eu', 'shop-us']);
    expect(json[1]).toMatchObject({ clientSecret: '********', refreshToken: '********', secretKeyId: 'k1' });
    expect(json[1].marketplaces.map((m: any) => m.code)).toEqual(['CA', 'US']);
    for (const secret of [sellerUS.clientSecret, sellerUS.refreshToken, sellerEU.clientSecret, sellerEU.refreshToken])
      expect(stdout).not.toContain(secret);
  });

  it('`accounts show` and the human list mask the secrets too', async () => {
    const show = await cli('accounts', 'show', 'shop-us');
    const list = await cli('accounts', 'list');
    expect(show.stdout).toMatch(/client secret\s+\*{8}/);
    expect(list.stdout).toMatch(/shop-us\s+A1USSELLER0001\s+na\s+yes\s+CA,US/);
    for (const out of [show.stdout, list.stdout]) expect(out).not.toContain(sellerUS.refreshToken);
  });

  it('no secret is stored in plaintext anywhere in the database', async () => {
    const tables = await t
      .db('information_schema.tables')
      .where({ table_schema: 'public', table_type: 'BASE TABLE' })
      .pluck('table_name');
    const dump = (
      await Promise.all(
        tables.map((name: string) =>
          t.db.raw(`SELECT coalesce(string_agg(x::text, ' '), '') AS text FROM "${name}" x`),
        ),
      )
    )
      .map((r) => r.rows[0].text)
      .join(' ');
    expect(dump).toContain(sellerUS.sellerId); // the check reads the rows
    for (const secret of [sellerUS.clientSecret, sellerUS.refreshToken, sellerEU.clientSecret, sellerEU.refreshToken]) {
      expect(dump).not.toContain(secret);
      expect(dump).not.toContain(Buffer.from(secret).toString('base64'));
    }
    const sealed = await t.db('seller_accounts').select('client_secret_enc', 'refresh_token_enc', 'secret_key_id');
    for (const row of sealed)
      expect([row.client_secret_enc, row.refresh_token_enc, row.secret_key_id]).toEqual([
        expect.stringMatching(/^v1:k1:/),
        expect.stringMatching(/^v1:k1:/),
        'k1',
      ]);
  });

  it('activities load the decrypted credentials by account id', async () => {
    const creds = await loadAccountCredentials(t.db, { keyring: keyringFromEnv(process.env), accountId: 'shop-us' });
    expect(creds).toEqual({
      accountId: 'shop-us',
      sellerId: sellerUS.sellerId,
      region: 'na',
      endpoint: sandbox.url,
      clientId: sellerUS.clientId,
      clientSecret: sellerUS.clientSecret,
      refreshToken: sellerUS.refreshToken,
    });
  });
});

describe('accounts add refuses bad input with one line naming the field, and saves nothing', () => {
  const otherSeller = { ...sellerUS, sellerId: 'A9OTHERSELLER9' };
  const cases: Array<[string, () => string[], RegExp, string?]> = [
    [
      'an unknown region',
      () => addArgs('bad-1', otherSeller, 'us'),
      /^--region "us" is not an Amazon region: use na .*eu .*fe/,
    ],
    [
      'a marketplace of another region',
      () => addArgs('bad-2', otherSeller, 'na', '--marketplaces', 'US,DE'),
      /^--marketplaces: DE \(A1PA6795UKMFR9\) is a marketplace of region eu, but the account is in na/,
    ],
    [
      'an unknown marketplace',
      () => addArgs('bad-3', otherSeller, 'na', '--marketplaces', 'US,BR'),
      /^--marketplaces "BR" is not a known marketplace: .*connector marketplaces add/,
      'UnknownMarketplace',
    ],
    [
      'a duplicate name',
      () => addArgs('shop-us', otherSeller, 'na'),
      /^--name shop-us is already used by seller A1USSELLER0001: choose another name/,
    ],
    [
      'a duplicate seller id',
      () => addArgs('shop-us-2', sellerUS, 'na'),
      /^--seller-id A1USSELLER0001 is already connected as account "shop-us"/,
    ],
    [
      'a refresh token LWA refuses (invalid_grant)',
      () => addArgs('bad-4', { ...otherSeller, refreshToken: 'Atzr|revoked' }, 'na'),
      /^--refresh-token was refused by Login with Amazon \(invalid_grant\).*nothing was saved$/,
    ],
    [
      'a client secret LWA refuses (invalid_client)',
      () => addArgs('bad-5', { ...otherSeller, refreshToken: sellerUS.refreshToken, clientSecret: 'wrong' }, 'na'),
      /^--client-id\/--client-secret were refused by Login with Amazon \(invalid_client\)/,
    ],
    [
      'a name that is not a slug',
      () => addArgs('Shop US', otherSeller, 'na'),
      /^--name "Shop US" must be a short slug/,
    ],
    [
      'an endpoint that is not an http base URL',
      () => addArgs('bad-6', otherSeller, 'na').map((a) => (a === sandbox.url ? 'ftp://x' : a)),
      /^--endpoint "ftp:\/\/x" must be a plain http:\/\/ base URL/,
    ],
  ];
  it.each(cases)('%s', async (_what, args, message, errorName = 'UserError') => {
    const before = await snapshot();
    const { error, thrown } = await cli(...args());
    expect(thrown?.name).toBe(errorName);
    expect(error).toMatch(message);
    expect(error).not.toContain('\n');
    expect(await snapshot()).toEqual(before);
  });

  it('a missing CONNECTOR_SECRET_KEY', async () => {
    const before = await snapshot();
    delete process.env.CONNECTOR_SECRET_KEY;
    try {
      const { error, thrown } = await cli(...addArgs('bad-7', otherSeller, 'na'));
      expect(thrown?.name).toBe('ConfigError');
      expect(error).toMatch(/^CONNECTOR_SECRET_KEY is not set: .*openssl rand -hex 32/);
    } finally {
      process.env.CONNECTOR_SECRET_KEY = OLD_KEY;
    }
    expect(await snapshot()).toEqual(before);
  });
});

describe('accounts link (consent page, redirect, LWA code exchange)', () => {
  const appArgs = () => [
    '--home-marketplace',
    'US',
    '--endpoint',
    sandbox.url,
    '--application-id',
    'amzn1.sp.solution.test-app',
    '--client-id',
    sellerUS.clientId,
  ];

  /** Starts `accounts link` on a free port and returns the consent URL it prints. */
  async function startLink(name: string, ...extra: string[]): Promise<{ run: CliRun; url: URL }> {
    const run = startCli([
      '--json',
      'accounts',
      'link',
      '--name',
      name,
      ...appArgs(),
      '--client-secret',
      sellerUS.clientSecret,
      '--port',
      '0',
      ...extra,
    ]);
    const [, url] = await run.printed(/(http:\/\/\S+\/apps\/authorize\/consent\S+)/);
    return { run, url: new URL(url) };
  }

  /** What the seller's browser does: sign in as the seller, consent, follow the redirect to our callback. */
  async function consent(url: URL, sellerId = sellerLink.sellerId): Promise<{ callback: URL; status: number }> {
    url.searchParams.set('seller_id', sellerId); // the sandbox's stand-in for signing in to Seller Central
    const page = await fetch(url, { redirect: 'manual' });
    expect(page.status).toBe(302);
    const callback = new URL(page.headers.get('location')!);
    return { callback, status: (await fetch(callback)).status };
  }

  it('the consent URL carries the application id, a signed state and the local redirect; the redirect completes the link', async () => {
    const { run, url } = await startLink('linked-us');
    expect(url.origin).toBe(sandbox.url);
    expect(url.searchParams.get('application_id')).toBe('amzn1.sp.solution.test-app');
    expect(url.searchParams.get('state')).toMatch(/^[\w-]+\.[\w-]+$/);
    expect(url.searchParams.get('redirect_uri')).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/callback$/);

    const { callback, status } = await consent(url);
    expect(callback.searchParams.get('selling_partner_id')).toBe(sellerLink.sellerId);
    expect(status).toBe(200);
    const { json, error } = await run.done;
    expect(error).toBeUndefined();
    expect(json).toMatchObject({ name: 'linked-us', sellerId: sellerLink.sellerId, region: 'na', created: true });

    const list = await cli('--json', 'accounts', 'list');
    const linked = list.json.find((a: any) => a.name === 'linked-us');
    expect(linked).toMatchObject({ sellerId: sellerLink.sellerId, clientSecret: '********', refreshToken: '********' });
    expect(linked.marketplaces.filter((m: any) => m.enabled).map((m: any) => m.code)).toEqual(['MX', 'US']);
    // The refresh token LWA issued for the code is stored (sealed) and works.
    const creds = await loadAccountCredentials(t.db, { keyring: keyringFromEnv(process.env), accountId: 'linked-us' });
    expect(creds.refreshToken).toMatch(/^Atzr\|/);
    expect(creds.refreshToken).not.toBe(sellerLink.refreshToken);
    expect((await cli('accounts', 'marketplaces', 'refresh', 'linked-us')).error).toBeUndefined();
  });

  it('linking the same name again re-authorizes the account and keeps its marketplace choices', async () => {
    await cli('accounts', 'marketplaces', 'disable', 'linked-us', 'MX');
    const before = await loadAccountCredentials(t.db, { keyring: keyringFromEnv(process.env), accountId: 'linked-us' });
    const { run, url } = await startLink('linked-us');
    await consent(url);
    const { json, error } = await run.done;
    expect(error).toBeUndefined();
    expect(json).toMatchObject({ name: 'linked-us', created: false });
    expect(
      (await loadAccountCredentials(t.db, { keyring: keyringFromEnv(process.env), accountId: 'linked-us' }))
        .refreshToken,
    ).not.toBe(before.refreshToken);
    expect((await enabledMarketplaces(t.db, { accountId: 'linked-us' })).map((m) => m.code)).toEqual(['US']);
  });

  it('a consent by a seller already connected under another name is refused, nothing saved', async () => {
    const before = await snapshot();
    const { run, url } = await startLink('second-us');
    await consent(url, sellerUS.sellerId);
    const { error } = await run.done;
    expect(error).toMatch(
      /^seller A1USSELLER0001 is already connected as account "shop-us": link with --name shop-us to re-authorize it/,
    );
    expect(await snapshot()).toEqual(before);
  });

  it('a forged state pasted by hand is refused, nothing exchanged or saved', async () => {
    const before = await snapshot();
    const forged = signState(keyringFromEnv({ CONNECTOR_SECRET_KEY: crypto.randomBytes(32).toString('hex') }), {
      name: 'pasted-us',
      home: 'US',
    });
    const { error } = await cli(
      'accounts',
      'link',
      '--name',
      'pasted-us',
      ...appArgs(),
      '--client-secret',
      sellerUS.clientSecret,
      '--code',
      'any',
      '--state',
      forged,
      '--seller-id',
      sellerUS.sellerId,
    );
    expect(error).toMatch(/^--state was not issued by this connector/);
    expect(await snapshot()).toEqual(before);
  });

  it('an expired state pasted by hand is refused', async () => {
    const before = await snapshot();
    const expired = signState(
      keyringFromEnv(process.env),
      { name: 'pasted-us', home: 'US' },
      60_000,
      Date.now() - 11 * 60_000,
    );
    const { error } = await cli(
      'accounts',
      'link',
      '--name',
      'pasted-us',
      ...appArgs(),
      '--client-secret',
      sellerUS.clientSecret,
      '--code',
      'any',
      '--state',
      expired,
      '--seller-id',
      sellerUS.sellerId,
    );
    expect(error).toMatch(/^--state expired at \S+: run `connector accounts link` again/);
    expect(await snapshot()).toEqual(before);
  });

  it('a forged state arriving at the local callback ends the link with an error', async () => {
    const before = await snapshot();
    const { run, url } = await startLink('forged-us');
    const redirect = new URL(url.searchParams.get('redirect_uri')!);
    redirect.search = new URLSearchParams({
      spapi_oauth_code: 'x',
      state: 'eyJ9.forged',
      selling_partner_id: sellerUS.sellerId,
    }).toString();
    expect((await fetch(redirect)).status).toBe(400);
    const { error } = await run.done;
    expect(error).toMatch(/^--state was not issued by this connector/);
    expect(await snapshot()).toEqual(before);
  });

  it('an authorization code LWA refuses (invalid_grant) names --code', async () => {
    const before = await snapshot();
    const state = signState(keyringFromEnv(process.env), { name: 'pasted-us', home: 'US' });
    const { error } = await cli(
      'accounts',
      'link',
      '--name',
      'pasted-us',
      ...appArgs(),
      '--client-secret',
      sellerUS.clientSecret,
      '--code',
      'not-a-code',
      '--state',
      state,
      '--seller-id',
      sellerFresh.sellerId,
    );
    expect(error).toMatch(/^--code \(spapi_oauth_code\) was refused by Login with Amazon \(invalid_grant\)/);
    expect(await snapshot()).toEqual(before);
  });

  it('app credentials LWA refuses (invalid_client) are named, after a real consent', async () => {
    const before = await snapshot();
    const { run, url } = await startLink('badclient-us', '--client-secret', 'wrong-secret');
    await consent(url, sellerFresh.sellerId);
    const { error } = await run.done;
    expect(error).toMatch(/^--client-id\/--client-secret were refused by Login with Amazon \(invalid_client\)/);
    expect(await snapshot()).toEqual(before);
  });

  it('takes the app credentials from CONNECTOR_LWA_CLIENT_ID/SECRET when the flags are absent', async () => {
    const state = signState(keyringFromEnv(process.env), { name: 'env-us', home: 'US' });
    const args = [
      'accounts',
      'link',
      '--name',
      'env-us',
      '--home-marketplace',
      'US',
      '--endpoint',
      sandbox.url,
      '--code',
      'not-a-code',
      '--state',
      state,
      '--seller-id',
      sellerFresh.sellerId,
    ];
    expect((await cli(...args)).error).toMatch(/^--client-id is required: .*CONNECTOR_LWA_CLIENT_ID/);
    Object.assign(process.env, {
      CONNECTOR_LWA_CLIENT_ID: sellerUS.clientId,
      CONNECTOR_LWA_CLIENT_SECRET: sellerUS.clientSecret,
    });
    try {
      // LWA accepted the client and refused only the code: the credentials came from the environment.
      expect((await cli(...args)).error).toMatch(
        /^--code \(spapi_oauth_code\) was refused by Login with Amazon \(invalid_grant\)/,
      );
    } finally {
      delete process.env.CONNECTOR_LWA_CLIENT_ID;
      delete process.env.CONNECTOR_LWA_CLIENT_SECRET;
    }
  });

  it('a missing CONNECTOR_SECRET_KEY stops the link before any URL is printed', async () => {
    delete process.env.CONNECTOR_SECRET_KEY;
    try {
      const { error, stderr } = await cli(
        'accounts',
        'link',
        '--name',
        'nokey-us',
        ...appArgs(),
        '--client-secret',
        sellerUS.clientSecret,
        '--port',
        '0',
      );
      expect(error).toMatch(/^CONNECTOR_SECRET_KEY is not set/);
      expect(stderr).toBe('');
    } finally {
      process.env.CONNECTOR_SECRET_KEY = OLD_KEY;
    }
  });

  it('an unknown home marketplace is refused before anything is printed', async () => {
    const { error, stderr } = await cli(
      'accounts',
      'link',
      '--name',
      'x-us',
      '--home-marketplace',
      'ZZ',
      '--application-id',
      'a',
      '--client-id',
      'c',
      '--client-secret',
      's',
    );
    expect(error).toMatch(/^--home-marketplace "ZZ" is not a known marketplace/);
    expect(stderr).toBe('');
  });
});

describe('SpApiClients: one client per account, rebuilt when its credentials change', () => {
  it('returns the same client while the account is unchanged, and a new one after re-authorization', async () => {
    const clients = new SpApiClients(t.db, keyringFromEnv(process.env));
    const first = await clients.forAccount('shop-eu');
    expect((await clients.forAccount('shop-eu')).sp).toBe(first.sp);
    expect((await fetchMarketplaceParticipations(first.sp)).map((p) => p.marketplaceId).sort()).toEqual([
      'A13V1IB3VIYZZH',
      'A1PA6795UKMFR9',
    ]);

    await t
      .db('seller_accounts')
      .where({ id: 'shop-eu' })
      .update({ client_id: 'amzn1.application-oa2-client.changed', updated_at: t.db.fn.now() });
    const second = await clients.forAccount('shop-eu');
    expect(second.sp).not.toBe(first.sp);
    expect(second.account.clientId).toBe('amzn1.application-oa2-client.changed');
    await t
      .db('seller_accounts')
      .where({ id: 'shop-eu' })
      .update({ client_id: sellerEU.clientId, updated_at: t.db.fn.now() });
  });

  it('refuses an unknown account and a disabled one by name', async () => {
    const clients = new SpApiClients(t.db, keyringFromEnv(process.env));
    await expect(clients.forAccount('nobody')).rejects.toMatchObject({
      name: 'UnknownAccount',
      message: expect.stringMatching(/^account "nobody" does not exist/),
    });
    expect((await cli('accounts', 'disable', 'shop-eu')).error).toBeUndefined();
    await expect(clients.forAccount('shop-eu')).rejects.toMatchObject({
      name: 'AccountDisabled',
      message: expect.stringMatching(/accounts enable shop-eu/),
    });
    expect((await cli('accounts', 'enable', 'shop-eu')).error).toBeUndefined();
    expect((await clients.forAccount('shop-eu')).account.sellerId).toBe(sellerEU.sellerId);
  });
});

describe('keys rotate', () => {
  const NEW_KEY = crypto.randomBytes(32).toString('hex');

  it('refuses while an old key is missing, and changes nothing', async () => {
    const before = await snapshot();
    Object.assign(process.env, { CONNECTOR_SECRET_KEY: NEW_KEY, CONNECTOR_SECRET_KEY_ID: 'k2' });
    try {
      const { error, thrown } = await cli('keys', 'rotate');
      expect(thrown?.name).toBe('ConfigError');
      expect(error).toMatch(/sealed with key "k1", which is not configured: add it to CONNECTOR_OLD_SECRET_KEYS/);
    } finally {
      Object.assign(process.env, { CONNECTOR_SECRET_KEY: OLD_KEY, CONNECTOR_SECRET_KEY_ID: 'k1' });
    }
    expect(await snapshot()).toEqual(before);
  });

  it('re-seals every secret under the new key, reports counts, and the old key is no longer needed', async () => {
    const accounts = Number((await t.db('seller_accounts').count({ n: '*' }))[0].n);
    Object.assign(process.env, {
      CONNECTOR_SECRET_KEY: NEW_KEY,
      CONNECTOR_SECRET_KEY_ID: 'k2',
      CONNECTOR_OLD_SECRET_KEYS: `k1:${OLD_KEY}`,
    });
    const first = await cli('--json', 'keys', 'rotate');
    expect(first.json).toEqual({ activeKeyId: 'k2', accounts, resealed: accounts, alreadyCurrent: 0 });
    const again = await cli('--json', 'keys', 'rotate');
    expect(again.json).toEqual({ activeKeyId: 'k2', accounts, resealed: 0, alreadyCurrent: accounts });

    delete process.env.CONNECTOR_OLD_SECRET_KEYS;
    const rows = await t.db('seller_accounts').select('client_secret_enc', 'refresh_token_enc', 'secret_key_id');
    for (const r of rows)
      expect([r.client_secret_enc.slice(0, 6), r.refresh_token_enc.slice(0, 6), r.secret_key_id]).toEqual([
        'v1:k2:',
        'v1:k2:',
        'k2',
      ]);
    expect(
      (await loadAccountCredentials(t.db, { keyring: keyringFromEnv(process.env), accountId: 'shop-us' })).refreshToken,
    ).toBe(sellerUS.refreshToken);
    const refresh = await cli('accounts', 'marketplaces', 'refresh', 'shop-us');
    expect(refresh.error).toBeUndefined();
  });
});

describe('accounts remove', () => {
  it('refuses when Temporal cannot be asked about open order workflows, and keeps the account', async () => {
    const { error } = await cli('accounts', 'remove', 'shop-eu');
    expect(error).toMatch(
      /^cannot check for open order workflows of shop-eu \(.*\): start Temporal or fix TEMPORAL_ADDRESS, or pass --force/,
    );
    expect(await t.db('seller_accounts').where({ id: 'shop-eu' }).first()).toBeDefined();
  });

  it('--force removes the account and its marketplaces', async () => {
    const { json, error } = await cli('--json', 'accounts', 'remove', 'shop-eu', '--force');
    expect(error).toBeUndefined();
    expect(json).toEqual({ name: 'shop-eu', removed: true, orders: 0 });
    expect(await t.db('account_marketplaces').where({ account_id: 'shop-eu' })).toEqual([]);
  });

  it('an unknown account is refused by name', async () => {
    expect((await cli('accounts', 'remove', 'nobody', '--force')).error).toMatch(/^account "nobody" does not exist/);
  });

  const withTemporal = process.env.TEMPORAL_TEST_ADDRESS ? it : it.skip;
  withTemporal('refuses while an order workflow of the account is running (needs TEMPORAL_TEST_ADDRESS)', async () => {
    const address = process.env.TEMPORAL_TEST_ADDRESS!;
    process.env.TEMPORAL_ADDRESS = address;
    const connection = await Connection.connect({ address });
    const client = new Client({ connection });
    const workflowId = `order:shop-us:test-${Date.now()}`;
    // No worker polls this queue: the run stays open, as an order waiting for shipment would.
    const handle = await client.workflow.start('order', {
      taskQueue: `accounts-remove-${Date.now()}`,
      workflowId,
      args: [],
      typedSearchAttributes: [
        { key: defineSearchAttributeKey('SellerAccount', SearchAttributeType.KEYWORD), value: 'shop-us' },
      ],
    });
    // What the command asks Temporal's visibility, which lags the start and the end of a run: wait until it knows.
    const openOrders = `WorkflowType='order' AND SellerAccount='shop-us' AND ExecutionStatus='Running'`;
    try {
      await eventually(async () => expect((await client.workflow.count(openOrders)).count).toBe(1));
      expect((await cli('accounts', 'remove', 'shop-us')).error).toMatch(
        /^account shop-us has 1 open order workflow\(s\)/,
      );
      await handle.terminate('test');
      await eventually(async () => expect((await client.workflow.count(openOrders)).count).toBe(0));
      expect((await cli('accounts', 'remove', 'shop-us')).error).toBeUndefined();
    } finally {
      await handle.terminate('cleanup').catch(() => undefined);
      await connection.close();
    }
  });
});
