import crypto from 'node:crypto';
import { LWA_OLD_SECRET_GRACE_DAYS, LWA_SECRET_LIFETIME_DAYS } from '../../lib/amazon-facts';
import type { Ctx, Route, Sandbox } from '../context';
import { HttpError, iso, ok, Reply } from '../http';

/**
 * Login with Amazon (POST /auth/o2/token: refresh_token, authorization_code and client_credentials grants, JSON or form
 * bodies), Seller Central's consent page, and the access-token check every SP-API call goes through.
 */

const GRANTLESS_SCOPES = ['sellingpartnerapi::notifications', 'sellingpartnerapi::client_credential:rotation'];
const CODE_LIFETIME_MS = 5 * 60_000;

const random = (n: number) => crypto.randomBytes(n).toString('base64url');
const lwaError = (status: number, error: string, description: string): Reply => ({
  status,
  body: { error_description: description, error },
  headers: { 'content-type': 'application/json;charset=UTF-8' },
});

async function tokenParams(ctx: Ctx): Promise<Record<string, string>> {
  const raw = (await ctx.rawBody()).toString('utf8').trim();
  if (raw.startsWith('{')) {
    try {
      return Object.fromEntries(Object.entries(JSON.parse(raw)).map(([k, v]) => [k, String(v)]));
    } catch {
      return {};
    }
  }
  return Object.fromEntries(new URLSearchParams(raw));
}

function issueAccessToken(sb: Sandbox, sellerId: string | null, clientId: string, scope?: string) {
  const token = `Atza|${random(48)}`;
  const lifetime = sb.config.tokenLifetimeSeconds;
  sb.state.accessTokens.set(token, {
    sellerId,
    clientId,
    expiresAt: sb.now() + lifetime * 1000,
    ...(scope ? { scope } : {}),
  });
  sb.changed();
  return { access_token: token, token_type: 'bearer', expires_in: lifetime };
}

async function token(ctx: Ctx): Promise<Reply> {
  const { sb } = ctx;
  const p = await tokenParams(ctx);
  if (!p.grant_type)
    return lwaError(400, 'invalid_request', 'The request is missing a required parameter : grant_type');
  if (!['refresh_token', 'authorization_code', 'client_credentials'].includes(p.grant_type)) {
    return lwaError(
      400,
      'unsupported_grant_type',
      'The authorization grant type is not supported by the authorization server',
    );
  }
  if (!p.client_id || !p.client_secret || !clientAccepted(sb, p.client_id, p.client_secret))
    return lwaError(401, 'invalid_client', 'Client authentication failed');

  if (p.grant_type === 'refresh_token') {
    if (!p.refresh_token)
      return lwaError(400, 'invalid_request', 'The request is missing a required parameter : refresh_token');
    const owner = sb.state.refreshTokenOwner(p.refresh_token);
    if (!owner || owner.clientId !== p.client_id) {
      return lwaError(400, 'invalid_grant', 'The request has an invalid grant parameter : refresh_token');
    }
    return {
      status: 200,
      body: { ...issueAccessToken(sb, owner.seller.sellerId, p.client_id), refresh_token: p.refresh_token },
    };
  }

  if (p.grant_type === 'authorization_code') {
    if (!p.code) return lwaError(400, 'invalid_request', 'The request is missing a required parameter : code');
    const grant = sb.state.authorizationCodes.get(p.code);
    sb.state.authorizationCodes.delete(p.code); // single use, like Amazon's
    if (!grant || grant.expiresAt < sb.now() || !sb.state.sellers.has(grant.sellerId)) {
      return lwaError(400, 'invalid_grant', 'The request has an invalid grant parameter : code');
    }
    const refreshToken = `Atzr|${random(64)}`;
    sb.state.refreshTokens.set(refreshToken, { sellerId: grant.sellerId, clientId: p.client_id });
    return { status: 200, body: { ...issueAccessToken(sb, grant.sellerId, p.client_id), refresh_token: refreshToken } };
  }

  if (!p.scope || !GRANTLESS_SCOPES.includes(p.scope)) {
    return lwaError(400, 'invalid_scope', 'The request has an invalid parameter : scope');
  }
  return { status: 200, body: { ...issueAccessToken(sb, null, p.client_id, p.scope), scope: p.scope } };
}

