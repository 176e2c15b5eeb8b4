import { Command, Option } from 'commander';
import { CliContext, withContext } from '../context';
import { print, table } from '../output';
import { Blame, checkWithAmazon, lwaFailure, obtainAuthorization } from '../oauth-callback';
import { describeLeftovers, marketplaceView, registerAccountMarketplaces, unknownView } from './marketplaces';
import { AppSecretView, appSecretView, describeAppSecret, secretExpiresOption } from './apps';
import { UserError } from '../../lib/errors';
import { keyringFromEnv } from '../../lib/secrets';
import {
  Account,
  assertAccountIsNew,
  getAccount,
  listAccounts,
  NewAccount,
  removeAccount,
  saveAccount,
  setAccountEnabled,
  validateAccountName,
  validateAppCredentials,
  validateEndpoint,
  validateNewAccount,
  accountOfSeller,
} from '../../book/accounts';
import {
  AccountMarketplace,
  AccountMarketplaceChange,
  accountMarketplaces,
  classifyParticipations,
  getMarketplace,
  listMarketplaces,
  resolveRegionMarketplaces,
} from '../../book/marketplaces';
import { AppSecret, describeExpiry, listAppSecrets } from '../../book/lwa-apps';
import { exchangeAuthorizationCode } from '../../activities/spapi/client';

const SECRET_EXPIRES_HELP =
  "when the LWA client secret expires, like 2027-05-31 (Solution Provider Portal → your app → LWA credentials); default: the app's recorded date, else 90 days from now, marked assumed";

