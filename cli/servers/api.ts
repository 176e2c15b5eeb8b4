import http from 'node:http';
import { sameSkuQuantities } from '../../book/shipments';
import type { Client } from '@temporalio/client';
import { WorkflowNotFoundError } from '@temporalio/client';
import type { Db } from '../../db';
import { orderView } from '../../book/orders';
import { checkShipmentRequest } from '../../book/shipments';
import { InvalidShipment, ShipmentRefusal } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { shipmentDone } from '../../workflows/order';
import { BadRequest, bearerTokenMatches, listen, readBody, RunningServer } from './http';

/**
 * `connector api`: the HTTP API for warehouse systems.
 * - POST /orders/{amazonOrderId}/shipments (Bearer token): the shipmentDone payload, checked like `connector ship`.
 * - GET /healthz: the process is up. GET /readyz: PostgreSQL and Temporal answer.
 */
export interface ApiServerOptions {
  db: Db;
  temporal: () => Promise<Client>;
  /** CONNECTOR_API_TOKEN: every POST must carry it as `Authorization: Bearer <token>`. */
  token: string;
  port: number;
  host?: string;
  logger?: Logger;
  /** How long a POST waits for the workflow to record the package before answering without its id (default 5 s). */
  packageWaitMs?: number;
}

export type ApiServer = RunningServer;

const REFUSAL_STATUS: Record<ShipmentRefusal, number> = {
  unknown_order: 404,
  not_fbm: 409,
  cancelled: 409,
  nothing_open: 409,
  invalid: 422,
  over_quantity: 422,
};

const SHIPMENTS_PATH = /^\/orders\/([^/]+)\/shipments\/?$/;

class HttpAnswer extends Error {
  constructor(
    readonly status: number,
    readonly body: Record<string, unknown>,
  ) {
    super(String(body.error ?? status));
  }
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

export async function startApiServer(options: ApiServerOptions): Promise<ApiServer> {
  const { db } = options;
  const waitMs = options.packageWaitMs ?? 5_000;

  async function readiness(): Promise<{ status: number; body: Record<string, string> }> {
    const check = async (what: string, probe: () => Promise<unknown>) => {
      try {
        await withTimeout(what, 3_000, probe());
        return 'ok';
      } catch (err) {
        return `unavailable: ${(err as Error).message}`;
      }
    };
    const [database, temporal] = await Promise.all([
      check('PostgreSQL', () => db.raw('select 1')),
      check('Temporal', async () => (await options.temporal()).workflowService.getSystemInfo({})),
    ]);
    const ready = database === 'ok' && temporal === 'ok';
    return { status: ready ? 200 : 503, body: { status: ready ? 'ready' : 'not ready', database, temporal } };
  }

  /** 202 once signalled; the package id when the workflow has recorded it within `waitMs`. */
  async function postShipment(amazonOrderId: string, req: http.IncomingMessage, account: string | undefined) {
    let payload: any;
    try {
      payload = JSON.parse(await readBody(req, 64 * 1024));
    } catch (err) {
      throw new HttpAnswer(400, {
        error:
          err instanceof BadRequest ? err.message : 'body must be JSON like {"carrier":"UPS","trackingNumber":"1Z..."}',
      });
    }
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
        throw new HttpAnswer(REFUSAL_STATUS[err.refusal], { error: err.message, reason: err.refusal });
      throw err;
    }
    const { order, shipment } = checked;
    const client = await options.temporal();
    try {
      await client.workflow.getHandle(order.workflowId).signal(shipmentDone, shipment);
    } catch (err) {
      if (err instanceof WorkflowNotFoundError) {
        throw new HttpAnswer(409, {
          error: `the workflow of ${amazonOrderId} is not running (${order.workflowId}): see \`connector failed list\``,
          reason: 'workflow_closed',
        });
      }
      throw err;
    }
    options.logger?.info(
      { account: order.account, amazonOrderId, workflowId: order.workflowId },
      'shipmentDone sent by the warehouse API',
    );

    const deadline = Date.now() + waitMs;
    let packageReferenceId: number | null = null;
    while (Date.now() < deadline) {
      const pkg = await db('deliveries')
        .where({ order_id: order.id, tracking_number: shipment.trackingNumber })
        .whereNotNull('package_reference_id')
        .first('package_reference_id');
      if (pkg) {
        packageReferenceId = pkg.package_reference_id;
        break;
      }
      await new Promise((r) => setTimeout(r, 150));
    }
    return {
      status: 202,
      body: {
        workflowId: order.workflowId,
        amazonOrderId,
        packageReferenceId,
        trackingNumber: shipment.trackingNumber,
        status: packageReferenceId ? 'recorded' : 'signalled',
      },
    };
  }

  const server = http.createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://api');
    const send = (status: number, body: unknown, headers: Record<string, string> = {}) => {
      res.writeHead(status, { 'content-type': 'application/json', ...headers }).end(JSON.stringify(body));
      options.logger?.debug({ method: req.method, path: url.pathname, status }, 'api request');
    };
    void (async () => {
      if (url.pathname === '/healthz')
        return req.method === 'GET' ? send(200, { status: 'ok' }) : send(405, { error: 'use GET /healthz' });
      if (url.pathname === '/readyz') {
        if (req.method !== 'GET') return send(405, { error: 'use GET /readyz' });
        const ready = await readiness();
        return send(ready.status, ready.body);
      }
      const match = SHIPMENTS_PATH.exec(url.pathname);
      if (!match)
        return send(404, { error: 'not found: POST /orders/{amazonOrderId}/shipments, GET /healthz, GET /readyz' });
      if (req.method !== 'POST') return send(405, { error: 'use POST' }, { allow: 'POST' });
      if (!bearerTokenMatches(req.headers.authorization, options.token)) {
        return send(
          401,
          { error: 'missing or wrong token: send Authorization: Bearer $CONNECTOR_API_TOKEN' },
          { 'www-authenticate': 'Bearer' },
        );
      }
      const answer = await postShipment(
        decodeURIComponent(match[1]),
        req,
        url.searchParams.get('account') ?? undefined,
      );
      send(answer.status, answer.body);
    })().catch((err) => {
      if (err instanceof HttpAnswer) return send(err.status, err.body);
      options.logger?.error({ err, path: url.pathname }, 'api request failed');
      if (!res.headersSent) send(503, { error: `could not process the request: ${(err as Error).message}` });
    });
  });
  return listen(server, options.port, options.host, 'CONNECTOR_API_PORT or --port');
}
