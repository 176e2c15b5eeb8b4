import type { Command } from 'commander';
import { ConfigError } from '../../lib/config';
import { logger } from '../../lib/logger';
import { requireCodec } from '../../lib/payload-codec';
import { startApiServer } from '../../servers/api';
import { temporalUiUrl } from '../../lib/config';
import { registerTokenCommands } from './api-tokens';
import { keyringFromEnv } from '../../lib/secrets';
import { parseAllowedTargets } from '../../lib/webhook-target';
import { CODEC_TOKEN_MISSING, DEFAULT_UI_ORIGINS, startCodecServer } from '../../servers/codec-server';
import { withContext } from '../context';
import { print } from '../output';

/** Resolves when the process is told to stop (Ctrl-C, or SIGTERM from a supervisor). */
const untilStopped = () =>
  new Promise<void>((resolve) => {
    process.once('SIGINT', () => resolve());
    process.once('SIGTERM', () => resolve());
  });

const port = (value: string) => {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new ConfigError(`--port ${value} is not a port number`);
  return n;
};

/** Long-running HTTP servers: the warehouse API and the Temporal UI's codec server. */
export function register(program: Command): void {
  const api = program
    .command('api')
    .description('the Book API for warehouse systems and ERPs (/v1, docs at /v1/docs) and its tokens');
  api
    .command('serve', { isDefault: true })
    .description('serve /v1 (scoped tokens), the deprecated POST /orders/{id}/shipments, /healthz and /readyz')
    .option('--port <port>', 'listen on this port (default CONNECTOR_API_PORT, 8080)')
    .option('--host <host>', 'listen on this address', '127.0.0.1')
    .action(async (opts, cmd: Command) =>
      withContext(async (ctx) => {
        const server = await startApiServer({
          db: ctx.getDb(),
          temporal: () => ctx.getTemporal(),
          token: ctx.config.CONNECTOR_API_TOKEN,
          taskQueue: ctx.config.TEMPORAL_TASK_QUEUE,
          namespace: ctx.config.TEMPORAL_NAMESPACE,
          temporalUiUrl: temporalUiUrl(ctx.config),
          webhooks: {
            keyring: keyringFromEnv(),
            allowed: parseAllowedTargets(ctx.config.CONNECTOR_WEBHOOK_ALLOWED_HOSTS),
            retryForMs: ctx.config.CONNECTOR_WEBHOOK_RETRY_FOR,
          },
          port: opts.port !== undefined ? port(opts.port) : ctx.config.CONNECTOR_API_PORT,
          host: opts.host,
          logger,
        });
        print(
          cmd,
          { url: server.url, docs: `${server.url}/v1/docs` },
          `Book API on ${server.url}/v1 (docs: ${server.url}/v1/docs; tokens: \`connector api tokens create\`); Ctrl-C to stop`,
        );
        await untilStopped();
        await server.close();
      }),
    );
  registerTokenCommands(api);

  program
    .command('codec-server')
    .description(
      'payload codec server for the Temporal UI (POST /decode, /encode), with the keys of CONNECTOR_PAYLOAD_KEY / CONNECTOR_SECRET_KEY',
    )
    .option('--port <port>', 'listen on this port (default CONNECTOR_CODEC_PORT, 8888)')
    .option('--host <host>', 'listen on this address', '127.0.0.1')
    .option('--origin <url...>', `browser origins allowed to call it (default ${DEFAULT_UI_ORIGINS.join(' ')})`)
    .option('--allow-host <name...>', 'Host names it answers to besides its own addresses and localhost (a proxy)')
    .option('--token <token>', 'the token callers must present (default CONNECTOR_CODEC_TOKEN; required)')
    .action(async (opts, cmd: Command) =>
      // The context loads the running demo's key (its runtime info) when no key is configured.
      withContext(async (ctx) => {
        const codec = requireCodec();
        const token: string | undefined = opts.token ?? ctx.config.CONNECTOR_CODEC_TOKEN;
        if (!token) throw new ConfigError(CODEC_TOKEN_MISSING);
        const server = await startCodecServer({
          codec,
          token,
          port: opts.port !== undefined ? port(opts.port) : ctx.config.CONNECTOR_CODEC_PORT,
          host: opts.host,
          origins: opts.origin ?? DEFAULT_UI_ORIGINS,
          hosts: opts.allowHost,
          logger,
        });
        print(
          cmd,
          { url: server.url },
          `codec server on ${server.url}: in the Temporal UI's codec server settings (data encoder icon, top right), set the endpoint ${server.url}/<your CONNECTOR_CODEC_TOKEN>, or start the UI with --ui-codec-endpoint ${server.url}/<token>; the Temporal CLI takes --codec-endpoint ${server.url} --codec-auth "Bearer <token>". Ctrl-C to stop`,
        );
        await untilStopped();
        await server.close();
      }),
    );
}