/** The app's current secret until it expires, or a rotated-out one until its grace ends: else invalid_client. */
function clientAccepted(sb: Sandbox, clientId: string, secret: string): boolean {
  const now = sb.now();
  const times = sb.state.appSecrets.get(clientId);
  if ([...sb.state.sellers.values()].some((s) => s.clientId === clientId && s.clientSecret === secret))
    return times?.expiresAt === undefined || times.expiresAt > now;
  return (times?.retired ?? []).some((r) => r.secret === secret && r.until > now);
}

const adminError = (status: number, message: string) => new HttpError(status, [{ code: 'AdminError', message }]);

function appSellers(ctx: Ctx) {
  const sellers = [...ctx.sb.state.sellers.values()].filter((s) => s.clientId === ctx.params.clientId);
  if (!sellers.length) throw adminError(404, `no seller uses app ${ctx.params.clientId}`);
  return sellers;
}

const seconds = (v: unknown, name: string, fallback: number): number => {
  if (v === undefined) return fallback;
  if (!Number.isInteger(v) || (v as number) < 0) throw adminError(400, `${name} must be a whole number of seconds`);
  return v as number;
};

/**
 * POST /_sandbox/apps/{clientId}/rotate-secret {clientSecret?, graceSeconds?, expiresInSeconds?}: what Amazon does on
 * a rotation (Solution Provider Portal, or rotateApplicationClientSecret): a new secret for every seller of the app,
 * valid 180 days; the old one keeps working for the grace (7 days), never past its own expiry. Answers with the
 * fields of Amazon's APPLICATION_OAUTH_CLIENT_NEW_SECRET notification.
 */
async function rotateSecret(ctx: Ctx): Promise<Reply> {
  const sellers = appSellers(ctx);
  const body = ((await ctx.jsonBody()) ?? {}) as Record<string, unknown>;
  const now = ctx.sb.now();
  const grace = seconds(body.graceSeconds, 'graceSeconds', LWA_OLD_SECRET_GRACE_DAYS * 86_400);
  const lifetime = seconds(body.expiresInSeconds, 'expiresInSeconds', LWA_SECRET_LIFETIME_DAYS * 86_400);
  const newSecret =
    typeof body.clientSecret === 'string' && body.clientSecret ? body.clientSecret : `amzn1.oa2-cs.v1.${random(24)}`;
  const times = ctx.sb.state.appSecrets.get(ctx.params.clientId) ?? { retired: [] };
  const until = Math.min(times.expiresAt ?? Infinity, now + grace * 1000);
  const retired = [...new Set(sellers.map((s) => s.clientSecret))].map((secret) => ({ secret, until }));
  times.retired = [...times.retired.filter((r) => r.until > now), ...retired];
  times.expiresAt = now + lifetime * 1000;
  ctx.sb.state.appSecrets.set(ctx.params.clientId, times);
  for (const s of sellers) s.clientSecret = newSecret;
  ctx.sb.changed();
  return ok({
    clientId: ctx.params.clientId,
    newClientSecret: newSecret,
    newClientSecretExpiryTime: iso(times.expiresAt),
    oldClientSecretExpiryTime: iso(until),
  });
}

/**
 * POST /_sandbox/apps/{clientId}/expire-secret {which?: "current" | "old"}: the app's current secret expires now (no
 * rotation in time: every token request fails), or the grace of the rotated-out ones ends now. Access tokens already
 * issued live on, as Amazon's do: `POST /_sandbox/sellers/{id}/expire-tokens` ends them.
 */
async function expireSecret(ctx: Ctx): Promise<Reply> {
  appSellers(ctx);
  const body = ((await ctx.jsonBody()) ?? {}) as Record<string, unknown>;
  const which = body.which ?? 'current';
  if (which !== 'current' && which !== 'old') throw adminError(400, 'which must be "current" or "old"');
  const now = ctx.sb.now();
  const times = ctx.sb.state.appSecrets.get(ctx.params.clientId) ?? { retired: [] };
  if (which === 'current') times.expiresAt = now;
  else times.retired = times.retired.map((r) => ({ ...r, until: Math.min(r.until, now) }));
  ctx.sb.state.appSecrets.set(ctx.params.clientId, times);
  ctx.sb.changed();
  return ok({ clientId: ctx.params.clientId, expired: which });
}

