import { z } from 'zod';
import { UserError } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { LinkState, verifyState } from '../lib/oauth-state';
import type { Keyring } from '../lib/secrets';
import { createApp, listen, localHostNames } from './app';

/** What Amazon's redirect carries after the seller consents. */
export interface Authorization {
  code: string;
  state: LinkState;
  sellingPartnerId: string;
}

export interface CallbackServer {
  redirectUri: string;
  /** Resolves on the first redirect to the callback path; rejects on a bad one or on timeout. */
  authorization: Promise<Authorization>;
  close(): Promise<void>;
}

const redirect = z.object({
  state: z.string().optional(),
  spapi_oauth_code: z.string().optional(),
  selling_partner_id: z.string().optional(),
  error: z.string().optional(),
  error_description: z.string().optional(),
});

/**
 * `connector accounts link`'s one-shot server: listens on 127.0.0.1:port for one redirect to /callback. A redirect
 * with a forged or expired state, or an error from Amazon, ends the wait with that error: nothing is exchanged or
 * saved. `hosts`: the name of a registered redirect URI that tunnels here (--redirect-uri), besides localhost.
 */
export async function startCallbackServer(opts: {
  keyring: Keyring;
  port: number;
  timeoutMs: number;
  hosts?: string[];
  logger?: Logger;
}): Promise<CallbackServer> {
  let settle!: { resolve(a: Authorization): void; reject(e: Error): void };
  const authorization = new Promise<Authorization>((resolve, reject) => (settle = { resolve, reject }));
  authorization.catch(() => undefined); // observed by the caller; avoid an unhandled rejection if it never awaits

  const app = createApp({
    name: 'oauth-callback',
    logger: opts.logger,
    notFound: 'not found: this server only receives Amazon’s redirect on /callback',
    hosts: localHostNames('127.0.0.1', opts.hosts),
  });
  app.get('/callback', { schema: { querystring: redirect } }, async (request, reply) => {
    reply.header('content-type', 'text/plain; charset=utf-8').header('connection', 'close');
    try {
      const q = request.query;
      if (q.error) {
        throw new UserError(
          `Amazon did not authorize the app (${q.error}: ${q.error_description ?? 'no description'}): run \`connector accounts link\` again`,
        );
      }
      const state = verifyState(opts.keyring, q.state ?? '');
      if (!q.spapi_oauth_code || !q.selling_partner_id)
        throw new UserError(
          'the redirect lacks spapi_oauth_code or selling_partner_id: run `connector accounts link` again',
        );
      const received = { code: q.spapi_oauth_code, state, sellingPartnerId: q.selling_partner_id };
      reply.raw.once('finish', () => settle.resolve(received)); // the browser has its answer before the wait ends
      return 'amazon-connector: authorization received. You can close this window and return to the terminal.\n';
    } catch (err) {
      reply.raw.once('finish', () => settle.reject(err as Error));
      return reply.code(400).send(`amazon-connector: ${(err as Error).message}\n`);
    }
  });

  let server;
  try {
    server = await listen(app, { port: opts.port, host: '127.0.0.1', portSetting: '--port' });
  } catch (err) {
    if (err instanceof UserError)
      throw new UserError(`--port ${opts.port} is in use: choose another port for the callback`);
    throw err;
  }
  const timer = setTimeout(() => {
    settle.reject(
      new UserError(
        `no authorization arrived within ${Math.round(opts.timeoutMs / 1000)} s: run \`connector accounts link\` again, or pass --code and --state by hand`,
      ),
    );
  }, opts.timeoutMs);
  return {
    redirectUri: `${server.url}/callback`,
    authorization,
    close: async () => {
      clearTimeout(timer);
      await server.close();
    },
  };
}
