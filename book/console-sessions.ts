import crypto from 'node:crypto';
import { z } from 'zod';
import { TokenInfo, tokenInfo } from './api-tokens';
import { operation } from './operation';

/**
 * Sessions of the web console. A login with an API token makes one: the browser gets the random session id in an
 * HttpOnly cookie, the book keeps its SHA-256 only. A session lives as long as its token is live (not revoked, not
 * expired) and at most its own lifetime, sliding with use; each has a CSRF token its forms carry.
 */

const hash = (sessionId: string) => crypto.createHash('sha256').update(sessionId).digest('hex');
/** How often a session's last use is written: not on every page. */
const TOUCH_EVERY_MS = 60_000;

export const createSession = operation(
  {
    name: 'createSession',
    input: z.object({ tokenId: z.number().int(), ttlMs: z.number().int().positive() }),
    output: z.object({ sessionId: z.string(), csrfToken: z.string(), expiresAt: z.date() }),
  },
  async (db, input) => {
    const sessionId = crypto.randomBytes(32).toString('base64url');
    const csrfToken = crypto.randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + input.ttlMs);
    await db('console_sessions').insert({
      id_hash: hash(sessionId),
      token_id: input.tokenId,
      csrf_token: csrfToken,
      expires_at: expiresAt,
    });
    // Expired sessions of anyone go at each login: the table holds only live ones and their recent past.
    await db('console_sessions').where('expires_at', '<', db.fn.now()).delete();
    return { sessionId, csrfToken, expiresAt };
  },
);

export const ConsoleSession = z.object({ token: TokenInfo, csrfToken: z.string(), expiresAt: z.date() });
export type ConsoleSession = z.infer<typeof ConsoleSession>;

/** The live session of a cookie's id with its live token, or undefined; the lifetime slides by `ttlMs` with use. */
export const sessionOf = operation(
  {
    name: 'sessionOf',
    input: z.object({ sessionId: z.string().min(1).max(200), ttlMs: z.number().int().positive() }),
    output: ConsoleSession.optional(),
  },
  async (db, input) => {
    const row = await db('console_sessions as s')
      .join('api_tokens as t', 't.id', 's.token_id')
      .where('s.id_hash', hash(input.sessionId))
      .where('s.expires_at', '>', db.fn.now())
      .whereNull('t.revoked_at')
      .andWhere((q) => q.whereNull('t.expires_at').orWhere('t.expires_at', '>', db.fn.now()))
      .first('t.*', 's.csrf_token', 's.expires_at as session_expires_at', 's.last_seen_at');
    if (!row) return undefined;
    let expiresAt: Date = row.session_expires_at;
    if (Date.now() - new Date(row.last_seen_at).getTime() > TOUCH_EVERY_MS) {
      expiresAt = new Date(Date.now() + input.ttlMs);
      await db('console_sessions')
        .where({ id_hash: hash(input.sessionId) })
        .update({ last_seen_at: db.fn.now(), expires_at: expiresAt });
    }
    return { token: tokenInfo(row), csrfToken: row.csrf_token, expiresAt };
  },
);

/** Logout: the session is gone (a copied cookie opens nothing after). */
export const endSession = operation(
  { name: 'endSession', input: z.object({ sessionId: z.string().min(1).max(200) }), output: z.void() },
  async (db, input) => {
    await db('console_sessions')
      .where({ id_hash: hash(input.sessionId) })
      .delete();
  },
);
