import http, { IncomingMessage, ServerResponse } from 'node:http';
import type { Logger } from '../lib/logger';
import { Ctx, emptyStats, Route, Sandbox } from './context';
import { errorReply, HttpError, parseJson, Query, readBody, Reply, requestId, writeReply } from './http';
import { regionOfHost } from './marketplaces';
import { rateHeader, USAGE_PLANS } from './rate-limits';
import { adminRoutes } from './routes/admin';
import { documentRoutes } from './routes/documents';
import { fbaInventoryRoutes } from './routes/fba-inventory';
import { feedRoutes } from './routes/feeds';
import { financeAdminRoutes } from './routes/finances-admin';
import { financeRoutes } from './routes/finances';
import { listingRoutes } from './routes/listings';
import { authenticate, lwaRoutes } from './routes/lwa';
import { notificationAdminRoutes } from './routes/notifications-admin';
import { notificationRoutes } from './routes/notifications';
import { ordersRoutes } from './routes/orders';
import { ordersV0Routes } from './routes/orders-v0';
import { sellerRoutes } from './routes/sellers';

/** The HTTP front of the sandbox: routing by path only (clients send Amazon's Host headers), then Amazon's pipeline. */

interface CompiledRoute extends Route {
  pattern: RegExp;
}

const ALL_ROUTES: Route[] = [
  ...lwaRoutes,
  ...ordersRoutes,
  ...ordersV0Routes,
  ...financeRoutes,
  ...financeAdminRoutes,
  ...feedRoutes,
  ...documentRoutes,
  ...listingRoutes,
  ...sellerRoutes,
  ...fbaInventoryRoutes,
  ...notificationRoutes,
  ...adminRoutes,
  ...notificationAdminRoutes,
];

function compile(route: Route): CompiledRoute {
  const source = route.path.replace(/[.]/g, '\\.').replace(/\{(\w+)\}/g, '(?<$1>[^/]+)');
  return { ...route, pattern: new RegExp(`^${source}$`) };
}

const COMPILED = ALL_ROUTES.map(compile);

function match(
  method: string,
  pathname: string,
): { route?: CompiledRoute; params: Record<string, string>; pathKnown: boolean } {
  let pathKnown = false;
  for (const route of COMPILED) {
    const m = route.pattern.exec(pathname);
    if (!m) continue;
    pathKnown = true;
    if (route.method !== method) continue;
    const params = Object.fromEntries(Object.entries(m.groups ?? {}).map(([k, v]) => [k, safeDecode(v)]));
    return { route, params, pathKnown };
  }
  return { params: {}, pathKnown };
}

function safeDecode(v: string): string {
  try {
    return decodeURIComponent(v);
  } catch {
    return v;
  }
}

export function createHttpServer(sb: Sandbox, log: Logger): { server: http.Server; cancelPending(): void } {
  const pending = new Set<NodeJS.Timeout>();
  const sleep = (ms: number) =>
    new Promise<void>((resolve) => {
      const t = setTimeout(() => {
        pending.delete(t);
        resolve();
      }, ms);
      pending.add(t);
    });

  const server = http.createServer((req, res) => {
    handle(sb, req, res, sleep, log).catch((err) => {
      log.error({ err, url: req.url }, 'sandbox: request failed');
      if (!res.headersSent)
        writeReply(res, errorReply(500, 'InternalFailure', 'We encountered an internal error. Please try again.'), {});
    });
  });
  server.keepAliveTimeout = 65_000;
  return { server, cancelPending: () => pending.forEach((t) => clearTimeout(t)) };
}

