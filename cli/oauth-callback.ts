import { UserError } from '../lib/errors';
import { LinkState, signState, STATE_TTL_MS, verifyState } from '../lib/oauth-state';
import type { Keyring } from '../lib/secrets';
import { startCallbackServer } from '../servers/oauth-callback';
import type { Marketplace, Participation } from '../book/marketplaces';
import { AccountCredentials, buildSellingPartner } from '../activities/spapi/client';
import { fetchMarketplaceParticipations } from '../activities/spapi/clients';
import { AmazonAuthFailed, SpApiError } from '../lib/errors';

/**
 * The pieces of `connector accounts link` (Amazon's "website authorization workflow"): the consent URL and the wait for
 * Amazon's redirect (its signed `state`: lib/oauth-state.ts; the one-shot server: servers/oauth-callback.ts); and the
 * credential check shared by every command that talks to Login with Amazon, with its failures turned into one-line
 * errors.
 */

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

/** The host of --redirect-uri (a tunnel to the local port): the callback server answers to that name too. */
function redirectHost(redirectUri: string): string {
  try {
    return new URL(redirectUri).hostname;
  } catch {
    throw new UserError(`--redirect-uri "${redirectUri}" is not a URL: give the redirect URI registered for the app`);
  }
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

  const server = await startCallbackServer({
    keyring: req.keyring,
    port,
    timeoutMs: timeoutSec * 1000,
    hosts: req.redirectUri ? [redirectHost(req.redirectUri)] : [],
  });
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
  /** Who LWA's invalid_client blames, when not the --client-id/--client-secret flags (a rotated secret). */
  client?: string;
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
      `${blame.client ?? '--client-id/--client-secret'} were refused by Login with Amazon (invalid_client): copy the app's LWA credentials again from Developer Central; ${nothing}`,
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
