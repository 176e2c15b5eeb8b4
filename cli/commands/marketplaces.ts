import type { Command } from 'commander';
import { withContext } from '../context';
import { print, table } from '../output';
import { checkWithAmazon } from '../oauth-callback';
import { keyringFromEnv } from '../../lib/secrets';
import type { Region } from '../../activities/spapi/client';
import { getAccount, loadAccountCredentials } from '../../book/accounts';
import {
  AccountMarketplace,
  addMarketplace,
  listMarketplaces,
  parseRegion,
  Participation,
  recordParticipations,
  setAccountMarketplaceEnabled,
} from '../../book/marketplaces';

/** `connector marketplaces ...`: the catalog every account's marketplaces come from; grows without a release. */
export function register(program: Command): void {
  const marketplaces = program.command('marketplaces').description('the marketplace catalog: list, add');

  marketplaces
    .command('list')
    .description('every known marketplace')
    .option('--region <region>', 'only na, eu or fe')
    .action((opts, cmd: Command) =>
      withContext(async (ctx) => {
        const rows = await listMarketplaces(ctx.getDb(), opts.region ? { region: parseRegion(opts.region) } : {});
        print(cmd, rows, () =>
          table(
            rows.map((m) => ({
              code: m.code,
              id: m.id,
              name: m.name,
              country: m.countryCode,
              domain: m.domain,
              region: m.region,
              currency: m.currency,
            })),
          ),
        );
      }),
    );

  marketplaces
    .command('add')
    .description('add a marketplace Amazon opened (or correct one: adding the same id again updates it)')
    .option('--id <id>', "Amazon's marketplace id, like A1C3SOZRARQ6R3")
    .option('--code <code>', 'two-letter code used in commands, like PL')
    .option('--name <name>', 'like Amazon.pl')
    .option('--region <region>', 'na | eu | fe')
    .option('--currency <currency>', 'ISO 4217, like PLN')
    .option('--domain <domain>', 'like amazon.pl')
    .option('--country <country>', 'ISO 3166 two-letter country (default: the code)')
    .action((opts, cmd: Command) =>
      withContext(async (ctx) => {
        const { marketplace, created } = await addMarketplace(ctx.getDb(), opts);
        print(
          cmd,
          { ...marketplace, created },
          `marketplace ${marketplace.code} (${marketplace.id}, ${marketplace.region}) ${created ? 'added' : 'updated'}; ` +
            `enable it for an account with \`connector accounts marketplaces enable <account> ${marketplace.code}\``,
        );
      }),
    );
}

/** `connector accounts marketplaces ...`: which marketplaces of the catalog an account participates in and syncs. */
export function registerAccountMarketplaces(accounts: Command): void {
  const marketplaces = accounts
    .command('marketplaces')
    .description("an account's marketplaces: refresh from Amazon, enable, disable");

  marketplaces
    .command('refresh <name>')
    .description('ask Amazon (getMarketplaceParticipations) which marketplaces the account participates in')
    .action((name: string, _opts, cmd: Command) =>
      withContext(async (ctx) => {
        const db = ctx.getDb();
        const account = await getAccount(db, { accountId: name });
        const creds = await loadAccountCredentials(db, {
          keyring: keyringFromEnv(process.env),
          accountId: account.id,
          includeDisabled: true,
        });
        const participations = await checkWithAmazon(creds, {
          grant: `the stored refresh token of account ${account.id}`,
          grantFix: `re-authorize with \`connector accounts link --name ${account.id}\``,
          unreachableFix: "check the account's endpoint and the network, then refresh again",
        });
        const result = await recordParticipations(db, { accountId: account.id, participations });
        const out = {
          name: account.id,
          marketplaces: result.recorded.map(marketplaceView),
          unknown: result.unknown.map((p) => unknownView(p, account.region)),
          otherRegion: result.otherRegion.map((m) => m.code),
        };
        print(cmd, out, () => [table(out.marketplaces), ...describeLeftovers(out)].join('\n'));
      }),
    );

  for (const [verb, enabled] of [
    ['enable', true],
    ['disable', false],
  ] as const) {
    marketplaces
      .command(`${verb} <name> <code>`)
      .description(enabled ? 'sync this marketplace of the account' : 'stop syncing this marketplace of the account')
      .action((name: string, code: string, _opts, cmd: Command) =>
        withContext(async (ctx) => {
          const m = await setAccountMarketplaceEnabled(ctx.getDb(), { accountId: name, idOrCode: code, enabled });
          const note =
            enabled && !m.participating ? ' (Amazon did not list it as participating at the last refresh)' : '';
          print(
            cmd,
            { account: name, ...marketplaceView(m) },
            `account ${name}: ${m.code} ${enabled ? 'enabled' : 'disabled'}${note}`,
          );
        }),
      );
  }
}

export function marketplaceView(m: AccountMarketplace) {
  const { code, id, name, region, currency, participating, enabled } = m;
  return { code, id, name, region, currency, participating, enabled };
}

/** An id Amazon reported that the catalog lacks, with the `marketplaces add` command filled in from Amazon's data. */
export function unknownView(p: Participation, region: Region) {
  const code = p.countryCode === 'GB' ? 'UK' : (p.countryCode ?? 'XX');
  const domain = (p.domain ?? 'amazon.xx').replace(/^www\./, '');
  const add =
    `connector marketplaces add --id ${p.marketplaceId} --code ${code} --name ${JSON.stringify(p.name ?? 'Amazon.xx')}` +
    ` --region ${region} --currency ${p.currency ?? 'XXX'} --domain ${domain}`;
  return {
    id: p.marketplaceId,
    name: p.name ?? null,
    participating: p.participating,
    hint: `unknown — add it with \`${add}\``,
  };
}

export function describeLeftovers(r: {
  unknown: Array<{ id: string; hint: string }>;
  otherRegion: string[];
}): string[] {
  return [
    ...r.unknown.map((u) => `${u.id}: ${u.hint}`),
    ...(r.otherRegion.length ? [`ignored (another region): ${r.otherRegion.join(', ')}`] : []),
  ];
}
