import type { Command } from 'commander';
import { createToken, listTokens, revokeToken, SCOPES } from '../../book/api-tokens';
import { parseDuration } from '../../lib/config';
import { InvalidInput } from '../../lib/errors';
import { withContext } from '../context';
import { print, table } from '../output';

/** `connector api tokens create|list|revoke`: the Book API's tokens, stored hashed; a secret is shown once. */
export function registerTokenCommands(api: Command): void {
  const tokens = api.command('tokens').description('tokens of the Book API: scopes, expiry, revocation');

  tokens
    .command('create <name>')
    .description(`create a token; its secret is printed once (scopes: ${SCOPES.join(', ')})`)
    .requiredOption('--scopes <list>', `comma-separated, e.g. read,ship (${SCOPES.join(', ')})`)
    .option('--expires <duration>', 'valid this long, like 90d (default: until revoked)')
    .action((name: string, opts, cmd: Command) =>
      withContext(async (ctx) => {
        let expiresInMs: number | undefined;
        if (opts.expires) {
          try {
            expiresInMs = parseDuration(opts.expires);
          } catch {
            throw new InvalidInput(`--expires ${opts.expires}: use a duration like 30d, 12h or 90d`, '--expires');
          }
        }
        const token = await createToken(ctx.getDb(), {
          name,
          scopes: String(opts.scopes)
            .split(',')
            .map((s) => s.trim())
            .filter(Boolean) as Array<(typeof SCOPES)[number]>,
          expiresInMs,
        });
        print(
          cmd,
          token,
          `token ${token.name} (${token.scopes.join(', ')}${token.expiresAt ? `, expires ${token.expiresAt}` : ''}):\n` +
            `${token.secret}\nIt is shown only now: store it in the WMS's secret store. Use it as Authorization: Bearer <token>.`,
        );
      }),
    );

  tokens
    .command('list')
    .description('the tokens: name, scopes, expiry, last use (never the secrets)')
    .action((_opts, cmd: Command) =>
      withContext(async (ctx) => {
        const rows = await listTokens(ctx.getDb(), {});
        print(cmd, rows, () =>
          table(
            rows.map((t) => ({
              name: t.name,
              scopes: t.scopes.join(','),
              expires: t.expiresAt ?? '',
              revoked: t.revokedAt ?? '',
              lastUsed: t.lastUsedAt ?? '',
            })),
          ),
        );
      }),
    );

  tokens
    .command('revoke <name>')
    .description('revoke a token: every request with it is refused (401) from now on')
    .action((name: string, _opts, cmd: Command) =>
      withContext(async (ctx) => {
        const token = await revokeToken(ctx.getDb(), { name });
        print(cmd, token, `token ${token.name} revoked`);
      }),
    );
}