/** `connector accounts ...`: connect seller accounts (typed-in credentials or "link with Amazon") and manage them. */
export function register(program: Command): void {
  const accounts = program
    .command('accounts')
    .description('seller accounts: add, link, list, show, enable, disable, remove, marketplaces');

  accounts
    .command('add')
    .description('connect an account with credentials typed in (private apps); checks them with Amazon before saving')
    .option('--name <name>', 'short name of the account, like demo-eu (part of workflow ids)')
    .option('--seller-id <id>', 'Amazon seller id (Merchant Token)')
    .option('--region <region>', 'na | eu | fe')
    .addOption(new Option('--client-id <id>', 'LWA client id of the app').env('CONNECTOR_LWA_CLIENT_ID'))
    .addOption(
      new Option('--client-secret <secret>', 'LWA client secret of the app').env('CONNECTOR_LWA_CLIENT_SECRET'),
    )
    .addOption(secretExpiresOption(SECRET_EXPIRES_HELP))
    .option('--refresh-token <token>', 'refresh token of the authorization (Atzr|...)')
    .option('--endpoint <url>', 'send all traffic to this sandbox base URL, like http://127.0.0.1:8700')
    .option(
      '--marketplaces <codes>',
      'marketplaces to sync, like US,CA (default: every one Amazon says it participates in)',
    )
    .option('--no-verify', 'save without asking Amazon (credentials unchecked, marketplaces only from --marketplaces)')
    .action((opts, cmd: Command) =>
      withContext(async (ctx) => {
        const input = {
          id: opts.name,
          sellerId: opts.sellerId,
          region: opts.region,
          endpoint: opts.endpoint,
          clientId: opts.clientId,
          clientSecret: opts.clientSecret,
          refreshToken: opts.refreshToken,
          secretExpiresAt: opts.secretExpires,
        };
        const result = await connect(ctx, input, {
          marketplaces: opts.marketplaces,
          verify: opts.verify,
          relink: false,
          blame: {
            grant: '--refresh-token',
            grantFix: 'it is wrong, expired or revoked; copy it again from Seller Central (Develop Apps → Authorize)',
            unreachableFix: 'check --endpoint and the network, or pass --no-verify to save without checking',
          },
        });
        print(cmd, result, () => describeConnected(result));
      }),
    );

  accounts
    .command('link')
    .description('connect an account the way Seller Central apps do: consent in the browser, then LWA code exchange')
    .option('--name <name>', 'short name of the account, like demo-eu')
    .option('--home-marketplace <code>', 'the marketplace whose Seller Central the seller logs in to, like US or DE')
    .addOption(new Option('--client-id <id>', 'LWA client id of the app').env('CONNECTOR_LWA_CLIENT_ID'))
    .addOption(
      new Option('--client-secret <secret>', 'LWA client secret of the app').env('CONNECTOR_LWA_CLIENT_SECRET'),
    )
    .addOption(secretExpiresOption(SECRET_EXPIRES_HELP))
    .addOption(
      new Option('--application-id <id>', 'SP-API application id (amzn1.sp.solution....)').env(
        'CONNECTOR_SP_APPLICATION_ID',
      ),
    )
    .option('--endpoint <url>', 'link against this sandbox instead of Amazon, like http://127.0.0.1:8700')
    .option(
      '--port <port>',
      'local port for the redirect (register http://127.0.0.1:<port>/callback as redirect URI)',
      '8765',
    )
    .option('--redirect-uri <uri>', 'redirect URI registered for the app, when it is not the local callback')
    .option('--draft', 'the app is still a draft (adds version=beta to the consent URL)')
    .option('--code <code>', 'spapi_oauth_code copied from the redirect URL, instead of the local callback')
    .option('--state <state>', 'state copied from the same redirect URL')
    .option('--seller-id <id>', 'selling_partner_id copied from the same redirect URL')
    .option('--marketplaces <codes>', 'marketplaces to sync (default: every one Amazon says it participates in)')
    .option('--timeout <seconds>', 'how long to wait for the redirect', '600')
    .action((opts, cmd: Command) => withContext((ctx) => link(ctx, cmd, opts)));

  accounts
    .command('list')
    .description('every account, secrets masked')
    .action((_opts, cmd: Command) =>
      withContext(async (ctx) => {
        const db = ctx.getDb();
        const apps = await listAppSecrets(db, {});
        const views = await Promise.all(
          (await listAccounts(db, {})).map(async (a) =>
            view(a, await accountMarketplaces(db, { accountId: a.id }), apps),
          ),
        );
        const warnings = apps.filter((app) => app.status !== 'ok').map((app) => appSecretView(app).warning);
        print(cmd, views, () =>
          [
            table(
              views.map((v) => ({
                name: v.name,
                'seller id': v.sellerId,
                region: v.region,
                enabled: v.enabled ? 'yes' : 'no',
                marketplaces: enabledCodes(v),
                endpoint: v.endpoint ?? 'amazon',
                key: v.secretKeyId,
                'client secret': v.appSecret ? describeExpiry(v.appSecret) : 'expiry unknown',
              })),
            ),
            ...warnings.map((w) => `warning: ${w}`),
          ].join('\n'),
        );
      }),
    );

  accounts
    .command('show <name>')
    .description('one account with its marketplaces, secrets masked')
    .action((name: string, _opts, cmd: Command) =>
      withContext(async (ctx) => {
        const db = ctx.getDb();
        const account = await getAccount(db, { accountId: name });
        const apps = await listAppSecrets(db, { clientId: account.clientId });
        const v = view(account, await accountMarketplaces(db, { accountId: name }), apps);
        print(cmd, v, () => describeAccount(v));
      }),
    );

  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    accounts
      .command(`${verb} <name>`)
      .description(enabled ? 'sync the account again' : 'stop syncing the account (kept, with its orders)')
      .action((name: string, _opts, cmd: Command) =>
        withContext(async (ctx) => {
          const a = await setAccountEnabled(ctx.getDb(), { accountId: name, enabled });
          print(cmd, { name: a.id, enabled: a.enabled }, `account ${a.id} ${enabled ? 'enabled' : 'disabled'}`);
        }),
      );
  }

  accounts
    .command('remove <name>')
    .description('delete the account and its book (orders, offers, partners); refused while order workflows run')
    .option('--force', 'remove even with open order workflows, or when Temporal cannot be asked')
    .action((name: string, opts, cmd: Command) =>
      withContext(async (ctx) => {
        const account = await getAccount(ctx.getDb(), { accountId: name });
        if (!opts.force) await assertNoOpenOrders(ctx, account.id);
        const { orders } = await removeAccount(ctx.getDb(), { accountId: account.id });
        print(
          cmd,
          { name: account.id, removed: true, orders },
          `account ${account.id} removed, with ${orders} order(s)`,
        );
      }),
    );

  registerAccountMarketplaces(accounts);
}

interface ConnectOptions {
  marketplaces?: string;
  verify: boolean;
  relink: boolean;
  /** Whom LWA's refusal blames: --refresh-token for add, the freshly issued token for link. */
  blame: Blame;
}

