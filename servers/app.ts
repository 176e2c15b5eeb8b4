import crypto from 'node:crypto';
import os from 'node:os';
import Fastify, {
  FastifyBaseLogger,
  FastifyError,
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  LogController,
  RawReplyDefaultExpression,
  RawRequestDefaultExpression,
  RawServerDefault,
} from 'fastify';
import {
  hasZodFastifySchemaValidationErrors,
  serializerCompiler,
  validatorCompiler,
  ZodTypeProvider,
} from 'fastify-type-provider-zod';
import { z } from 'zod';
import { InvalidInput, UserError } from '../lib/errors';
import { InvalidJson, parseJson } from '../lib/http-body';
import type { Logger } from '../lib/logger';

/**
 * The one set-up of every long-running HTTP server (servers/README.md): Fastify with zod schemas (the same schema
 * validates the request, types the handler and can document the route), the pino logger, one error shape, bearer
 * tokens compared in constant time, Host/Origin checks for what a browser can reach, and a bounded graceful close.
 */
export type App = FastifyInstance<
  RawServerDefault,
  RawRequestDefaultExpression,
  RawReplyDefaultExpression,
  FastifyBaseLogger,
  ZodTypeProvider
>;

/** Every error answer of every server: `{error: {code, message, field?, details?}}`, never a stack. */
export const errorBody = z.object({
  error: z.object({
    code: z.string(),
    message: z.string(),
    field: z.string().optional(),
    details: z.unknown().optional(),
  }),
});
export type ErrorBody = z.infer<typeof errorBody>;

/** Thrown by handlers and hooks: becomes `status` with the error shape (and these headers). */
export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly more: { field?: string; details?: unknown; headers?: Record<string, string> } = {},
  ) {
    super(message);
  }

  get body(): ErrorBody {
    const { field, details } = this.more;
    return {
      error: {
        code: this.code,
        message: this.message,
        ...(field !== undefined && { field }),
        ...(details !== undefined && { details }),
      },
    };
  }
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** What a malformed body on this route should have looked like, for the 400's message. */
    bodyHint?: string;
  }
}

export interface AppOptions {
  /** Names the server in its log lines (`component`). */
  name: string;
  /** The pino logger (lib/logger.ts) or a child of it; none: the server logs nothing. */
  logger?: Logger;
  /** Largest request body accepted (413 beyond). Default 1 MiB. */
  bodyLimit?: number;
  /** The 404's message: what this server does answer. */
  notFound: string;
  /** Parse every body as JSON whatever its Content-Type (the warehouse API always did). Default: application/json only. */
  jsonForAnyContentType?: boolean;
  /**
   * Against DNS rebinding, for servers a browser can reach: the Host names accepted (see localHostNames), and the
   * browser origins accepted when a request carries `Origin`. Others get 403 before any route runs.
   */
  hosts?: string[];
  origins?: string[];
  /** The status of an unexpected failure: 500 by default, 503 where the cause is a dependency (database, Temporal). */
  unexpectedStatus?: 500 | 503;
}

class QuietRequests extends LogController {
  constructor() {
    super({ disableRequestLogging: true }); // one debug line per answer instead (onResponse below), without the URL's token
  }
}

