import type { Command } from 'commander';
import { loadConfig } from '../../lib/config';
import { UserError } from '../../lib/errors';
import { wholeNumber } from '../options';
import { print } from '../output';
import { startSandbox } from '../../sandbox';
import { seedDemo } from '../../sandbox/demo';
import { parseFaultSpec } from '../../sandbox/faults';
import { parseRateLimitMode } from '../../sandbox/rate-limits';

/** A server that cannot listen, in one line naming the option that fixes it. */
function listenFailure(err: NodeJS.ErrnoException, port: number, host: string): Error {
  if (err.code === 'EADDRINUSE')
    return new UserError(
      `port ${port} is taken: stop what uses it, or choose another with --port (default: SANDBOX_PORT)`,
    );
  if (err.code === 'EACCES') return new UserError(`port ${port} needs privileges: choose --port above 1023`);
  if (err.code === 'EADDRNOTAVAIL' || err.code === 'ENOTFOUND') {
    return new UserError(`--host ${host} is not an address of this machine: use 127.0.0.1, or 0.0.0.0 for all`);
  }
  return err;
}

/** `connector sandbox`: the SP-API sandbox with two demo sellers, until Ctrl-C. */
export function register(program: Command): void {
  program
    .command('sandbox')
    .description(
      'run the SP-API sandbox: a local Amazon Selling Partner API (LWA, Orders, Feeds, Listings, FBA, Sellers, Notifications) with demo sellers',
    )
    .option(
      '--port <port>',
      'port to listen on, 0 for any free one (default SANDBOX_PORT, 8700)',
      wholeNumber(0, 65535),
    )
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--seed <n>', 'seed of the generated data and of fault draws', '1')
    .option('--rate-limits <mode>', "Amazon's usage plans: real, off, or x<K> (K times faster, like x60)", 'real')
    .option('--state <file>', 'keep the state in this JSON file (loaded at start, saved on change)')
    .option('--faults <spec>', 'inject faults: "status500=0.05,reset=0.01;searchOrders:timeout=0.1" or JSON')
    .option('--orders <n>', 'orders generated for each demo seller', '20')
    .option('--token-lifetime <seconds>', 'access token lifetime', '3600')
    .action(async (opts, cmd: Command) => {
      const int = (name: string, value: string) => {
        if (!/^\d+$/.test(value)) throw new UserError(`--${name} ${value} is not a whole number`);
        return Number(value);
      };
      let rateLimits;
      let faults;
      try {
        rateLimits = parseRateLimitMode(opts.rateLimits);
        faults = opts.faults ? parseFaultSpec(opts.faults) : {};
      } catch (err) {
        throw new UserError((err as Error).message);
      }
      const seed = int('seed', opts.seed);
      const port: number = opts.port ?? loadConfig().SANDBOX_PORT;
      const sandbox = await startSandbox({
        port,
        host: opts.host,
        seed,
        rateLimits,
        faults,
        statePath: opts.state,
        tokenLifetimeSeconds: int('token-lifetime', opts.tokenLifetime),
      }).catch((err: NodeJS.ErrnoException) => {
        throw listenFailure(err, port, opts.host);
      });
      const sellers = await seedDemo(sandbox.url, { seed, orders: int('orders', opts.orders) });
      print(cmd, { url: sandbox.url, rateLimits, sellers }, () =>
        [
          `SP-API sandbox listening on ${sandbox.url} (rate limits: ${rateLimits}${opts.state ? `, state: ${opts.state}` : ''})`,
          '',
          ...sellers.flatMap((s) => [
            `${s.name} (${s.region}, ${s.marketplaceIds.join(' ')})`,
            `  sellerId      ${s.sellerId}`,
            `  clientId      ${s.clientId}`,
            `  clientSecret  ${s.clientSecret}`,
            `  refreshToken  ${s.refreshToken}`,
            '',
          ]),
          'Token:  curl -s -X POST ' +
            `${sandbox.url}/auth/o2/token -d grant_type=refresh_token -d refresh_token='${sellers[0].refreshToken}' -d client_id=${sellers[0].clientId} -d client_secret=${sellers[0].clientSecret}`,
          `Admin:  ${sandbox.url}/_sandbox/stats   (routes: sandbox/routes/admin.ts)`,
          'Ctrl-C stops the sandbox.',
        ].join('\n'),
      );
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await sandbox.close();
    });
}
