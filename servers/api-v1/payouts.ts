import { z } from 'zod';
import { listPayouts, PAYOUT_STATUSES, PayoutRow, PayoutView, payoutView } from '../../book/payouts';
import type { Db } from '../../db';
import { App, errorBody, HttpError } from '../app';
import { requireScope } from './auth';

/** GET /v1/payouts and /v1/payouts/{id}: Amazon's payouts and their reconciliation (docs/finances.md). */
export function registerPayoutRoutes(app: App, options: { db: Db }): void {
  const { db } = options;
  const errors = { 400: errorBody, 401: errorBody, 403: errorBody };
  app.get(
    '/payouts',
    {
      schema: {
        summary: 'List payouts (settlement groups), newest period first',
        description:
          'A payout reconciles when its transfer equals the sum of its transactions to the cent (`status` reconciled); `mismatch` shows both figures and their `difference`; `open` has no transfer yet. Cursor pagination: pass `nextCursor` as `cursor`.',
        tags: ['payouts'],
        querystring: z.strictObject({
          account: z.string().optional(),
          status: z.enum(PAYOUT_STATUSES).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(100),
          cursor: z.string().optional(),
        }),
        response: {
          200: z.object({ items: z.array(PayoutRow), nextCursor: z.string().nullable() }),
          ...errors,
          422: errorBody,
        },
      },
      onRequest: requireScope('read'),
    },
    async (request) => listPayouts(db, request.query),
  );

  app.get(
    '/payouts/:id',
    {
      schema: {
        summary: "One payout (our id or Amazon's FINANCIAL_EVENT_GROUP_ID), its transactions and mismatches",
        tags: ['payouts'],
        params: z.object({ id: z.string().min(1).max(100) }),
        querystring: z.strictObject({ account: z.string().optional() }),
        response: { 200: PayoutView, ...errors, 404: errorBody, 422: errorBody },
      },
      onRequest: requireScope('read'),
    },
    async (request) => {
      const view = await payoutView(db, { id: request.params.id, account: request.query.account });
      if (!view) throw new HttpError(404, 'not_found', `no payout ${request.params.id} in the book`);
      return view;
    },
  );
}
