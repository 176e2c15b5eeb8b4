import { z } from 'zod';
import { ordersPage } from '../../book/orders';
import { ShipmentInput } from '../../lib/shipment';
import { App, errorBody } from '../app';
import { callerOf, requireScope } from './auth';
import { idempotent } from './idempotency';
import { listQuery } from './query';
import { OrderDetail, listOrderPage, orderDetail, retryOrder, shipPackage, V1Services } from './service';
import { ShipmentOutcome } from './shipping';

export type OrderRoutesOptions = V1Services;

const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody };
const OrderParams = z.object({ amazonOrderId: z.string().min(1).max(40) });
const AccountQuery = z.strictObject({ account: z.string().optional() });

export function registerOrderRoutes(app: App, options: OrderRoutesOptions): void {
  const { db } = options;

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
    async (request) => listOrderPage(options, callerOf(request), request.query),
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
    async (request) => orderDetail(options, callerOf(request), { ...request.params, account: request.query.account }),
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
      idempotent(db, request, reply, () =>
        shipPackage(options, callerOf(request), {
          amazonOrderId: request.params.amazonOrderId,
          account: request.query.account,
          shipment: request.body,
          wait: request.query.wait === 'true',
          updateId: request.headers['idempotency-key'] as string | undefined,
        }),
      ),
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
      idempotent(db, request, reply, () =>
        retryOrder(options, callerOf(request), { ...request.params, account: request.query.account }),
      ),
  );
}
