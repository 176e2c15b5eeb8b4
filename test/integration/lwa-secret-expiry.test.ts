import { Client, Connection } from '@temporalio/client';
import { startSandbox } from '../../sandbox';
import { SandboxAdmin } from '../../sandbox/admin-client';
import { ApiServer, startApiServer } from '../../servers/api';
import { runCli } from '../support/cli';
import { createTestDatabase, TestDatabase } from '../support/db';
import { TEST_SECRET_KEY } from '../support/harness';

/**
 * Amazon refuses an LWA client secret 180 days after it was issued. The book knows when each app's secret expires;
 * `accounts show|list`, `apps list` and the warehouse API's /readyz warn 30 days ahead and go red once it has expired.
 */
const DAY = 86_400_000;
const inDays = (n: number) => new Date(Date.now() + n * DAY).toISOString().slice(0, 10);
const APP = { clientId: 'amzn1.application-oa2-client.expiry', clientSecret: 'amzn1.oa2-cs.v1.expiry-first' };
const sellers = [
  { name: 'exp-one', sellerId: 'A6EXPIRYSELLER1', refreshToken: 'Atzr|expiry-one', ...APP },
  { name: 'exp-two', sellerId: 'A6EXPIRYSELLER2', refreshToken: 'Atzr|expiry-two', ...APP },
  { name: 'exp-other', sellerId: 'A6EXPIRYSELLER3', refreshToken: 'Atzr|expiry-three', ...APP, clientSecret: 'x' },
];

let t: TestDatabase;
let sandbox: { url: string; close(): Promise<void> };
let connection: Connection;
let api: ApiServer;
const savedEnv = { ...process.env };

const cli = (...args: string[]) => runCli(args);
const add = (seller: (typeof sellers)[number], ...extra: string[]) =>
  cli(
    ...['accounts', 'add', '--name', seller.name, '--seller-id', seller.sellerId, '--region', 'na'],
    ...['--endpoint', sandbox.url, '--client-id', seller.clientId, '--client-secret', seller.clientSecret],
    ...['--refresh-token', seller.refreshToken, '--marketplaces', 'US', ...extra],
  );
const readyz = async () => {
  const res = await fetch(`${api.url}/readyz`);
  return { status: res.status, body: (await res.json()) as any };
};

beforeAll(async () => {
  t = await createTestDatabase();
  sandbox = await startSandbox({ port: 0 });
  const admin = new SandboxAdmin(sandbox.url);
  for (const s of sellers)
    await admin.createSeller({ ...s, marketplaceIds: ['ATVPDKIKX0DER'], clientSecret: APP.clientSecret });
  Object.assign(process.env, { DATABASE_URL: t.url, CONNECTOR_SECRET_KEY: TEST_SECRET_KEY });
  delete process.env.CONNECTOR_LWA_CLIENT_SECRET;
  connection = await Connection.connect({ address: process.env.TEMPORAL_TEST_ADDRESS! });
  const client = new Client({ connection });
  api = await startApiServer({ db: t.db, temporal: async () => client, token: 'readyz-token-0123456789', port: 0 });
});

afterAll(async () => {
  process.env = savedEnv;
  await api?.close();
  await connection?.close();
  await sandbox?.close();
  await t?.drop();
});

