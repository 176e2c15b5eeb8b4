import crypto from 'crypto';
import fs from 'fs';
import os from 'os';
import path from 'path';
import { accountMarketplaces, enabledMarketplaces } from '../../book/marketplaces';
import { startSandbox } from '../../sandbox';
import { runCli } from '../support/cli';
import { createTestDatabase, TestDatabase } from '../support/db';

const cli = (...args: string[]) => runCli(args);

const PL = [
  '--id',
  'A1C3SOZRARQ6R3',
  '--code',
  'PL',
  '--name',
  'Amazon.pl',
  '--region',
  'eu',
  '--currency',
  'PLN',
  '--domain',
  'amazon.pl',
];
const fakeCreds = [
  '--client-id',
  'amzn1.application-oa2-client.test',
  '--client-secret',
  'cs-secret',
  '--refresh-token',
  'Atzr|rt-secret',
];

let t: TestDatabase;
const savedEnv = { ...process.env };

beforeAll(async () => {
  t = await createTestDatabase();
  process.env.DATABASE_URL = t.url;
  process.env.CONNECTOR_SECRET_KEY = crypto.randomBytes(32).toString('hex');
  process.env.CONNECTOR_DATA_DIR = fs.mkdtempSync(path.join(os.tmpdir(), 'connector-mp-'));
  delete process.env.CONNECTOR_LWA_CLIENT_ID;
  delete process.env.CONNECTOR_LWA_CLIENT_SECRET;
});

afterAll(async () => {
  process.env = savedEnv;
  await t.drop();
});

async function marketplaceCount(): Promise<number> {
  return Number((await t.db('marketplaces').count({ n: '*' }))[0].n);
}

describe('the marketplace catalog', () => {
  it('starts with the 9 seeded marketplaces, each with its region and currency', async () => {
    const { json, error } = await cli('--json', 'marketplaces', 'list');
    expect(error).toBeUndefined();
    expect(json.map((m: any) => m.code).sort()).toEqual(['CA', 'DE', 'ES', 'FR', 'IT', 'MX', 'NL', 'UK', 'US']);
    expect(json.find((m: any) => m.code === 'UK')).toMatchObject({
      id: 'A1F83G8C2ARO7P',
      region: 'eu',
      currency: 'GBP',
      countryCode: 'GB',
    });
  });

  it('`marketplaces add` PL makes it usable by an EU account after `accounts marketplaces enable`', async () => {
    const added = await cli('--json', 'marketplaces', 'add', ...PL);
    expect(added.error).toBeUndefined();
    expect(added.json).toMatchObject({
      id: 'A1C3SOZRARQ6R3',
      code: 'PL',
      region: 'eu',
      currency: 'PLN',
      countryCode: 'PL',
      created: true,
    });

    const add = await cli(
      'accounts',
      'add',
      '--name',
      'shop-eu',
      '--seller-id',
      'A2EUSELLER01',
      '--region',
      'eu',
      ...fakeCreds,
      '--marketplaces',
      'DE',
      '--no-verify',
    );
    expect(add.error).toBeUndefined();
    expect((await enabledMarketplaces(t.db, { accountId: 'shop-eu' })).map((m) => m.code)).toEqual(['DE']);

    const enable = await cli('accounts', 'marketplaces', 'enable', 'shop-eu', 'PL');
    expect(enable.error).toBeUndefined();
    expect((await enabledMarketplaces(t.db, { accountId: 'shop-eu' })).map((m) => m.code)).toEqual(['DE', 'PL']);
  });

  it('adding the same id again updates it instead of failing', async () => {
    const again = await cli(
      '--json',
      'marketplaces',
      'add',
      ...PL.slice(0, 4),
      '--name',
      'Amazon Polska',
      ...PL.slice(6),
    );
    expect(again.error).toBeUndefined();
    expect(again.json).toMatchObject({ code: 'PL', name: 'Amazon Polska', created: false });
    expect(await marketplaceCount()).toBe(10);
  });

  const badMarketplaces: Array<[string, string[], RegExp]> = [
    [
      'an id that is not an Amazon marketplace id',
      [
        '--id',
        'pl-1',
        '--code',
        'SE',
        '--name',
        'Amazon.se',
        '--region',
        'eu',
        '--currency',
        'SEK',
        '--domain',
        'amazon.se',
      ],
      /^--id "pl-1" is not an Amazon marketplace id/,
    ],
    [
      'an unknown region',
      [
        '--id',
        'A2NODRKZP88ZB9',
        '--code',
        'SE',
        '--name',
        'Amazon.se',
        '--region',
        'europe',
        '--currency',
        'SEK',
        '--domain',
        'amazon.se',
      ],
      /^--region "europe" is not an Amazon region: use na .*, eu .* or fe/,
    ],
    [
      'a currency that is not 3 letters',
      [
        '--id',
        'A2NODRKZP88ZB9',
        '--code',
        'SE',
        '--name',
        'Amazon.se',
        '--region',
        'eu',
        '--currency',
        'kr',
        '--domain',
        'amazon.se',
      ],
      /^--currency "kr" must be a 3-letter ISO 4217 code/,
    ],
    [
      'a domain given as a URL',
      [
        '--id',
        'A2NODRKZP88ZB9',
        '--code',
        'SE',
        '--name',
        'Amazon.se',
        '--region',
        'eu',
        '--currency',
        'SEK',
        '--domain',
        'https://www.amazon.se',
      ],
      /^--domain .* must be the bare shop domain, like amazon.pl/,
    ],
    [
      'a code of three letters',
      [
        '--id',
        'A2NODRKZP88ZB9',
        '--code',
        'SWE',
        '--name',
        'Amazon.se',
        '--region',
        'eu',
        '--currency',
        'SEK',
        '--domain',
        'amazon.se',
      ],
      /^--code "SWE" must be two letters/,
    ],
    [
      'a missing name',
      ['--id', 'A2NODRKZP88ZB9', '--code', 'SE', '--region', 'eu', '--currency', 'SEK', '--domain', 'amazon.se'],
      /^--name is required/,
    ],
    [
      'a code already used by another marketplace',
      [
        '--id',
        'A2NODRKZP88ZB9',
        '--code',
        'DE',
        '--name',
        'Amazon.se',
        '--region',
        'eu',
        '--currency',
        'SEK',
        '--domain',
        'amazon.se',
      ],
      /^--code DE is already used by marketplace A1PA6795UKMFR9/,
    ],
  ];
  it.each(badMarketplaces)(
    'refuses %s with one line naming the flag, and saves nothing',
    async (_what, args, message) => {
      const before = await marketplaceCount();
      const { error, thrown } = await cli('marketplaces', 'add', ...args);
      expect(thrown?.name).toBe('UserError');
      expect(error).toMatch(message);
      expect(error).not.toContain('\n');
      expect(await marketplaceCount()).toBe(before);
    },
  );

  it('refuses to move a marketplace that accounts use to another region', async () => {
    const { error } = await cli('marketplaces', 'add', ...PL.slice(0, 6), '--region', 'fe', ...PL.slice(8));
    expect(error).toMatch(/^--region: marketplace A1C3SOZRARQ6R3 is eu and accounts use it/);
    expect((await t.db('marketplaces').where({ id: 'A1C3SOZRARQ6R3' }).first()).region).toBe('eu');
  });
});

