import { Command, InvalidArgumentError, Option } from 'commander';
import { withContext } from '../context';
import { print, table } from '../output';
import { checkWithAmazon } from '../oauth-callback';
import { readNewSecret } from '../secret-input';
import { LWA_SECRET_LIFETIME_DAYS } from '../../lib/amazon-facts';
import { UserError } from '../../lib/errors';
import { keyringFromEnv } from '../../lib/secrets';
import { loadAccountCredentials } from '../../book/accounts';
import {
  AppSecret,
  appSecretWarning,
  ASSUMED_SECRET_DAYS,
  describeExpiry,
  listAppSecrets,
  parseSecretExpiry,
  requireAppSecret,
  rotateAppSecret,
  setAppSecretExpiry,
} from '../../book/lwa-apps';

/**
 * `connector apps ...`: the LWA apps (client ids) the accounts use. Amazon refuses a client secret 180 days after it
 * was issued: `apps list` says when each expires, `apps rotate-secret` swaps a new one into every account of the app.
 */
export function register(program: Command): void {
  const apps = program
    .command('apps')
    .description(
      'LWA apps of the accounts: when each client secret expires, and rotating it (list, set-expiry, rotate-secret)',
    );

  apps
    .command('list')
    .description('each app (client id) with its accounts and when its client secret expires')
    .action((_opts, cmd: Command) =>
      withContext(async (ctx) => {
        const views = (await listAppSecrets(ctx.getDb(), {})).map(appSecretView);
        print(cmd, views, () =>
          [
            table(
              views.map((v) => ({
                'client id': v.clientId,
                accounts: v.accounts.join(','),
                'client secret': describeExpiry(v),
                status: v.status,
              })),
            ),
            ...views.filter((v) => v.warning).map((v) => `warning: ${v.warning}`),
          ].join('\n'),
        );
      }),
    );

  apps
    .command('set-expiry')
    .description(
      "record the real expiry of an app's client secret (Solution Provider Portal → your app → LWA credentials)",
    )
    .requiredOption('--client-id <id>', 'LWA client id of the app')
    .addOption(secretExpiresOption('the day the secret expires, like 2027-05-31').makeOptionMandatory())
    .action((opts, cmd: Command) =>
      withContext(async (ctx) => {
        const app = appSecretView(
          await setAppSecretExpiry(ctx.getDb(), { clientId: opts.clientId, expiresAt: opts.secretExpires }),
        );
        print(cmd, app, () => describeAppSecret(app));
      }),
    );

  apps
    .command('rotate-secret')
    .description(
      'swap a new LWA client secret into every account of the app, in one transaction; running workers take it without a restart. ' +
        'The secret is read from CONNECTOR_LWA_CLIENT_SECRET, else from a prompt or stdin, never from a flag',
    )
    .requiredOption('--client-id <id>', 'LWA client id of the app (`connector apps list`)')
    .addOption(
      secretExpiresOption(
        `when the new secret expires (default: ${LWA_SECRET_LIFETIME_DAYS} days from now, as Amazon issues it)`,
      ),
    )
    .option('--no-verify', 'save without asking Amazon whether the new secret works')
    .action((opts, cmd: Command) =>
      withContext(async (ctx) => {
        const keyring = keyringFromEnv(process.env);
        const db = ctx.getDb();
        const before = await requireAppSecret(db, { clientId: opts.clientId });
        const clientSecret = await readNewSecret({
          env: process.env,
          stdin: process.stdin,
          prompt: process.stderr,
          question: `new LWA client secret of app ${before.clientId}: `,
        });
        if (opts.verify) {
          // One account of the app proves the secret: LWA checks the client, whichever seller's token it refreshes.
          const probe = before.enabledAccounts[0] ?? before.accounts[0];
          const creds = await loadAccountCredentials(db, { keyring, accountId: probe, includeDisabled: true });
          await checkWithAmazon(
            { ...creds, clientSecret },
            {
              client: `--client-id ${before.clientId} and the new client secret`,
              grant: `the refresh token of account ${probe}`,
              grantFix: `re-authorize it with \`connector accounts link --name ${probe}\`, or pass --no-verify`,
              unreachableFix:
                'check the network (or the account endpoint), or pass --no-verify to save without checking',
            },
          );
        }
        const app = appSecretView(
          await rotateAppSecret(db, {
            keyring,
            clientId: before.clientId,
            clientSecret,
            expiresAt: opts.secretExpires,
          }),
        );
        const result = { ...app, keyId: keyring.activeKeyId, verified: Boolean(opts.verify) };
        print(cmd, result, () =>
          [
            `app ${app.clientId}: new LWA client secret sealed under key ${result.keyId} for ${app.accounts.length} account(s): ${app.accounts.join(', ')} (one transaction${result.verified ? ', checked with Amazon first' : ', not checked with Amazon'})`,
            `  client secret ${describeExpiry(app)}`,
            'Running workers build a new client at their next call to Amazon: no restart. Orders flagged while the old secret was refused',
            '(needs_attention, "Login with Amazon refused the credentials") import again with `connector orders retry <amazonOrderId>`.',
          ].join('\n'),
        );
      }),
    );
}

/** `--secret-expires <date>`: checked before the command runs (one line, exit 2), as a Date. */
export function secretExpiresOption(description: string): Option {
  return new Option('--secret-expires <date>', description).argParser((value: string) => {
    try {
      return parseSecretExpiry(value);
    } catch (err) {
      if (err instanceof UserError) throw new InvalidArgumentError(err.message);
      throw err;
    }
  });
}

/** The JSON shape of an app's secret in `apps`, `accounts` and `status`: dates, status, and what to do. */
export function appSecretView(app: AppSecret) {
  return {
    clientId: app.clientId,
    accounts: app.accounts,
    expiresAt: app.expiresAt.toISOString(),
    expiryAssumed: app.expiryAssumed,
    rotatedAt: app.rotatedAt?.toISOString() ?? null,
    status: app.status,
    daysLeft: app.daysLeft,
    warning: appSecretWarning(app) ?? null,
  };
}
export type AppSecretView = ReturnType<typeof appSecretView>;

/** The lines `accounts add|link|show` and `apps set-expiry` print about an app's secret. */
export function describeAppSecret(app: AppSecretView, indent = ''): string {
  return [
    `${indent}LWA client secret of app ${app.clientId} ${describeExpiry(app)}`,
    ...(app.expiryAssumed
      ? [
          `${indent}  assumed: no --secret-expires was given, so the connector counts ${ASSUMED_SECRET_DAYS} days from when it learned the secret (Amazon e-mails ${ASSUMED_SECRET_DAYS} days before a secret expires).`,
          `${indent}  Record the real date: connector apps set-expiry --client-id ${app.clientId} --secret-expires <YYYY-MM-DD>`,
        ]
      : []),
    ...(app.warning ? [`${indent}warning: ${app.warning}`] : []),
  ].join('\n');
}
