import { z } from 'zod';
import { pickList } from '../../book/pick-list';
import { setStock } from '../../book/stock';
import { stockLevels } from '../../book/stock-levels';
import { App, errorBody } from '../app';
import { callerOf, requireScope } from './auth';
import { idempotent } from './idempotency';
import { listQuery } from './query';
import { AccountStatus, accountStatuses, deliveries, putStock, stockPage, V1Services } from './service';

export type StockRoutesOptions = V1Services;

const errors = { 400: errorBody, 401: errorBody, 403: errorBody };

/** The pick list and stock levels (GET), and counted stock in (PUT /v1/stock). */
export function registerStockRoutes(app: App, options: StockRoutesOptions): void {
  const { db } = options;

  app.get(
    '/deliveries',
    {
      schema: {
        summary: 'The pick list: deliveries, the soonest latest ship date first',
        description:
          'ready: everything still to ship (ship_risk marks those near or past their latest ship date); ship_risk: only those; partially_shipped: the rest of orders shipped in part; shipped: packages; cancelled. With the `pii` scope each delivery carries its recipient and gift message.',
        tags: ['deliveries'],
        querystring: listQuery(pickList.input.omit({ withRecipient: true })),
        response: { 200: pickList.output, ...errors, 422: errorBody },
      },
      onRequest: requireScope('read'),
    },
    async (request) => deliveries(options, callerOf(request), request.query),
  );

  app.get(
    '/stock',
    {
      schema: {
        summary: 'Stock levels per product: on hand, reserved, free, last pushed to Amazon per offer, FBA, drift',
        tags: ['stock'],
        querystring: listQuery(stockLevels.input),
        response: { 200: stockLevels.output, ...errors, 422: errorBody },
      },
      onRequest: requireScope('read'),
    },
    async (request) => stockPage(options, callerOf(request), request.query),
  );

  app.put(
    '/stock',
    {
      schema: {
        summary: 'Counted on-hand quantities in: up to 10,000 rows, one transaction, all or nothing',
        description:
          'Each row sets a product’s counted quantity at a location (default WH). One bad row (unknown SKU or location, a SKU twice) refuses them all with 422 listing the bad rows in `details`. The accounts selling the products get their debounced stockSync.',
        tags: ['stock'],
        headers: z.object({ 'idempotency-key': z.string().max(200).optional() }),
        body: setStock.input.pick({ items: true }),
        response: {
          200: setStock.output.omit({ accounts: true }).extend({ stockSyncRequested: z.array(z.string()) }),
          ...errors,
          422: errorBody,
        },
      },
      onRequest: requireScope('stock'),
    },
    async (request, reply) =>
      idempotent(db, request, reply, () =>
        putStock(options, callerOf(request), {
          items: request.body.items,
          idempotencyKey: request.headers['idempotency-key'] as string | undefined,
        }),
      ),
  );

  app.get(
    '/accounts',
    {
      schema: {
        summary: 'Seller accounts: enabled, marketplaces, how far orderSync got, the last stockSync outcome',
        tags: ['accounts'],
        response: { 200: z.object({ items: z.array(AccountStatus) }), ...errors },
      },
      onRequest: requireScope('read'),
    },
    async (request) => ({ items: await accountStatuses(options, callerOf(request)) }),
  );
}