export function createApp(options: AppOptions): App {
  const loggerInstance = options.logger?.child({ component: options.name }) as FastifyBaseLogger | undefined;
  const app = Fastify({
    ...(loggerInstance ? { loggerInstance } : { logger: false }),
    logController: new QuietRequests(),
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    forceCloseConnections: 'idle',
    routerOptions: { ignoreTrailingSlash: true },
    frameworkErrors: (error: FastifyError, _request: unknown, reply: FastifyReply) => {
      // A malformed %-escape in the path: the caller's mistake, answered in the common shape.
      void reply.code(400).send(new HttpError(400, 'bad_url', error.message).body);
    },
  });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  app.removeAllContentTypeParsers();
  const json = (_req: FastifyRequest, body: string | Buffer, done: (err: Error | null, body?: unknown) => void) => {
    try {
      done(null, parseJson(body));
    } catch (err) {
      done(err as Error);
    }
  };
  app.addContentTypeParser('application/json', { parseAs: 'string' }, json);
  if (options.jsonForAnyContentType) app.addContentTypeParser('*', { parseAs: 'string' }, json);

  if (options.hosts) app.addHook('onRequest', hostCheck(options.hosts, options.origins ?? []));

  app.addHook('onResponse', async (request, reply) => {
    // The route's pattern, not the URL: a token in the path (the codec server's) never reaches the log.
    request.log.debug(
      { method: request.method, route: request.routeOptions.url ?? '(none)', status: reply.statusCode },
      `${options.name} request`,
    );
  });

  app.setNotFoundHandler((_request: FastifyRequest, reply: FastifyReply) =>
    reply.code(404).send(new HttpError(404, 'not_found', options.notFound).body),
  );

  app.setErrorHandler((err: FastifyError, request, reply) => {
    const answer = toHttpError(err, request, options.unexpectedStatus ?? 500);
    if (answer.status >= 500)
      request.log.error({ err, route: request.routeOptions.url }, `${options.name} request failed`);
    return reply
      .code(answer.status)
      .headers(answer.more.headers ?? {})
      .send(answer.body);
  });
  return app.withTypeProvider<ZodTypeProvider>();
}