/**
 * Everything that can fail runs before the one transaction that saves: the key, every field, the marketplaces,
 * and (unless --no-verify) the credentials, checked by asking Amazon for the account's participations.
 */
async function connect(ctx: CliContext, input: NewAccount, opts: ConnectOptions) {
  const keyring = keyringFromEnv(process.env);
  const a = validateNewAccount(input);
  const db = ctx.getDb();
  const chosen =
    opts.marketplaces !== undefined
      ? await resolveRegionMarketplaces(db, { list: opts.marketplaces.split(','), region: a.region })
      : undefined;
  if (chosen?.length === 0)
    throw new UserError('--marketplaces is empty: list codes like US,CA, or omit it to take what Amazon reports');
  await assertAccountIsNew(db, { account: a, relink: opts.relink }); // early and friendly; saveAccount checks again in its transaction

  const participations = opts.verify ? await checkWithAmazon({ ...a, accountId: a.id }, opts.blame) : [];
  const { inRegion, unknown, otherRegion } = classifyParticipations(
    await listMarketplaces(db, {}),
    a.region,
    participations,
  );
  const changes: AccountMarketplaceChange[] = inRegion.map((p) => ({
    marketplaceId: p.marketplaceId,
    participating: p.participating,
    ...(chosen ? { enabled: chosen.some((m) => m.id === p.marketplaceId) } : {}),
  }));
  const warnings: string[] = [];
  for (const m of chosen ?? []) {
    if (inRegion.some((p) => p.marketplaceId === m.id)) continue;
    if (opts.verify)
      warnings.push(`Amazon does not list ${m.code} among the account's marketplaces; it is enabled as you asked`);
    changes.push({ marketplaceId: m.id, participating: !opts.verify, enabled: true });
  }
  const { account, created, appSecret } = await saveAccount(db, {
    keyring,
    account: a,
    marketplaces: changes,
    relink: opts.relink,
  });
  const marketplaces = (await accountMarketplaces(db, { accountId: account.id })).map(marketplaceView);
  if (!marketplaces.some((m) => m.enabled))
    warnings.push(
      `no marketplace is enabled: run \`connector accounts marketplaces refresh ${account.id}\` or \`accounts marketplaces enable ${account.id} CODE\``,
    );
  return {
    ...view(account, [], [appSecret]),
    created,
    marketplaces,
    unknown: unknown.map((p) => unknownView(p, a.region)),
    otherRegion: otherRegion.map((m) => m.code),
    warnings,
  };
}

interface LinkOptions {
  name?: string;
  homeMarketplace?: string;
  clientId?: string;
  clientSecret?: string;
  applicationId?: string;
  endpoint?: string;
  port: string;
  redirectUri?: string;
  draft?: boolean;
  code?: string;
  state?: string;
  sellerId?: string;
  marketplaces?: string;
  timeout: string;
  secretExpires?: Date;
}

/** Consent URL → redirect (local callback or pasted) → verified state → LWA code exchange → checked → saved. */
async function link(ctx: CliContext, cmd: Command, opts: LinkOptions): Promise<void> {
  const keyring = keyringFromEnv(process.env);
  const name = validateAccountName(opts.name);
  if (!opts.homeMarketplace)
    throw new UserError('--home-marketplace is required: the marketplace the seller signs in to, like US or DE');
  const home = await getMarketplace(ctx.getDb(), { idOrCode: opts.homeMarketplace, field: '--home-marketplace' });
  const app = { ...validateAppCredentials(opts), endpoint: validateEndpoint(opts.endpoint) };

  const authorization = await obtainAuthorization({ ...opts, keyring, name, home, endpoint: app.endpoint });

  // Before the exchange: the code stays unused if the seller is already connected under another name.
  const other = await accountOfSeller(ctx.getDb(), { sellerId: authorization.sellingPartnerId, exceptAccountId: name });
  if (other) {
    throw new UserError(
      `seller ${authorization.sellingPartnerId} is already connected as account "${other}": link with --name ${other} to re-authorize it; nothing was saved`,
    );
  }
  await assertAccountIsNew(ctx.getDb(), {
    account: { id: name, sellerId: authorization.sellingPartnerId },
    relink: true,
  });
  let refreshToken: string;
  try {
    refreshToken = await exchangeAuthorizationCode(
      { clientId: app.clientId, clientSecret: app.clientSecret, region: home.region, endpoint: app.endpoint },
      authorization.code,
    );
  } catch (err) {
    throw lwaFailure(
      err,
      {
        grant: '--code (spapi_oauth_code)',
        grantFix: 'authorization codes are single-use and expire after 5 minutes; run `connector accounts link` again',
        unreachableFix: 'check --endpoint and the network, then link again',
      },
      app.endpoint,
    );
  }
  if (!refreshToken)
    throw new UserError('Login with Amazon answered without a refresh token: run `connector accounts link` again');
  const result = await connect(
    ctx,
    {
      ...app,
      id: name,
      region: home.region,
      sellerId: authorization.sellingPartnerId,
      refreshToken,
      secretExpiresAt: opts.secretExpires,
    },
    {
      marketplaces: opts.marketplaces,
      verify: true,
      relink: true,
      blame: {
        grant: 'the refresh token just issued',
        grantFix: 'run `connector accounts link` again',
        unreachableFix: 'check --endpoint and the network, then link again',
      },
    },
  );
  print(cmd, result, () => describeConnected(result));
}

