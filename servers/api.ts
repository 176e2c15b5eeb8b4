import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import { z } from 'zod';
import { appSecretWarning, listAppSecrets } from '../book/lwa-apps';
import { orderView } from '../book/orders';
import { checkShipmentRequest, recordedPackageId } from '../book/packages';
import { sameSkuQuantities } from '../book/shipments';
import { Db, ping } from '../db';
import { InvalidShipment } from '../lib/errors';
import type { Logger } from '../lib/logger';
import { shipmentDone } from '../workflows/order';
import type { FastifyRequest } from 'fastify';
import {
  App,
  bearerToken,
  createApp,
  errorBody,
  HttpError,
  listen,
  onlyMethods,
  RunningServer,
  tokenMatches,
} from './app';
import { authenticate, requireScope } from './api-v1/auth';
import { ApiV1Options, registerApiV1, registerOpenApi } from './api-v1';
import { registerConsole } from './console';
import { REFUSAL_STATUS, SHIPMENT_WAIT_MS } from './api-v1/shipping';
import { keyringFromEnv } from '../lib/secrets';
import { parseAllowedTargets } from '../lib/webhook-target';

/**
 * `connector api`: the HTTP API for warehouse systems and ERPs.
 * - /v1: the Book API (servers/api-v1/, docs/api.md), with scoped tokens; /v1/openapi.json, /v1/docs.
 * - POST /orders/{amazonOrderId}/shipments: deprecated (use POST /v1/orders/{id}/shipments); Bearer CONNECTOR_API_TOKEN,
 *   or a v1 token with the `ship` scope.
 * - GET /healthz: the process is up. GET /readyz: PostgreSQL and Temporal answer, and no LWA client secret has expired
 *   (one that expires within 30 days is named, still ready).
 */
export interface ApiServerOptions extends Partial<Omit<ApiV1Options, 'db' | 'temporal'>> {
  db: Db;
  temporal: () => Promise<Client>;
  /** CONNECTOR_API_TOKEN: the deprecated POST accepts it as `Authorization: Bearer <token>`. */
  token?: string;
  port: number;
  host?: string;
  logger?: Logger;
  /** How long a POST waits for the workflow to record the package before answering without its id (default 5 s). */
  packageWaitMs?: number;
  /** The web console at `/` (servers/console/); default on. */
  console?: boolean;
}

export type ApiServer = RunningServer;

export const shipmentAnswer = z.object({
  workflowId: z.string(),
  amazonOrderId: z.string(),
  packageReferenceId: z.number().int().nullable(),
  trackingNumber: z.string(),
  status: z.enum(['recorded', 'signalled', 'duplicate']),
});
export type ShipmentAnswer = z.infer<typeof shipmentAnswer>;

export const readiness = z.object({
  status: z.enum(['ready', 'not ready']),
  database: z.string(),
  temporal: z.string(),
  /** `ok`, `expiring: <what to do>` (still ready) or `expired: <what to do>` (not ready: every call of the app fails). */
  lwaSecrets: z.string(),
});

/** The LWA client secrets of the apps enabled accounts use: an expired one fails readiness, one expiring soon is named. */
async function lwaSecretsCheck(db: Db): Promise<{ ready: boolean; text: string }> {
  const apps = (await listAppSecrets(db, {})).filter((app) => app.enabledAccounts.length > 0);
  for (const status of ['expired', 'expiring'] as const) {
    const warnings = apps.filter((app) => app.status === status).map((app) => appSecretWarning(app));
    if (warnings.length) return { ready: status !== 'expired', text: `${status}: ${warnings.join('; ')}` };
  }
  return { ready: true, text: 'ok' };
}

async function withTimeout<T>(what: string, ms: number, work: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>(
    (_, reject) => (timer = setTimeout(() => reject(new Error(`${what} did not answer within ${ms} ms`)), ms)),
  );
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
  }
}