describe("an account's marketplaces", () => {
  beforeAll(async () => {
    const add = await cli(
      'accounts',
      'add',
      '--name',
      'shop-na',
      '--seller-id',
      'A1NASELLER01',
      '--region',
      'na',
      ...fakeCreds,
      '--marketplaces',
      'US,CA',
      '--no-verify',
    );
    expect(add.error).toBeUndefined();
  });

  it('only enabled marketplaces are synced: disable removes one from enabledMarketplaces, enable brings it back', async () => {
    expect((await enabledMarketplaces(t.db, { accountId: 'shop-na' })).map((m) => m.code)).toEqual(['CA', 'US']);
    expect((await cli('accounts', 'marketplaces', 'disable', 'shop-na', 'CA')).error).toBeUndefined();
    expect((await enabledMarketplaces(t.db, { accountId: 'shop-na' })).map((m) => m.code)).toEqual(['US']);
    expect((await accountMarketplaces(t.db, { accountId: 'shop-na' })).find((m) => m.code === 'CA')).toMatchObject({
      enabled: false,
    });
    expect((await cli('accounts', 'marketplaces', 'enable', 'shop-na', 'ca')).error).toBeUndefined();
    expect((await enabledMarketplaces(t.db, { accountId: 'shop-na' })).map((m) => m.code)).toEqual(['CA', 'US']);
  });

  it('enabling twice is harmless (idempotent)', async () => {
    await cli('accounts', 'marketplaces', 'enable', 'shop-na', 'MX');
    await cli('accounts', 'marketplaces', 'enable', 'shop-na', 'MX');
    expect((await enabledMarketplaces(t.db, { accountId: 'shop-na' })).map((m) => m.code)).toEqual(['CA', 'MX', 'US']);
    await cli('accounts', 'marketplaces', 'disable', 'shop-na', 'MX');
  });

  it('a marketplace of another region cannot be enabled, and nothing is saved', async () => {
    const { error } = await cli('accounts', 'marketplaces', 'enable', 'shop-na', 'DE');
    expect(error).toMatch(/^CODE: DE \(A1PA6795UKMFR9\) is a marketplace of region eu, but the account is in na/);
    expect((await accountMarketplaces(t.db, { accountId: 'shop-na' })).map((m) => m.code)).not.toContain('DE');
  });

  it('an unknown marketplace code is refused, pointing at `marketplaces add`', async () => {
    const { error, thrown } = await cli('accounts', 'marketplaces', 'enable', 'shop-na', 'BR');
    expect(thrown?.name).toBe('UnknownMarketplace');
    expect(error).toMatch(/^CODE "BR" is not a known marketplace: .*connector marketplaces add/);
  });

  it('an unknown account is refused by name', async () => {
    const { error } = await cli('accounts', 'marketplaces', 'enable', 'nobody', 'US');
    expect(error).toMatch(/^account "nobody" does not exist/);
  });

  it("a sync never queries a marketplace outside the account's region, even if a row says enabled", async () => {
    await t
      .db('account_marketplaces')
      .insert({ account_id: 'shop-na', marketplace_id: 'A13V1IB3VIYZZH', participating: true, enabled: true });
    expect((await enabledMarketplaces(t.db, { accountId: 'shop-na' })).map((m) => m.code)).toEqual(['CA', 'US']);
    await t.db('account_marketplaces').where({ account_id: 'shop-na', marketplace_id: 'A13V1IB3VIYZZH' }).delete();
  });
});

