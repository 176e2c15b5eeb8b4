import crypto from 'node:crypto';
import { z } from 'zod';
import { InvalidInput, UserError } from '../lib/errors';
import { operation } from './operation';

/**
 * API tokens of the Book API v1. The secret (`act_` + 32 random bytes, base64url) is shown once, at creation; the book
 * keeps its SHA-256 only, so a leaked database holds no usable token. High-entropy secrets need no slow hash.
 */

export const SCOPES = ['read', 'pii', 'ship', 'stock', 'admin'] as const;
export type Scope = (typeof SCOPES)[number];

const TOKEN_PREFIX = 'act_';
const hash = (secret: string) => crypto.createHash('sha256').update(secret).digest('hex');

export const TokenInfo = z.object({
  id: z.number().int(),
  name: z.string(),
  scopes: z.array(z.enum(SCOPES)),
  expiresAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
  lastUsedAt: z.string().nullable(),
  createdAt: z.string(),
});
export type TokenInfo = z.infer<typeof TokenInfo>;

const iso = (d: Date | null) => (d ? new Date(d).toISOString() : null);
/** An api_tokens row as the book shows it (never its hash). */
export const tokenInfo = (r: any): TokenInfo => ({
  id: r.id,
  name: r.name,
  scopes: r.scopes,
  expiresAt: iso(r.expires_at),
  revokedAt: iso(r.revoked_at),
  lastUsedAt: iso(r.last_used_at),
  createdAt: iso(r.created_at)!,
});

export const TokenName = z
  .string({ error: 'is required' })
  .regex(/^[a-z0-9][a-z0-9._-]{0,62}$/, 'must be 1 to 63 of a-z, 0-9, ., _ or -, like wms-prod');

export const createToken = operation(
  {
    name: 'createToken',
    input: z.object({
      name: TokenName,
      scopes: z
        .array(z.enum(SCOPES, { error: `must be among ${SCOPES.join(', ')}` }))
        .min(1, `must name at least one of ${SCOPES.join(', ')}`),
      expiresInMs: z.number().int().positive().optional(),
    }),
    output: TokenInfo.extend({ secret: z.string() }),
  },
  async (db, input) => {
    const secret = TOKEN_PREFIX + crypto.randomBytes(32).toString('base64url');
    const [row] = await db('api_tokens')
      .insert({
        name: input.name,
        token_hash: hash(secret),
        scopes: [...new Set(input.scopes)],
        expires_at: input.expiresInMs ? new Date(Date.now() + input.expiresInMs) : null,
      })
      .onConflict('name')
      .ignore()
      .returning('*');
    if (!row)
      throw new InvalidInput(`a token named ${input.name} exists: revoke it first, or choose another name`, 'name');
    return { ...tokenInfo(row), secret };
  },
);

export const listTokens = operation(
  { name: 'listTokens', input: z.object({}), output: z.array(TokenInfo) },
  async (db) => (await db('api_tokens').orderBy('name')).map(tokenInfo),
);

export const revokeToken = operation(
  { name: 'revokeToken', input: z.object({ name: z.string().min(1) }), output: TokenInfo },
  async (db, { name }) => {
    const [row] = await db('api_tokens')
      .where({ name })
      .update({ revoked_at: db.raw('COALESCE(revoked_at, now())') })
      .returning('*');
    if (!row) throw new UserError(`no API token named ${name}: see \`connector api tokens list\``);
    return tokenInfo(row);
  },
);

/**
 * The live token a bearer secret belongs to, or undefined (unknown, revoked or expired: all the same 401). Its last use
 * is recorded at most once a minute, so a busy integration costs no write per request.
 */
export const authenticateToken = operation(
  { name: 'authenticateToken', input: z.object({ secret: z.string() }), output: TokenInfo.optional() },
  async (db, { secret }) => {
    if (!secret.startsWith(TOKEN_PREFIX)) return undefined;
    const row = await db('api_tokens')
      .where({ token_hash: hash(secret) })
      .whereNull('revoked_at')
      .andWhere((q) => q.whereNull('expires_at').orWhere('expires_at', '>', db.fn.now()))
      .first();
    if (!row) return undefined;
    if (!row.last_used_at || Date.now() - new Date(row.last_used_at).getTime() > 60_000)
      await db('api_tokens').where({ id: row.id }).update({ last_used_at: db.fn.now() });
    return tokenInfo(row);
  },
);

/** A revoked token's row goes, so that its name can be used again (the demo's token, made anew at each start). */
export const deleteRevokedToken = operation(
  { name: 'deleteRevokedToken', input: z.object({ name: z.string().min(1) }), output: z.void() },
  async (db, { name }) => {
    await db('api_tokens').where({ name }).whereNotNull('revoked_at').delete();
  },
);