/** The warehouse routes on an app of the shared set-up; `connector api` serves them alone (startApiServer). */
export function registerWarehouseRoutes(app: App, options: ApiServerOptions): void {
  const { db } = options;
  const waitMs = options.packageWaitMs ?? 5_000;

  async function ready(): Promise<{ status: 200 | 503; body: z.infer<typeof readiness> }> {
    const check = async (what: string, probe: () => Promise<unknown>) => {
      try {
        await withTimeout(what, 3_000, probe());
        return 'ok';
      } catch (err) {
        return `unavailable: ${(err as Error).message}`;
      }
    };
    const [database, temporal, secrets] = await Promise.all([
      check('PostgreSQL', () => ping(db)),
      check('Temporal', async () => (await options.temporal()).workflowService.getSystemInfo({})),
      withTimeout('PostgreSQL', 3_000, lwaSecretsCheck(db)).catch((err: Error) => ({
        ready: false,
        text: `unknown: ${err.message}`,
      })),
    ]);
    const ok = database === 'ok' && temporal === 'ok' && secrets.ready;
    return {
      status: ok ? 200 : 503,
      body: { status: ok ? 'ready' : 'not ready', database, temporal, lwaSecrets: secrets.text },
    };
  }

  /** 202 once signalled; the package id when the workflow has recorded it within `waitMs`. */
  async function postShipment(
    amazonOrderId: string,
    payload: any,
    account: string | undefined,
  ): Promise<{ status: 200 | 202; body: ShipmentAnswer }> {
    // A warehouse re-sending after a lost answer gets the package it already created, not a 409.
    const before = await orderView(db, { amazonOrderId, accountId: account });
    const tracking = typeof payload?.trackingNumber === 'string' ? payload.trackingNumber.trim() : '';
    const earlier = before?.deliveries.find(
      (d) =>
        d.packageReferenceId &&
        tracking &&
        d.tracking === tracking &&
        (!Array.isArray(payload.items) || sameSkuQuantities(d.lines, payload.items)),
    );
    if (before && earlier) {
      return {
        status: 200,
        body: {
          workflowId: before.workflowId,
          amazonOrderId,
          packageReferenceId: earlier.packageReferenceId,
          trackingNumber: tracking,
          status: 'duplicate',
        },
      };
    }

    let checked;
    try {
      checked = await checkShipmentRequest(db, { amazonOrderId, payload, accountId: account, wording: 'json' });
    } catch (err) {
      if (err instanceof InvalidShipment)
        throw new HttpError(REFUSAL_STATUS[err.refusal], err.refusal, err.message, { field: err.field });
      throw err;
    }
    const { order, shipment } = checked;
    const client = await options.temporal();
    try {
      await client.workflow.getHandle(order.workflowId).signal(shipmentDone, shipment);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        throw new HttpError(
          409,
          'workflow_closed',
          `the workflow of ${amazonOrderId} is not running (${order.workflowId}): see \`connector failed list\``,
        );
      }
      throw err;
    }
    app.log.info(
      { account: order.account, amazonOrderId, workflowId: order.workflowId },
      'shipmentDone sent by the warehouse API',
    );

    const deadline = Date.now() + waitMs;
    let packageReferenceId: number | null = null;
    while (Date.now() < deadline) {
      packageReferenceId = await recordedPackageId(db, { orderId: order.id, trackingNumber: shipment.trackingNumber });
      if (packageReferenceId !== null) break;
      await new Promise((r) => setTimeout(r, 150));
    }
    return {
      status: 202,
      body: {
        workflowId: order.workflowId,
        amazonOrderId,
        packageReferenceId,
        trackingNumber: shipment.trackingNumber,
        status: packageReferenceId !== null ? 'recorded' : 'signalled',
      },
    };
  }

  const health = { tags: ['health'], security: [] };
  app.get(
    '/healthz',
    { schema: { ...health, summary: 'The process is up', response: { 200: z.object({ status: z.literal('ok') }) } } },
    async () => ({ status: 'ok' as const }),
  );
  onlyMethods(app, '/healthz', ['GET'], 'use GET /healthz');
  const readyzSchema = {
    ...health,
    summary: 'PostgreSQL and Temporal answer, and no LWA client secret has expired',
    response: { 200: readiness, 503: readiness },
  };
  app.get('/readyz', { schema: readyzSchema }, async (_request, reply) => {
    const answer = await ready();
    return reply.code(answer.status).send(answer.body);
  });
  onlyMethods(app, '/readyz', ['GET'], 'use GET /readyz');

  const shipments = '/orders/:amazonOrderId/shipments';
  app.post(
    shipments,
    {
      schema: {
        params: z.object({ amazonOrderId: z.string() }),
        querystring: z.object({ account: z.string().optional() }),
        body: z.unknown(), // checked by checkShipmentRequest, with the words `connector ship` uses
        response: {
          200: shipmentAnswer,
          202: shipmentAnswer,
          ...Object.fromEntries([400, 401, 404, 409, 413, 422].map((status) => [status, errorBody])),
        },
        summary: 'Deprecated: use POST /v1/orders/{amazonOrderId}/shipments',
        description:
          'Sends shipmentDone and answers 202 once the package is recorded (or signalled), without waiting for Amazon. Kept for warehouse systems set up before v1.',
        deprecated: true,
        tags: ['deprecated'],
      },
      config: { bodyHint: 'body must be JSON like {"carrier":"UPS","trackingNumber":"1Z..."}' },
      preHandler: legacyAuth(db, options.token),
    },
    async (request, reply) => {
      const answer = await postShipment(request.params.amazonOrderId, request.body, request.query.account);
      return reply.code(answer.status).send(answer.body);
    },
  );
  onlyMethods(app, shipments, ['POST'], 'use POST');
}