describe('participations refresh against the sandbox', () => {
  let sandbox: { url: string; close(): Promise<void> };
  const seller = {
    sellerId: 'A3REFRESHSELLER',
    clientId: 'amzn1.application-oa2-client.refresh',
    clientSecret: 'refresh-cs',
    refreshToken: 'Atzr|refresh-rt',
  };

  beforeAll(async () => {
    sandbox = await startSandbox({ port: 0 });
    const res = await fetch(`${sandbox.url}/_sandbox/sellers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      // DE, FR, and Sweden, which the catalog does not know.
      body: JSON.stringify({ ...seller, marketplaceIds: ['A1PA6795UKMFR9', 'A13V1IB3VIYZZH', 'A2NODRKZP88ZB9'] }),
    });
    expect(res.status).toBeLessThan(300);
    const add = await cli(
      'accounts',
      'add',
      '--name',
      'refresh-eu',
      '--seller-id',
      seller.sellerId,
      '--region',
      'eu',
      '--endpoint',
      sandbox.url,
      '--client-id',
      seller.clientId,
      '--client-secret',
      seller.clientSecret,
      '--refresh-token',
      seller.refreshToken,
      '--marketplaces',
      'DE,IT',
      '--no-verify',
    );
    expect(add.error).toBeUndefined();
  });

  afterAll(async () => {
    await sandbox?.close();
  });

  it("records what Amazon reports, keeps the user's choices, and lists unknown ids with the command to add them", async () => {
    await cli('accounts', 'marketplaces', 'disable', 'refresh-eu', 'DE');
    const { json, error } = await cli('--json', 'accounts', 'marketplaces', 'refresh', 'refresh-eu');
    expect(error).toBeUndefined();
    const byCode = Object.fromEntries(json.marketplaces.map((m: any) => [m.code, m]));
    expect(byCode.DE).toMatchObject({ participating: true, enabled: false }); // the user's disable survives a refresh
    expect(byCode.FR).toMatchObject({ participating: true, enabled: true }); // new and participating: enabled
    expect(byCode.IT).toMatchObject({ participating: false, enabled: true }); // not reported any more
    expect(json.unknown).toEqual([expect.objectContaining({ id: 'A2NODRKZP88ZB9' })]);
    expect(json.unknown[0].hint).toMatch(
      /^unknown — add it with `connector marketplaces add --id A2NODRKZP88ZB9 --code SE .*--region eu/,
    );
    expect((await enabledMarketplaces(t.db, { accountId: 'refresh-eu' })).map((m) => m.code)).toEqual(['FR', 'IT']);
  });

  it('a refresh twice gives the same result (idempotent)', async () => {
    const first = await accountMarketplaces(t.db, { accountId: 'refresh-eu' });
    expect((await cli('accounts', 'marketplaces', 'refresh', 'refresh-eu')).error).toBeUndefined();
    expect(await accountMarketplaces(t.db, { accountId: 'refresh-eu' })).toEqual(first);
  });
});