describe('accounts add --secret-expires', () => {
  it.each([
    ['tomorrow', /--secret-expires "tomorrow" is not a date: .*like 2027-05-31/],
    ['2027-02-30', /--secret-expires "2027-02-30" is not a date/],
    [inDays(-1), /is in the past: an expired secret cannot call Amazon/],
    [inDays(200), /is more than 180 days away: Amazon's LWA client secrets expire 180 days after they are issued/],
  ])('%s is refused before anything runs, naming the flag', async (value, message) => {
    const { error } = await add(sellers[0], '--secret-expires', value);
    expect(error).toMatch(message);
    expect(error).toMatch(/^error: option '--secret-expires <date>' argument/);
    expect(await t.db('seller_accounts').count({ n: '*' })).toEqual([{ n: '0' }]);
  });

  it('without it, the app gets an assumed expiry 90 days out, and the output says so and how to set the real date', async () => {
    const { stdout, error } = await add(sellers[0]);
    expect(error).toBeUndefined();
    expect(stdout).toContain(`LWA client secret of app ${APP.clientId} expires ${inDays(90)} (in 90 day(s), assumed)`);
    expect(stdout).toMatch(/assumed: no --secret-expires was given, so the connector counts 90 days/);
    expect(stdout).toContain(`connector apps set-expiry --client-id ${APP.clientId} --secret-expires <YYYY-MM-DD>`);
  });

  it('a second account of the app with the same secret keeps the app’s date; with another secret it is refused', async () => {
    expect(
      (await cli('apps', 'set-expiry', '--client-id', APP.clientId, '--secret-expires', inDays(120))).error,
    ).toBeUndefined();
    const { json, error } = await add(sellers[1], '--json');
    expect(error).toBeUndefined();
    expect(json.appSecret).toMatchObject({
      clientId: APP.clientId,
      accounts: ['exp-one', 'exp-two'],
      expiresAt: `${inDays(120)}T00:00:00.000Z`,
      expiryAssumed: false,
      status: 'ok',
    });
    expect((await add(sellers[2], '--no-verify')).error).toMatch(
      new RegExp(
        `^--client-secret is not the secret the book holds for app ${APP.clientId} \\(accounts exp-one, exp-two\\): one app has one secret\\. If you rotated it, run \`connector apps rotate-secret --client-id ${APP.clientId}\` first`,
      ),
    );
  });
});

describe('warnings 30 days ahead, red once expired', () => {
  it('with more than 30 days left: accounts show states the date, /readyz is ready with lwaSecrets ok', async () => {
    const { stdout } = await cli('accounts', 'show', 'exp-one');
    expect(stdout).toContain(`  LWA client secret of app ${APP.clientId} expires ${inDays(120)} (in 120 day(s))`);
    expect(stdout).not.toMatch(/warning/);
    expect(await readyz()).toEqual({
      status: 200,
      body: { status: 'ready', database: 'ok', temporal: 'ok', lwaSecrets: 'ok' },
    });
  });

  it('within 30 days: accounts show, accounts list and apps list warn with the fix; /readyz stays ready and names it', async () => {
    await cli('apps', 'set-expiry', '--client-id', APP.clientId, '--secret-expires', inDays(20));
    const warning = `warning: the LWA client secret of app ${APP.clientId} expires ${inDays(20)} (in 20 day(s)); after that every call of exp-one, exp-two fails: rotate it in Solution Provider Portal (your app → LWA credentials), then \`connector apps rotate-secret --client-id ${APP.clientId}\``;
    expect((await cli('accounts', 'show', 'exp-two')).stdout).toContain(`  ${warning}`);
    expect((await cli('accounts', 'list')).stdout).toContain(`\n${warning}`);
    expect((await cli('apps', 'list')).stdout).toContain(`\n${warning}`);
    const shown = (await cli('--json', 'accounts', 'show', 'exp-one')).json;
    expect(shown.appSecret).toMatchObject({ status: 'expiring', daysLeft: 20, warning: warning.slice(9) });
    expect(await readyz()).toEqual({
      status: 200,
      body: { status: 'ready', database: 'ok', temporal: 'ok', lwaSecrets: `expiring: ${warning.slice(9)}` },
    });
  });

  it('expired: red everywhere, /readyz answers 503; an app whose accounts are all disabled does not count', async () => {
    await t.db('lwa_apps').update({ secret_expires_at: new Date(Date.now() - 2 * DAY) }); // time passes
    const expired = `the LWA client secret of app ${APP.clientId} expired ${inDays(-2)} (2 day(s) ago): every call of exp-one, exp-two fails with invalid_client`;
    expect((await cli('accounts', 'show', 'exp-one')).stdout).toContain(`  warning: ${expired}`);
    expect((await cli('--json', 'apps', 'list')).json).toEqual([
      expect.objectContaining({ clientId: APP.clientId, status: 'expired', daysLeft: -2 }),
    ]);
    const answer = await readyz();
    expect(answer.status).toBe(503);
    expect(answer.body).toMatchObject({ status: 'not ready', database: 'ok', temporal: 'ok' });
    expect(answer.body.lwaSecrets).toMatch(new RegExp(`^expired: ${expired.replace(/[()]/g, '\\$&')}`));

    for (const name of ['exp-one', 'exp-two']) await cli('accounts', 'disable', name);
    expect((await readyz()).body).toMatchObject({ status: 'ready', lwaSecrets: 'ok' });
  });
});
