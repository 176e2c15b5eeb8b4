import crypto from 'crypto';
import http from 'http';
import type { AddressInfo } from 'net';
import { UserError } from '../lib/errors';
import type { Keyring } from '../lib/secrets';
import type { Marketplace, Participation } from '../book/marketplaces';
import { AccountCredentials, buildSellingPartner } from '../activities/spapi/client';
import { fetchMarketplaceParticipations } from '../activities/spapi/clients';
import { AmazonAuthFailed, SpApiError } from '../lib/errors';

/**
 * The pieces of `connector accounts link` (Amazon's "website authorization workflow"): a signed, expiring `state`,
 * the consent URL, a one-shot local HTTP server that receives Amazon's redirect; and the credential check shared by
 * every command that talks to Login with Amazon, with its failures turned into one-line errors.
 */

export const STATE_TTL_MS = 10 * 60_000;

/** What a `state` vouches for: the account being linked and its home marketplace. */
export interface LinkState {
  name: string;
  home: string;
  exp: number; // epoch ms
  nonce: string;
}

/** A key for state signatures only, derived from the active secret key: never the encryption key itself. */
function stateKey(keyring: Keyring): Buffer {
  const master = keyring.keys.get(keyring.activeKeyId)!;
  return Buffer.from(crypto.hkdfSync('sha256', master, Buffer.alloc(0), 'amazon-connector/oauth-state', 32));
}

function mac(keyring: Keyring, payload: string): Buffer {
  return crypto.createHmac('sha256', stateKey(keyring)).update(payload).digest();
}

export function signState(
  keyring: Keyring,
  what: { name: string; home: string },
  ttlMs = STATE_TTL_MS,
  now = Date.now(),
): string {
  const state: LinkState = {
    name: what.name,
    home: what.home,
    exp: now + ttlMs,
    nonce: crypto.randomBytes(9).toString('base64url'),
  };
  const payload = Buffer.from(JSON.stringify(state)).toString('base64url');
  return `${payload}.${mac(keyring, payload).toString('base64url')}`;
}

/** Throws a UserError naming `--state` when the state was not signed by us, or has expired. */
export function verifyState(keyring: Keyring, state: string, now = Date.now()): LinkState {
  const again = 'run `connector accounts link` again and open the URL it prints';
  const [payload, signature, extra] = (state ?? '').trim().split('.');
  const expected = payload ? mac(keyring, payload) : Buffer.alloc(0);
  const given = Buffer.from(signature ?? '', 'base64url');
  if (extra !== undefined || !payload || given.length !== expected.length || !crypto.timingSafeEqual(given, expected)) {
    throw new UserError(`--state was not issued by this connector (bad signature): ${again}`);
  }
  const parsed = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as LinkState;
  if (!(parsed.exp > now)) {
    throw new UserError(`--state expired at ${new Date(parsed.exp).toISOString()}: ${again}`);
  }
  return parsed;
}

/**
 * Seller Central's consent page of the home marketplace (https://sellercentral.amazon.de/apps/authorize/consent),
 * or the sandbox's when the account points at one. `version=beta` is needed while the app is a draft.
 */
export function consentUrl(opts: {
  applicationId: string;
  state: string;
  domain: string;
  endpoint: string | null;
  redirectUri?: string;
  draft?: boolean;
}): string {
  const base = opts.endpoint ? opts.endpoint : `https://sellercentral.${opts.domain}`;
  const url = new URL('/apps/authorize/consent', base);
  url.searchParams.set('application_id', opts.applicationId);
  url.searchParams.set('state', opts.state);
  if (opts.redirectUri) url.searchParams.set('redirect_uri', opts.redirectUri);
  if (opts.draft) url.searchParams.set('version', 'beta');
  return url.toString();
}

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

/**
 * Listens on 127.0.0.1:port for one redirect to /callback. A redirect with a forged or expired state, or an
 * error from Amazon, ends the wait with that error: nothing is exchanged or saved.
 */
