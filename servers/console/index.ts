import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { App, toHttpError } from '../app';
import type { V1Services } from '../api-v1/service';
import { registerAccounts } from './accounts';
import { html } from './html';
import { notice, sendPage } from './layout';
import { registerMoney } from './money';
import { registerOrders } from './orders';
import { checkCsrf, registerLogin, registerLogout, requireSession } from './session';
import { registerStock } from './stock';
import { CONSOLE_CSS } from './style';
import { registerToShip } from './to-ship';
import { registerWebhooks } from './webhooks';

/**
 * The web console (docs/console.md), at `/` of the Book API's server: server-rendered pages over the API's own
 * service functions (servers/api-v1/service.ts), so it can show and do only what the logged-in token may through the
 * API. Forms are plain HTML (no script needed); every POST carries the session's CSRF token.
 */
export async function registerConsole(app: App, services: V1Services): Promise<void> {
  await app.register(async (scope) => {
    const c = scope.withTypeProvider<ZodTypeProvider>() as App;
    // HTML pages for people, not part of the API's OpenAPI document.
    c.addHook('onRoute', (route) => {
      route.schema = { ...route.schema, hide: true };
    });
    // Forms post url-encoded; only the console's routes parse it (the API keeps JSON).
    c.addContentTypeParser(
      'application/x-www-form-urlencoded',
      { parseAs: 'string', bodyLimit: 64 * 1024 },
      (_request, body, done) => done(null, Object.fromEntries(new URLSearchParams(String(body)))),
    );
    c.setErrorHandler(errorPage);
    // How long the server took (bench/console.ts reads it; browsers show it in their network panel).
    c.addHook('onSend', async (_request, reply) => {
      reply.header('server-timing', `app;dur=${reply.elapsedTime.toFixed(1)}`);
    });
    c.get('/console.css', async (_request, reply) =>
      reply.type('text/css; charset=utf-8').header('cache-control', 'public, max-age=3600').send(CONSOLE_CSS),
    );
    registerLogin(c, services.db); // its POST checks the Origin (checkCsrf, no session yet)
    await c.register(async (inner) => {
      const pages = inner.withTypeProvider<ZodTypeProvider>() as App;
      pages.addHook('onRequest', requireSession(services.db));
      pages.addHook('preValidation', checkCsrf);
      registerLogout(pages, services.db);
      registerToShip(pages, services);
      registerOrders(pages, services);
      registerStock(pages, services);
      registerMoney(pages, services);
      registerAccounts(pages, services);
      registerWebhooks(pages, services);
    });
  });
}

const TITLES: Record<number, string> = {
  400: 'Bad request',
  401: 'Logged out',
  403: 'Not allowed',
  404: 'Not found',
  409: 'Not now',
  422: 'Refused',
};

/** Failures as a page, with the API's status and message (a 403 names the scope the token lacks). */
function errorPage(err: FastifyError, request: FastifyRequest, reply: FastifyReply) {
  const answer = toHttpError(err, request, 500);
  if (answer.status >= 500) request.log.error({ err, route: request.routeOptions.url }, 'console request failed');
  const title = TITLES[answer.status] ?? 'Something went wrong';
  return sendPage(
    reply,
    { title, status: answer.status, session: request.consoleSession },
    html`<h1>${title}</h1>
      ${notice('bad', answer.message)}
      <p>
        ${answer.status === 401 ? html`<a class="button" href="/login">Log in</a>` : html`<a class="button secondary" href="/">Back to the pick list</a>`}
      </p>`,
  );
}