const html = (status: number, body: string): Reply => ({
  status,
  raw: Buffer.from(
    `<!doctype html><html><head><meta charset="utf-8"><title>Seller Central (sandbox)</title></head><body>${body}</body></html>`,
  ),
  headers: { 'content-type': 'text/html; charset=utf-8' },
});

const escape = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

/**
 * Seller Central's consent page. The seller who consents is `seller_id` (a sandbox-only parameter), else the only
 * seller; with several and none chosen the page lists them as links, like a sign-in choice.
 */
function consent(ctx: Ctx): Reply {
  const { sb, query } = ctx;
  const applicationId = query.get('application_id');
  const state = query.get('state');
  const redirectUri = query.get('redirect_uri');
  if (!applicationId || !state || !redirectUri) {
    return html(400, '<p>application_id, state and redirect_uri are required.</p>');
  }
  let target: URL;
  try {
    target = new URL(redirectUri);
  } catch {
    return html(400, `<p>redirect_uri ${escape(redirectUri)} is not a URL.</p>`);
  }
  const sellers = [...sb.state.sellers.values()];
  const chosen = query.get('seller_id');
  const seller = chosen ? sb.state.sellers.get(chosen) : sellers.length === 1 ? sellers[0] : undefined;
  if (chosen && !seller) return html(400, `<p>No seller ${escape(chosen)} in this sandbox.</p>`);
  if (!seller) {
    const links = sellers.map((s) => {
      const u = new URL(ctx.url.toString());
      u.searchParams.set('seller_id', s.sellerId);
      return `<li><a href="${escape(u.pathname + u.search)}">Authorize as ${escape(s.sellerId)} (${escape(s.storeName)})</a></li>`;
    });
    return html(
      200,
      `<h1>Authorize ${escape(applicationId)}</h1><ul>${links.join('') || '<li>No seller yet: create one with POST /_sandbox/sellers.</li>'}</ul>`,
    );
  }
  const code = random(15).replace(/[-_]/g, 'x');
  sb.state.authorizationCodes.set(code, { sellerId: seller.sellerId, expiresAt: sb.now() + CODE_LIFETIME_MS });
  target.searchParams.set('state', state);
  target.searchParams.set('selling_partner_id', seller.sellerId);
  target.searchParams.set('spapi_oauth_code', code);
  return { status: 302, headers: { location: target.toString() } };
}

const denied = (details: string): Reply => ({
  status: 403,
  body: { errors: [{ message: 'Access to requested resource is denied.', code: 'Unauthorized', details }] },
});

/**
 * The seller and application of an access token, or Amazon's exact 403 (the client refreshes only on the "expired"
 * one). A grantless operation takes only a client_credentials token of its scope; a seller operation refuses those.
 */
export function authenticate(
  sb: Sandbox,
  header: string | string[] | undefined,
  grantlessScope?: string,
): { sellerId: string; clientId: string } | Reply {
  const value = Array.isArray(header) ? header[0] : header;
  if (!value) return denied('Access token is missing in the request header.');
  const token = sb.state.accessTokens.get(value);
  if (!token || (token.sellerId && !sb.state.sellers.has(token.sellerId))) {
    return denied('The access token you provided is revoked, malformed or invalid.');
  }
  if (token.expiresAt <= sb.now()) return denied('The access token you provided has expired.');
  const grantless = token.sellerId === null;
  if (grantless !== Boolean(grantlessScope) || (grantlessScope && token.scope !== grantlessScope)) return denied('');
  return { sellerId: token.sellerId ?? '', clientId: token.clientId };
}

export const lwaRoutes: Route[] = [
  { method: 'POST', path: '/auth/o2/token', kind: 'lwa', operation: 'lwaToken', handler: token },
  { method: 'GET', path: '/apps/authorize/consent', kind: 'page', handler: consent },
  { method: 'POST', path: '/_sandbox/apps/{clientId}/rotate-secret', kind: 'admin', handler: rotateSecret },
  { method: 'POST', path: '/_sandbox/apps/{clientId}/expire-secret', kind: 'admin', handler: expireSecret },
];
