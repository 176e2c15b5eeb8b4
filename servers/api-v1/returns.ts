import { z } from 'zod';
import { listReturns, receiveReturn, ReturnView } from '../../book/returns';
import { requestStockSync } from '../../lib/workflow-client';
import { App, errorBody } from '../app';
import { requireScope } from './auth';
import { idempotent } from './idempotency';
import type { StockRoutesOptions } from './stock';

/** GET /v1/returns and POST /v1/returns/{id}/receive: units an FBM refund expects back (docs/finances.md). */
export function registerReturnRoutes(app: App, options: StockRoutesOptions): void {
  const { db } = options;
  const errors = { 400: errorBody, 401: errorBody, 403: errorBody };
  app.get(
    '/returns',
    {
      schema: {
        summary: 'Returns expected from FBM refunds (and received ones)',
        tags: ['stock'],
        querystring: z.strictObject({
          account: z.string().optional(),
          amazonOrderId: z.string().optional(),
          state: z.enum(['expected', 'received', 'cancelled']).optional(),
        }),
        response: { 200: z.object({ items: z.array(ReturnView) }), ...errors },
      },
      onRequest: requireScope('read'),
    },
    async (request) => ({ items: await listReturns(db, request.query) }),
  );

  app.post(
    '/returns/:id/receive',
    {
      schema: {
        summary: 'A return arrived: its units go back to the warehouse, then to Amazon by the debounced stockSync',
        description:
          'Once per return: a second receipt is 422. The accounts selling the products get their debounced stockSync, as PUT /v1/stock.',
        tags: ['stock'],
        params: z.object({ id: z.coerce.number().int().positive().max(2_147_483_647) }),
        headers: z.object({ 'idempotency-key': z.string().max(200).optional() }),
        response: {
          200: z.object({ return: ReturnView, moved: z.number().int(), stockSyncRequested: z.array(z.string()) }),
          ...errors,
          422: errorBody,
        },
      },
      onRequest: requireScope('stock'),
    },
    async (request, reply) =>
      idempotent(db, request, reply, async () => {
        const done = await receiveReturn(db, { id: request.params.id, receivedBy: `api (${request.apiToken!.name})` });
        const requested: string[] = [];
        try {
          const client = await options.temporal();
          for (const accountId of done.accounts) {
            await requestStockSync(client, { accountId, taskQueue: options.taskQueue });
            requested.push(accountId);
          }
        } catch (err) {
          // The stock is back: the next scheduled stockSync sends it.
          options.logger?.warn({ err: (err as Error).message }, 'return received; no stock sync requested');
        }
        return { status: 200, body: { return: done.return, moved: done.moved, stockSyncRequested: requested } };
      }),
  );
}
