import { z } from 'zod';
import { Mismatch, PAYOUT_STATUSES, PayoutRow, PayoutView } from '../../book/payouts';
import { App, errorBody } from '../app';
import { callerOf, requireScope } from './auth';
import { mismatchPage, payoutDetail, payoutPage, V1Services } from './service';

const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 422: errorBody };
const Paging = {
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().optional(),
};

/** GET /v1/payouts, /v1/payouts/{id} and /v1/finances/mismatches: Amazon's payouts and their reconciliation. */
export function registerPayoutRoutes(app: App, options: V1Services): void {
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
          ...Paging,
        }),
        response: { 200: z.object({ items: z.array(PayoutRow), nextCursor: z.string().nullable() }), ...errors },
      },
      onRequest: requireScope('read'),
    },
    async (request) => payoutPage(options, callerOf(request), request.query),
  );

  app.get(
    '/payouts/:id',
    {
      schema: {
        summary: "One payout (our id or Amazon's FINANCIAL_EVENT_GROUP_ID), its transactions and mismatches",
        tags: ['payouts'],
        params: z.object({ id: z.string().min(1).max(100) }),
        querystring: z.strictObject({ account: z.string().optional() }),
        response: { 200: PayoutView, ...errors, 404: errorBody },
      },
      onRequest: requireScope('read'),
    },
    async (request) =>
      payoutDetail(options, callerOf(request), { id: request.params.id, account: request.query.account }),
  );

  app.get(
    '/finances/mismatches',
    {
      schema: {
        summary: 'Differences reconciliation found, newest first',
        description:
          '`payout_total`: a payout whose transfer differs from the sum of its transactions; `order_charges`: an order charged unlike its proceeds. Open ones only, unless `includeResolved=true`. Cursor pagination: pass `nextCursor` as `cursor`.',
        tags: ['payouts'],
        querystring: z.strictObject({
          account: z.string().optional(),
          includeResolved: z
            .enum(['true', 'false'])
            .default('false')
            .transform((v) => v === 'true'),
          ...Paging,
        }),
        response: { 200: z.object({ items: z.array(Mismatch), nextCursor: z.string().nullable() }), ...errors },
      },
      onRequest: requireScope('read'),
    },
    async (request) => mismatchPage(options, callerOf(request), request.query),
  );
}