/** The deprecated path takes CONNECTOR_API_TOKEN (when set) or a v1 token with the `ship` scope. */
function legacyAuth(db: Db, token: string | undefined) {
  const v1 = authenticate(db);
  const ship = requireScope('ship');
  return async (request: FastifyRequest): Promise<void> => {
    if (token && tokenMatches(bearerToken(request.headers.authorization), token)) return;
    try {
      await v1(request);
      await ship(request);
    } catch {
      throw new HttpError(
        401,
        'unauthorized',
        'missing or wrong token: send Authorization: Bearer $CONNECTOR_API_TOKEN, or a v1 token with the ship scope',
        { headers: { 'www-authenticate': 'Bearer' } },
      );
    }
  };
}

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const app = createApp({
    name: 'api',
    logger: options.logger,
    bodyLimit: 4 * 1024 * 1024, // PUT /v1/stock takes 10,000 rows
    notFound: 'not found: the console is at /, the Book API under /v1 (GET /v1/docs); also GET /healthz, GET /readyz',
    jsonForAnyContentType: true, // warehouse systems posted without Content-Type before this server moved to Fastify
    unexpectedStatus: 503,
  });
  await registerOpenApi(app);
  const v1: ApiV1Options = {
    ...options,
    taskQueue: options.taskQueue ?? 'amazon-connector',
    namespace: options.namespace ?? 'default',
    temporalUiUrl: options.temporalUiUrl ?? 'http://127.0.0.1:8233',
    shipmentWaitMs: options.shipmentWaitMs ?? SHIPMENT_WAIT_MS,
    webhooks: options.webhooks ?? {
      keyring: keyringFromEnv(),
      allowed: parseAllowedTargets(process.env.CONNECTOR_WEBHOOK_ALLOWED_HOSTS),
      retryForMs: 3 * 86_400_000,
    },
  };
  await registerApiV1(app, v1);
  registerWarehouseRoutes(app, options);
  if (options.console !== false) await registerConsole(app, v1);
  return listen(app, { port: options.port, host: options.host, portSetting: 'CONNECTOR_API_PORT or --port' });
}