/** Open order workflows of the account, asked of Temporal visibility; any doubt refuses (use --force). */
async function assertNoOpenOrders(ctx: CliContext, accountId: string): Promise<void> {
  const query = `WorkflowType='order' AND SellerAccount='${accountId.replace(/'/g, "\\'")}' AND ExecutionStatus='Running'`;
  let open: number;
  try {
    const client = await ctx.getTemporal();
    open = (await client.workflow.count(query)).count;
  } catch (err) {
    throw new UserError(
      `cannot check for open order workflows of ${accountId} (${(err as Error).message.split('\n')[0]}): start Temporal or fix TEMPORAL_ADDRESS, or pass --force to remove anyway`,
    );
  }
  if (open > 0) {
    throw new UserError(
      `account ${accountId} has ${open} open order workflow(s): let them finish or terminate them (Temporal UI: ${query}), or pass --force`,
    );
  }
}

/** The shape of `accounts list/show --json`. Secrets never leave the database; they are shown as a mask. */
function view(a: Account, marketplaces: AccountMarketplace[], apps: AppSecret[]) {
  const app = apps.find((p) => p.clientId === a.clientId);
  return {
    name: a.id,
    sellerId: a.sellerId,
    region: a.region,
    endpoint: a.endpoint,
    enabled: a.enabled,
    clientId: a.clientId,
    clientSecret: '********',
    refreshToken: '********',
    secretKeyId: a.secretKeyId,
    orderCursor: a.orderCursor,
    createdAt: a.createdAt,
    updatedAt: a.updatedAt,
    marketplaces: marketplaces.map(marketplaceView),
    /** The app's secret expiry; null for an account whose app the book has no row for. */
    appSecret: (app ? appSecretView(app) : null) as AppSecretView | null,
  };
}

function enabledCodes(v: { marketplaces: Array<{ code: string; enabled: boolean }> }): string {
  return (
    v.marketplaces
      .filter((m) => m.enabled)
      .map((m) => m.code)
      .join(',') || '-'
  );
}

function describeConnected(r: Awaited<ReturnType<typeof connect>>): string {
  return [
    `account ${r.name} ${r.created ? 'connected' : 're-linked'}: seller ${r.sellerId}, region ${r.region}, ${r.endpoint ? `sandbox ${r.endpoint}` : 'Amazon'}`,
    `marketplaces enabled: ${enabledCodes(r)}`,
    ...(r.appSecret ? [describeAppSecret(r.appSecret)] : []),
    ...describeLeftovers(r),
    ...r.warnings.map((w) => `warning: ${w}`),
  ].join('\n');
}

function describeAccount(v: ReturnType<typeof view>): string {
  return [
    `account ${v.name} (${v.enabled ? 'enabled' : 'disabled'})`,
    `  seller id      ${v.sellerId}`,
    `  region         ${v.region}`,
    `  endpoint       ${v.endpoint ?? "Amazon's hosts"}`,
    `  client id      ${v.clientId}`,
    `  client secret  ${v.clientSecret}   refresh token ${v.refreshToken}   (sealed with key ${v.secretKeyId})`,
    v.appSecret ? describeAppSecret(v.appSecret, '  ') : '  LWA client secret expiry unknown',
    `  order cursor   ${v.orderCursor ? new Date(v.orderCursor).toISOString() : '-'}`,
    '',
    table(v.marketplaces),
  ].join('\n');
}