async function handle(
  sb: Sandbox,
  req: IncomingMessage,
  res: ServerResponse,
  sleep: (ms: number) => Promise<void>,
  log: Logger,
): Promise<void> {
  const url = new URL(req.url ?? '/', 'http://sandbox.local');
  const method = (req.method ?? 'GET').toUpperCase();
  const id = requestId();
  const headers: Record<string, string> = { 'x-amzn-RequestId': id };
  const { route, params, pathKnown } = match(method, url.pathname);
  log.debug({ method, path: url.pathname, host: req.headers.host, operation: route?.operation }, 'sandbox request');
  if (!route) {
    const reply = pathKnown
      ? errorReply(405, 'MethodNotAllowed', `${method} is not allowed on ${url.pathname}.`)
      : errorReply(404, 'NotFound', `No SP-API operation or sandbox route at ${url.pathname}.`);
    writeReply(res, reply, headers);
    return;
  }

  let body: Buffer | undefined;
  const ctx: Ctx = {
    sb,
    req,
    url,
    query: new Query(url.searchParams),
    params,
    sellerId: '',
    clientId: '',
    region: regionOfHost(req.headers.host),
    rawBody: async () => (body ??= await readBody(req)),
    jsonBody: async () => parseJson(await ctx.rawBody()),
  };

  const operation = route.operation;
  const stats = operation ? statsOf(sb, operation) : undefined;
  if (stats) stats.calls++;
  const plan = operation ? USAGE_PLANS[operation] : undefined;
  if (plan) headers['x-amzn-RateLimit-Limit'] = rateHeader(plan, sb.config.rateLimits);

  const send = (reply: Reply, truncate = false) => {
    if (stats) bump(stats, reply.status);
    if (!res.destroyed && !res.socket?.destroyed) writeReply(res, reply, headers, truncate);
  };

  if (route.kind === 'spapi') {
    const auth = authenticate(sb, req.headers['x-amz-access-token'], route.grantlessScope);
    if ('status' in auth) return send(auth);
    ctx.sellerId = auth.sellerId;
    ctx.clientId = auth.clientId;
    // Grantless calls are the application's own: its bucket, not a seller's.
    const caller = auth.sellerId || auth.clientId;
    if (plan && !sb.limiter.take(`${caller}\u0000${operation}`, plan)) {
      return send(errorReply(429, 'QuotaExceeded', 'You exceeded your quota for the requested resource.', ''));
    }
  }

  let truncate = false;
  const fault = operation ? sb.faults.draw(operation, route.kind === 'spapi') : null;
  if (fault) {
    if (fault.fault === 'reset') {
      stats!.faults++;
      req.socket.destroy();
      return;
    }
    if (fault.fault === 'status500')
      return send(errorReply(500, 'InternalFailure', 'We encountered an internal error. Please try again.', ''));
    if (fault.fault === 'status503')
      return send(
        errorReply(503, 'ServiceUnavailable', 'Service temporarily unavailable. Please try again later.', ''),
      );
    if (fault.fault === 'timeout') {
      stats!.faults++;
      await sleep(fault.timeoutMs);
    }
    truncate = fault.fault === 'truncated';
  }

  let reply: Reply;
  try {
    reply = await route.handler(ctx);
  } catch (err) {
    if (err instanceof HttpError) {
      // Like most of Amazon's errors, each carries `details` (empty when the message says it all).
      const errors = err.errors.map((e) => ({ code: e.code, message: e.message, details: e.details ?? '' }));
      const body = route.kind === 'admin' ? { error: err.errors.map((e) => e.message).join('; ') } : { errors };
      reply = { status: err.status, body, headers: err.headers };
    } else {
      log.error({ err, operation, path: url.pathname }, 'sandbox: route failed');
      reply = errorReply(500, 'InternalFailure', 'We encountered an internal error. Please try again.');
    }
  }
  send(reply, truncate && reply.status < 300 && reply.body !== undefined);
}

function statsOf(sb: Sandbox, operation: string) {
  let s = sb.stats.get(operation);
  if (!s) {
    s = emptyStats();
    sb.stats.set(operation, s);
  }
  return s;
}

function bump(stats: ReturnType<typeof emptyStats>, status: number): void {
  if (status === 429) stats['429']++;
  else if (status >= 500) stats['5xx']++;
  else if (status >= 400) stats['4xx']++;
  else stats['2xx']++;
}
