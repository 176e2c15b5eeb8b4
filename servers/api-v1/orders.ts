import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { findOrder, ordersPage, OrderView, orderView } from '../../book/orders';
import { checkShipmentRequest } from '../../book/packages';
import type { Db } from '../../db';
import { InvalidShipment } from '../../lib/errors';
import { ShipmentInput } from '../../lib/shipment';
import { retry } from '../../workflows/order';
import { App, errorBody, HttpError } from '../app';
import { hasScope, requireScope } from './auth';
import { idempotent } from './idempotency';
import { listQuery } from './query';
import { REFUSAL_STATUS, ShipmentNotTaken, ShipmentOutcome, shipAndAwait } from './shipping';

export interface OrderRoutesOptions {
  db: Db;
  temporal: () => Promise<Client>;
  /** The Temporal Web UI's base URL and namespace, for each order's workflow link. */
  temporalUiUrl: string;
  namespace: string;
  /** How long a shipment POST waits for Amazon's answer at most (about 30 s). */
  shipmentWaitMs: number;
}

const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody };
const OrderParams = z.object({ amazonOrderId: z.string().min(1).max(40) });
const AccountQuery = z.strictObject({ account: z.string().optional() });

/** Without the `pii` scope: no buyer, no street, no phone, no gift message; city, postal code and country stay. */
function withoutPii(view: OrderView): OrderView {
  const address = view.deliveryAddress;
  return {
    ...view,
    customer: null,
    deliveryAddress: address && {
      ...address,
      name: null,
      company: null,
      street: null,
      street2: null,
      street3: null,
      phone: null,
    },
    lines: view.lines.map((l) => (l.kind === 'note' ? { ...l, note: null } : l)),
  };
}

export const OrderDetail = OrderView.extend({
  /** The order's workflow in the Temporal Web UI. */
  workflowUrl: z.string(),
  /** Whether customer and address are included (the token has the `pii` scope). */
  pii: z.boolean(),
});

export function registerOrderRoutes(app: App, options: OrderRoutesOptions): void {
  const { db } = options;
  const notFound = (amazonOrderId: string) =>
    new HttpError(404, 'not_found', `no order ${amazonOrderId} in the book (check the id, or its account)`);

  app.get(
    '/orders',
    {
      schema: {
        summary: 'List orders, in the order of their last change',
        description:
          'Cursor pagination in a stable order (last change, then id): keep `nextCursor` and pass it as `cursor`; an order changed while you page comes again later, never is skipped. Without PII.',
        tags: ['orders'],
        querystring: listQuery(ordersPage.input),
        response: { 200: ordersPage.output, ...errors, 422: errorBody },
      },
      onRequest: requireScope('read'),
    },
    async (request) => ordersPage(db, request.query),
  );

  app.get(
    '/orders/:amazonOrderId',
    {
      schema: {
        summary: 'One order: lines, totals and taxes, customer (pii), delivery, packages with Amazon’s answer',
        tags: ['orders'],
        params: OrderParams,
        querystring: AccountQuery,
        response: { 200: OrderDetail, ...errors, 422: errorBody },
      },
      onRequest: requireScope('read'),
    },
    async (request) => {
      const { amazonOrderId } = request.params;
      const view = await orderView(db, { amazonOrderId, accountId: request.query.account });
      if (!view) throw notFound(amazonOrderId);
      const pii = hasScope(request, 'pii');
      // Who read PII, never the PII itself.
      if (pii) request.log.info({ tokenName: request.apiToken!.name, amazonOrderId }, 'PII read: order');
      const workflowUrl = `${options.temporalUiUrl}/namespaces/${encodeURIComponent(options.namespace)}/workflows/${encodeURIComponent(view.workflowId)}`;
      return { ...(pii ? view : withoutPii(view)), workflowUrl, pii };
    },
  );

  app.post(
    '/orders/:amazonOrderId/shipments',
    {
      schema: {
        summary: 'A package shipped: recorded, sent to Amazon, and Amazon’s answer',
        description:
          'Reaches the order’s workflow as the `ship` Workflow Update, then waits (`wait`, default true, about 30 s at most) for Amazon’s answer: 201 accepted, 422 rejected with Amazon’s text, 202 when Amazon has not answered yet (poll GET /v1/orders/{amazonOrderId}). A repeat of a recorded package (same tracking and items) sends nothing again. Send an Idempotency-Key to make retries safe.',
        tags: ['shipments'],
        params: OrderParams,
        querystring: z.strictObject({
          account: z.string().optional(),
          wait: z.enum(['true', 'false']).default('true'),
        }),
        headers: z.object({ 'idempotency-key': z.string().max(200).optional() }),
        body: ShipmentInput,
        response: {
          201: ShipmentOutcome,
          202: ShipmentOutcome,
          ...errors,
          409: errorBody,
          422: z.union([ShipmentOutcome, errorBody]),
        },
      },
      onRequest: requireScope('ship'),
    },
    async (request, reply) =>
      idempotent(db, request, reply, async () => {
        const { amazonOrderId } = request.params;
        let checked;
        try {
          checked = await checkShipmentRequest(db, {
            amazonOrderId,
            accountId: request.query.account,
            payload: request.body,
            wording: 'json',
          });
        } catch (err) {
          if (err instanceof InvalidShipment)
            throw new HttpError(REFUSAL_STATUS[err.refusal], err.refusal, err.message, { field: err.field });
          throw err;
        }
        let outcome: ShipmentOutcome;
        try {
          outcome = await shipAndAwait(db, await options.temporal(), {
            order: checked.order,
            shipment: checked.shipment,
            waitMs: request.query.wait === 'true' ? options.shipmentWaitMs : 0,
            updateId: request.headers['idempotency-key'] as string | undefined,
          });
        } catch (err) {
          if (err instanceof ShipmentNotTaken)
            throw new HttpError(err.code === 'workflow_closed' ? 409 : 422, err.code, err.message);
          throw err;
        }
        const status = outcome.amazon === 'accepted' ? 201 : outcome.amazon === 'rejected' ? 422 : 202;
        return { status, body: outcome };
      }),
  );

  app.post(
    '/orders/:amazonOrderId/retry',
    {
      schema: {
        summary: 'Retry an order flagged needs_attention, after its data was fixed',
        tags: ['orders'],
        params: OrderParams,
        querystring: AccountQuery,
        headers: z.object({ 'idempotency-key': z.string().max(200).optional() }),
        response: {
          202: z.object({ workflowId: z.string(), signalled: z.literal('retry') }),
          ...errors,
          409: errorBody,
        },
      },
      onRequest: requireScope('ship'),
    },
    async (request, reply) =>
      idempotent(db, request, reply, async () => {
        const { amazonOrderId } = request.params;
        const order = await findOrder(db, { amazonOrderId, accountId: request.query.account });
        if (!order) throw notFound(amazonOrderId);
        if (order.state !== 'needs_attention')
          throw new HttpError(
            409,
            'not_flagged',
            `${amazonOrderId} is ${order.state}, not waiting in needs_attention: retry is for an order flagged with a reason`,
          );
        await (await options.temporal()).workflow.getHandle(order.workflowId).signal(retry);
        return { status: 202, body: { workflowId: order.workflowId, signalled: 'retry' as const } };
      }),
  );
}
