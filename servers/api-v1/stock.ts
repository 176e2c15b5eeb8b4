import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { pickList } from '../../book/pick-list';
import { setStock } from '../../book/stock';
import { stockLevels } from '../../book/stock-levels';
import type { Db } from '../../db';
import type { Logger } from '../../lib/logger';
import { App, errorBody } from '../app';
import { hasScope, requireScope } from './auth';
import { idempotent } from './idempotency';
import { listQuery } from './query';
import { countStock } from './stock-counts';

export interface StockRoutesOptions {
  db: Db;
  temporal: () => Promise<Client>;
  taskQueue: string;
  logger?: Logger;
}

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
    async (request) => {
      const withRecipient = hasScope(request, 'pii');
      if (withRecipient) request.log.info({ tokenName: request.apiToken!.name }, 'PII read: pick list recipients');
      return pickList(db, { ...request.query, withRecipient });
    },
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
    async (request) => stockLevels(db, request.query),
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
      idempotent(db, request, reply, async () => {
        const key = request.headers['idempotency-key'] as string | undefined;
        const { syncError, ...body } = await countStock(db, options.temporal, {
          items: request.body.items,
          origin: `api (${request.apiToken!.name})`,
          taskQueue: options.taskQueue,
          ...(key ? { reference: `api:${request.apiToken!.id}:${key}` } : {}),
        });
        if (syncError) options.logger?.warn({ err: syncError }, 'stock saved; no stock sync requested');
        return { status: 200, body };
      }),
  );
}
