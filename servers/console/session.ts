import crypto from 'node:crypto';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { authenticateToken } from '../../book/api-tokens';
import { ConsoleSession, createSession, endSession, sessionOf } from '../../book/console-sessions';
import type { Db } from '../../db';
import { App, HttpError } from '../app';
import type { Caller } from '../api-v1/service';
import { html } from './html';
import { notice, sendPage } from './layout';

/**
 * Login with an API token, the session cookie, CSRF and logout. The cookie is HttpOnly (no script reads it),
 * SameSite=Strict (no other site's page sends it), Path=/, Secure over HTTPS; it holds a random id whose hash the book
 * keeps. Every POST carries the session's CSRF token in a hidden field and, from a browser, an Origin of this server.
 */

export const SESSION_COOKIE = 'connector_session';
/** A session ends after this long unused (each page view slides it). */
export const SESSION_TTL_MS = 12 * 3_600_000;

declare module 'fastify' {
  interface FastifyRequest {
    consoleSession?: ConsoleSession;
  }
}

/** The caller of a console request, for the API's service functions. */
export const callerOfSession = (request: FastifyRequest): Caller => ({
  token: request.consoleSession!.token,
  log: request.log,
});

function cookieValue(header: string | undefined, name: string): string | undefined {
  for (const part of (header ?? '').split(';')) {
    const at = part.indexOf('=');
    if (at > 0 && part.slice(0, at).trim() === name) return decodeURIComponent(part.slice(at + 1).trim());
  }
  return undefined;
}

function sessionCookie(request: FastifyRequest, value: string, maxAgeSeconds: number): string {
  const secure = request.protocol === 'https' ? '; Secure' : '';
  return `${SESSION_COOKIE}=${value}; Path=/; HttpOnly; SameSite=Strict; Max-Age=${maxAgeSeconds}${secure}`;
}

/** Only a path of this server, never `//elsewhere` or a URL: where to go after login. */
export function localPath(next: unknown): string {
  return typeof next === 'string' && /^\/(?![/\\])[^\s]*$/.test(next) ? next : '/';
}

/** onRequest of the console's pages: the session of the cookie, or to the login page (a POST is refused). */
export function requireSession(db: Db) {
  return async (request: FastifyRequest, reply: FastifyReply): Promise<void> => {
    const id = cookieValue(request.headers.cookie, SESSION_COOKIE);
    const session = id
      ? await sessionOf(db, { sessionId: id, ttlMs: SESSION_TTL_MS }).catch(() => undefined)
      : undefined;
    if (session) {
      request.consoleSession = session;
      return;
    }
    if (request.method !== 'GET') throw new HttpError(401, 'unauthorized', 'log in first: your session has ended');
    await reply.redirect(`/login?next=${encodeURIComponent(request.url)}`, 303);
  };
}

/** The Origin of a browser's POST must be this server (the Host it was sent to). */
function sameOrigin(request: FastifyRequest): boolean {
  const origin = request.headers.origin;
  if (origin === undefined) return true; // not a browser, or an old one: the CSRF token still guards
  return origin === `${request.protocol}://${request.headers.host}`;
}

/** preValidation of every console POST: same origin, and the session's CSRF token in the form. */
export async function checkCsrf(request: FastifyRequest): Promise<void> {
  if (request.method !== 'POST') return;
  if (!sameOrigin(request)) throw new HttpError(403, 'csrf', 'this form was sent from another site: refused');
  const session = request.consoleSession;
  if (!session) return; // the login form: no session yet
  const sent = (request.body as Record<string, string> | undefined)?._csrf ?? '';
  const a = crypto.createHash('sha256').update(sent).digest();
  const b = crypto.createHash('sha256').update(session.csrfToken).digest();
  if (!crypto.timingSafeEqual(a, b))
    throw new HttpError(
      403,
      'csrf',
      'the form’s security token is missing or stale: reload the page and send it again',
    );
}

const LoginForm = z.object({ token: z.string().default(''), next: z.string().optional() });

function loginPage(reply: FastifyReply, next: string, message?: { kind: 'good' | 'bad'; text: string }, status = 200) {
  return sendPage(
    reply,
    { title: 'Log in', status },
    html`<div class="login">
      <h1>Log in</h1>
      ${message ? notice(message.kind, message.text) : ''}
      <p>
        Use an API token of the Book API (<code>connector api tokens create &lt;name&gt; --scopes read,ship</code>;
        <code>connector start</code> prints a demo token). Its scopes decide what you may see and do.
      </p>
      <form method="post" action="/login">
        <input type="hidden" name="next" value="${next}" />
        <label for="token">API token</label>
        <input id="token" name="token" type="password" autocomplete="off" required autofocus />
        <p><button type="submit">Log in</button></p>
      </form>
    </div>`,
  );
}

/** GET/POST /login: no session needed. */
export function registerLogin(app: App, db: Db): void {
  app.get('/login', async (request, reply) => {
    const q = request.query as Record<string, string | undefined>;
    return loginPage(reply, localPath(q.next), q.out ? { kind: 'good', text: 'You are logged out.' } : undefined);
  });
  app.post('/login', { preValidation: checkCsrf }, async (request, reply) => {
    const form = LoginForm.parse(request.body ?? {});
    const next = localPath(form.next);
    const token = form.token.trim() ? await authenticateToken(db, { secret: form.token.trim() }) : undefined;
    if (!token)
      return loginPage(
        reply,
        next,
        { kind: 'bad', text: 'Unknown, expired or revoked token: check it and try again.' },
        401,
      );
    const session = await createSession(db, { tokenId: token.id, ttlMs: SESSION_TTL_MS });
    request.log.info({ token: token.name }, 'console login');
    return reply
      .header('set-cookie', sessionCookie(request, session.sessionId, SESSION_TTL_MS / 1000))
      .redirect(next, 303);
  });
}

/** POST /logout (with the session and its CSRF token): the session is deleted and the cookie cleared. */
export function registerLogout(app: App, db: Db): void {
  app.post('/logout', async (request, reply) => {
    const id = cookieValue(request.headers.cookie, SESSION_COOKIE);
    if (id) await endSession(db, { sessionId: id });
    return reply.header('set-cookie', sessionCookie(request, '', 0)).redirect('/login?out=1', 303);
  });
}