export async function startCallbackServer(opts: {
  keyring: Keyring;
  port: number;
  timeoutMs: number;
}): Promise<CallbackServer> {
  let settle!: { resolve(a: Authorization): void; reject(e: Error): void };
  const authorization = new Promise<Authorization>((resolve, reject) => (settle = { resolve, reject }));
  authorization.catch(() => undefined); // observed by the caller; avoid an unhandled rejection if it never awaits

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1');
    if (url.pathname !== '/callback') {
      res.writeHead(404).end();
      return;
    }
    const reply = (status: number, text: string) => {
      res.writeHead(status, { 'content-type': 'text/plain; charset=utf-8', connection: 'close' }).end(`${text}\n`);
    };
    try {
      const q = url.searchParams;
      if (q.get('error')) {
        throw new UserError(
          `Amazon did not authorize the app (${q.get('error')}: ${q.get('error_description') ?? 'no description'}): run \`connector accounts link\` again`,
        );
      }
      const state = verifyState(opts.keyring, q.get('state') ?? '');
      const code = q.get('spapi_oauth_code');
      const sellingPartnerId = q.get('selling_partner_id');
      if (!code || !sellingPartnerId)
        throw new UserError(
          'the redirect lacks spapi_oauth_code or selling_partner_id: run `connector accounts link` again',
        );
      reply(200, 'amazon-connector: authorization received. You can close this window and return to the terminal.');
      settle.resolve({ code, state, sellingPartnerId });
    } catch (err) {
      reply(400, `amazon-connector: ${(err as Error).message}`);
      settle.reject(err as Error);
    }
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new UserError(`--port ${opts.port} is in use: choose another port for the callback`)
          : err,
      ),
    );
    server.listen(opts.port, '127.0.0.1', resolve);
  });
  const timer = setTimeout(() => {
    settle.reject(
      new UserError(
        `no authorization arrived within ${Math.round(opts.timeoutMs / 1000)} s: run \`connector accounts link\` again, or pass --code and --state by hand`,
      ),
    );
  }, opts.timeoutMs);
  const port = (server.address() as AddressInfo).port;
  return {
    redirectUri: `http://127.0.0.1:${port}/callback`,
    authorization,
    close: async () => {
      clearTimeout(timer);
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

export interface AuthorizationRequest {
  keyring: Keyring;
  name: string;
  home: Marketplace;
  endpoint: string | null;
  applicationId?: string;
  port: string;
  redirectUri?: string;
  draft?: boolean;
  timeout: string;
  /** Pasted by hand from the redirect URL, instead of the local callback. */
  code?: string;
  state?: string;
  sellerId?: string;
}

/**
 * The seller's authorization for account `name`: from --code/--state/--seller-id pasted by hand, or by printing the
 * consent URL and waiting for the redirect on the local callback. Either way the state must be ours, fresh, and
 * issued for this account name.
 */
export async function obtainAuthorization(
  req: AuthorizationRequest,
): Promise<{ code: string; sellingPartnerId: string }> {
  const forThisAccount = (state: LinkState) => {
    if (state.name !== req.name) {
      throw new UserError(
        `--state was issued for account "${state.name}", not "${req.name}": pass --name ${state.name}, or link again`,
      );
    }
  };
  if (req.code !== undefined || req.state !== undefined) {
    if (!req.code || !req.state || !req.sellerId) {
      throw new UserError(
        '--code, --state and --seller-id go together: copy spapi_oauth_code, state and selling_partner_id from the redirect URL',
      );
    }
    forThisAccount(verifyState(req.keyring, req.state));
    return { code: req.code, sellingPartnerId: req.sellerId };
  }
  const applicationId = (req.applicationId ?? '').trim();
  if (!applicationId) {
    throw new UserError(
      '--application-id is required: your SP-API app id (amzn1.sp.solution...), or set CONNECTOR_SP_APPLICATION_ID',
    );
  }
  const port = Number(req.port);
  if (!Number.isInteger(port) || port < 0 || port > 65535)
    throw new UserError(`--port "${req.port}" must be a TCP port number, like 8765`);
  const timeoutSec = Number(req.timeout);
  if (!(timeoutSec > 0)) throw new UserError(`--timeout "${req.timeout}" must be a number of seconds, like 600`);

  const server = await startCallbackServer({ keyring: req.keyring, port, timeoutMs: timeoutSec * 1000 });
  try {
    const state = signState(req.keyring, { name: req.name, home: req.home.code });
    const redirectUri = req.redirectUri ?? server.redirectUri;
    const url = consentUrl({
      applicationId,
      state,
      domain: req.home.domain,
      endpoint: req.endpoint,
      redirectUri,
      draft: req.draft,
    });
    // stderr: stdout stays the command's result, parseable with --json.
    process.stderr.write(
      `Open this URL, sign in as the seller and authorize the app (valid ${STATE_TTL_MS / 60_000} minutes):\n\n  ${url}\n\n` +
        `Waiting for Amazon's redirect on ${server.redirectUri} ...\n`,
    );
    const received = await server.authorization;
    forThisAccount(received.state);
    return received;
  } finally {
    await server.close();
  }
}

/** Whom a failed credential check blames: the value LWA refused with invalid_grant, and the fix for each failure. */
export interface Blame {
  grant: string;
  grantFix: string;
  unreachableFix: string;
}

/** getMarketplaceParticipations with the given credentials: proves they work, and says where the seller sells. */
export async function checkWithAmazon(creds: AccountCredentials, blame: Blame): Promise<Participation[]> {
  try {
    return await fetchMarketplaceParticipations(buildSellingPartner(creds));
  } catch (err) {
    throw lwaFailure(err, blame, creds.endpoint);
  }
}

/** LWA's invalid_grant / invalid_client and network failures as one line naming the field and the fix. */
export function lwaFailure(err: unknown, blame: Blame, endpoint: string | null): Error {
  const code = (err as { code?: unknown })?.code;
  const nothing = 'nothing was saved';
  if (code === 'invalid_grant') {
    return new UserError(
      `${blame.grant} was refused by Login with Amazon (invalid_grant): ${blame.grantFix}; ${nothing}`,
    );
  }
  if (code === 'invalid_client') {
    return new UserError(
      `--client-id/--client-secret were refused by Login with Amazon (invalid_client): copy the app's LWA credentials again from Developer Central; ${nothing}`,
    );
  }
  if (err instanceof AmazonAuthFailed)
    return new UserError(`Amazon refused the credentials (${code ?? err.status}): ${err.message}; ${nothing}`);
  if (err instanceof SpApiError || typeof code === 'string') {
    return new UserError(
      `cannot reach ${endpoint ?? 'Amazon'} (${(err as Error).message}): ${blame.unreachableFix}; ${nothing}`,
    );
  }
  return err as Error;
}