/** The one mapping of an error to its HTTP answer (the API's JSON, the console's error page). */
export function toHttpError(err: FastifyError, request: FastifyRequest, unexpectedStatus: number): HttpError {
  if (err instanceof HttpError) return err;
  if (hasZodFastifySchemaValidationErrors(err)) {
    // The field as the book names it (items[0].sku), or the part of the request (querystring, body).
    const first = err.validation[0];
    const parts = first.instancePath.split('/').filter(Boolean);
    const path = parts.map((p, i) => (/^\d+$/.test(p) ? `[${p}]` : i ? `.${p}` : p)).join('');
    const field = path || err.validationContext || 'body';
    // A well-formed request whose body says the wrong thing is 422, as the book's refusals; a bad URL or query is 400.
    const status = err.validationContext === 'body' ? 422 : 400;
    return new HttpError(status, status === 422 ? 'invalid_input' : 'invalid_request', `${field}: ${first.message}`, {
      field,
      details: err.validation.map((v) => ({ path: v.instancePath, message: v.message })),
    });
  }
  // A book operation refusing its input (lib/errors.ts): the request was well formed, its content is not.
  const invalid: unknown = err;
  if (invalid instanceof InvalidInput)
    return new HttpError(422, 'invalid_input', invalid.message, { field: invalid.field, details: invalid.details });
  const hint = request.routeOptions.config?.bodyHint;
  if (err instanceof InvalidJson || err.code === 'FST_ERR_CTP_EMPTY_JSON_BODY')
    return new HttpError(400, 'invalid_json', hint ?? 'the body must be JSON');
  if (err.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return new HttpError(413, 'body_too_large', err.message);
  if (err.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE')
    return new HttpError(415, 'unsupported_media_type', 'send the body as Content-Type: application/json');
  if (err.statusCode && err.statusCode >= 400 && err.statusCode < 500)
    return new HttpError(err.statusCode, 'bad_request', err.message);
  return new HttpError(
    unexpectedStatus,
    unexpectedStatus === 503 ? 'unavailable' : 'internal_error',
    'could not process the request: see the server log',
  );
}

/** Registers 405 answers (with `Allow`) for the methods a path does not take, instead of Fastify's 404. */
export function onlyMethods(app: App, url: string, allowed: string[], message: string): void {
  const others = ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'].filter((m) => !allowed.includes(m));
  app.route({
    method: others,
    url,
    exposeHeadRoute: false,
    schema: { hide: true }, // not operations of the API: no OpenAPI entry
    handler: async () => {
      throw new HttpError(405, 'method_not_allowed', message, { headers: { allow: allowed.join(', ') } });
    },
  });
}

/** Compares a presented token with the expected one in constant time (hashes first: the length must not leak either). */
export function tokenMatches(given: string | undefined, expected: string): boolean {
  if (!given) return false;
  const a = crypto.createHash('sha256').update(given).digest();
  const b = crypto.createHash('sha256').update(expected).digest();
  return crypto.timingSafeEqual(a, b);
}

/** The token of an `Authorization: Bearer <token>` header, or undefined. */
export function bearerToken(header: string | undefined): string | undefined {
  return header?.startsWith('Bearer ') ? header.slice(7).trim() || undefined : undefined;
}

/** A hook that answers 401 unless the request carries `Authorization: Bearer <token>`; `hint` says where to get it. */
export function requireBearer(token: string, hint: string) {
  return async (request: FastifyRequest): Promise<void> => {
    if (!tokenMatches(bearerToken(request.headers.authorization), token))
      throw new HttpError(401, 'unauthorized', hint, { headers: { 'www-authenticate': 'Bearer' } });
  };
}

const LOOPBACK_NAMES = ['localhost', '127.0.0.1', '::1'];

/**
 * The Host names a server listening on `host` answers to: the loopback names, the address itself, and for a wildcard
 * address every interface's address and the machine's name. A name outside these (a DNS rebinding attacker's) gets 403.
 */
export function localHostNames(host: string, extra: string[] = []): string[] {
  const names = new Set([...LOOPBACK_NAMES, host.replace(/^\[|\]$/g, ''), ...extra]);
  if (host === '0.0.0.0' || host === '::') {
    names.add(os.hostname());
    for (const addresses of Object.values(os.networkInterfaces()))
      for (const a of addresses ?? []) names.add(a.address);
  }
  return [...names].map((n) => n.toLowerCase());
}

/** The host name of a Host header: `[::1]:8888` → `::1`, `Example.COM:80` → `example.com`. */
function hostName(header: string | undefined): string | undefined {
  if (!header) return undefined;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(header);
  return (bracketed ? bracketed[1] : header.replace(/:\d+$/, '')).toLowerCase();
}

function hostCheck(hosts: string[], origins: string[]) {
  const allowedHosts = new Set(hosts.map((h) => h.toLowerCase()));
  const allowedOrigins = new Set(origins);
  return async (request: FastifyRequest, _reply: FastifyReply): Promise<void> => {
    const host = hostName(request.headers.host);
    if (!host || !allowedHosts.has(host)) {
      throw new HttpError(
        403,
        'host_not_allowed',
        `Host "${request.headers.host ?? ''}" is not a name of this server: use one of ${[...allowedHosts].join(', ')}`,
      );
    }
    const origin = request.headers.origin;
    if (origin !== undefined && !allowedOrigins.has(origin)) {
      throw new HttpError(
        403,
        'origin_not_allowed',
        `Origin "${origin}" may not call this server: allowed are ${[...allowedOrigins].join(', ') || 'none'}`,
      );
    }
  };
}

export interface RunningServer {
  /** `http://host:port`, no trailing slash. */
  url: string;
  port: number;
  /** Stops accepting, lets requests in flight finish for up to `graceMs` (default 5 s), then cuts what is left. */
  close(graceMs?: number): Promise<void>;
}

/** Listens on host:port; a taken port is one line naming `portSetting` (CONNECTOR_API_PORT, --port, …). */
export async function listen(
  app: App,
  options: { port: number; host?: string; portSetting: string },
): Promise<RunningServer> {
  const host = options.host ?? '127.0.0.1';
  try {
    await app.listen({ port: options.port, host });
  } catch (err) {
    await app.close().catch(() => undefined);
    if ((err as NodeJS.ErrnoException).code === 'EADDRINUSE')
      throw new UserError(
        `port ${options.port} on ${host} is already taken: stop what uses it, or set ${options.portSetting}`,
      );
    throw err;
  }
  const port = app.server.address() !== null ? (app.server.address() as { port: number }).port : options.port;
  let closing: Promise<void> | undefined;
  return {
    url: `http://${host.includes(':') ? `[${host}]` : host}:${port}`,
    port,
    close: (graceMs = 5_000) =>
      (closing ??= (async () => {
        const cut = setTimeout(() => app.server.closeAllConnections(), graceMs);
        try {
          await app.close();
        } finally {
          clearTimeout(cut);
        }
      })()),
  };
}
