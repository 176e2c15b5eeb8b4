import type { Command } from 'commander';
import { withContext } from '../context';
import { print } from '../output';
import { keyringFromEnv } from '../../lib/secrets';
import { rotateSecrets } from '../../book/account-secrets';

/** `connector keys rotate`: move every stored secret to the key in CONNECTOR_SECRET_KEY. */
export function register(program: Command): void {
  const keys = program.command('keys').description('encryption keys of stored credentials');

  keys
    .command('rotate')
    .description(
      're-seal every stored secret under CONNECTOR_SECRET_KEY (old keys read from CONNECTOR_OLD_SECRET_KEYS)',
    )
    .action((_opts, cmd: Command) =>
      withContext(async (ctx) => {
        const keyring = keyringFromEnv(process.env);
        const report = await rotateSecrets(ctx.getDb(), { keyring });
        print(
          cmd,
          report,
          `re-sealed ${report.resealed} account(s) under key ${report.activeKeyId}; ${report.alreadyCurrent} already were (${report.accounts} in all)` +
            (report.resealed > 0 ? '. No account secret needs the old keys any more.' : ''),
        );
      }),
    );
}
