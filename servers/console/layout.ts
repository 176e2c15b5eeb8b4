import type { FastifyReply } from 'fastify';
import type { Scope } from '../../book/api-tokens';
import type { ConsoleSession } from '../../book/console-sessions';
import { html, Html } from './html';

/** The pages of the nav, each shown only to a token with its scope. */
const NAV: Array<{ href: string; label: string; scope: Scope }> = [
  { href: '/', label: 'To ship', scope: 'read' },
  { href: '/orders', label: 'Orders', scope: 'read' },
  { href: '/attention', label: 'Needs attention', scope: 'read' },
  { href: '/stock', label: 'Stock', scope: 'read' },
  { href: '/money', label: 'Money', scope: 'read' },
  { href: '/accounts', label: 'Accounts', scope: 'read' },
  { href: '/webhooks', label: 'Webhooks', scope: 'admin' },
];

/** Scripts only from this server, no inline script or style, forms post only here, never framed. */
const CSP =
  "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

export interface PageOptions {
  title: string;
  /** The nav entry to mark as the current page. */
  current?: string;
  session?: ConsoleSession;
  status?: number;
}

/** The hidden field every POST form carries (checked by the console's preHandler). */
export const csrfField = (session: ConsoleSession) =>
  html`<input type="hidden" name="_csrf" value="${session.csrfToken}" />`;

function header(options: PageOptions): Html {
  const { session } = options;
  if (!session) return html`<header class="top"><span class="brand">amazon-connector</span></header>`;
  const links = NAV.filter((n) => session.token.scopes.includes(n.scope)).map(
    (n) =>
      html`<li><a href="${n.href}" ${options.current === n.href ? html` aria-current="page"` : ''}>${n.label}</a></li>`,
  );
  return html`<header class="top">
    <span class="brand">amazon-connector</span>
    <nav aria-label="Main">
      <ul>
        ${links}
      </ul>
    </nav>
    <div class="who">
      <span>Token <strong>${session.token.name}</strong> (${session.token.scopes.join(', ')})</span>
      <form method="post" action="/logout" class="inline">
        ${csrfField(session)}<button type="submit" class="secondary">Log out</button>
      </form>
    </div>
  </header>`;
}

export function page(options: PageOptions, body: Html): Html {
  return html`<!doctype html>
    <html lang="en">
      <head>
        <meta charset="utf-8" />
        <meta name="viewport" content="width=device-width, initial-scale=1" />
        <title>${options.title} · amazon-connector</title>
        <link rel="stylesheet" href="/console.css" />
      </head>
      <body>
        <a class="skip" href="#main">Skip to content</a>
        ${header(options)}
        <main id="main" tabindex="-1">${body}</main>
      </body>
    </html> `;
}

/** Sends a page with the console's headers: no caching (pages hold the book), CSP, no sniffing, no referrer abroad. */
export function sendPage(reply: FastifyReply, options: PageOptions, body: Html): FastifyReply {
  return reply
    .code(options.status ?? 200)
    .headers({
      'content-type': 'text/html; charset=utf-8',
      'cache-control': 'no-store',
      'content-security-policy': CSP,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'same-origin',
    })
    .send(page(options, body).text);
}

/** A notice box; `role="alert"` for failures, so a screen reader reads them out. */
export function notice(kind: 'good' | 'bad' | 'warn', content: Html | string): Html {
  return kind === 'bad'
    ? html`<div class="notice bad" role="alert">${content}</div>`
    : html`<div class="notice ${kind}" role="status">${content}</div>`;
}

/** "Next page" through the API's cursor, keeping the other parameters. */
export function pager(path: string, params: Record<string, string | undefined>, nextCursor: string | null): Html {
  const first = params.cursor
    ? html`<a class="button secondary" href="${path}${toQuery({ ...params, cursor: undefined })}">First page</a>`
    : '';
  const next = nextCursor
    ? html`<a class="button secondary" rel="next" href="${path}${toQuery({ ...params, cursor: nextCursor })}"
        >Next page</a
      >`
    : '';
  return first || next ? html`<nav class="pager" aria-label="Pages">${first}${next}</nav>` : html``;
}

/** `?a=1&b=2` of the non-empty parameters, or ''. */
export function toQuery(params: Record<string, string | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v) q.set(k, v);
  const text = q.toString();
  return text ? `?${text}` : '';
}

/** Ship-risk badge of a delivery or order. */
export function riskBadge(risk: string | null | undefined): Html | '' {
  if (risk === 'late') return html`<span class="badge late">Late</span>`;
  if (risk === 'ship_risk') return html`<span class="badge risk">Ship risk</span>`;
  return '';
}
