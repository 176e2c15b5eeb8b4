import swagger from '@fastify/swagger';
import { jsonSchemaTransform } from 'fastify-type-provider-zod';
import { SCOPES } from '../../book/api-tokens';
import type { App } from '../app';
import { authenticate } from './auth';
import { registerDocs } from './docs';
import { registerEventRoutes } from './events';
import { registerPayoutRoutes } from './payouts';
import { registerReturnRoutes } from './returns';
import { registerWebhookRoutes, WebhookRoutesOptions } from './webhooks';
import { OrderRoutesOptions, registerOrderRoutes } from './orders';
import { registerStockRoutes, StockRoutesOptions } from './stock';

/**
 * The Book API v1 (docs/api.md): orders, the pick list, shipments with Amazon's answer, stock levels, for a WMS or an
 * ERP. Every request and response is a zod schema of the book's; /v1/openapi.json (OpenAPI 3.1) is generated from
 * them, and /v1/docs renders it.
 */
export type ApiV1Options = OrderRoutesOptions & StockRoutesOptions & WebhookRoutesOptions;

/** Before any route: the OpenAPI document is built from the routes registered after it. */
export async function registerOpenApi(app: App): Promise<void> {
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'amazon-connector Book API',
        version: '1.0.0',
        description:
          'The order and stock book of the connector, for warehouse systems and ERPs. Authenticate with `Authorization: Bearer <token>` (`connector api tokens create <name> --scopes ...`). ' +
          `Scopes: ${SCOPES.join(', ')}. Errors are always {"error": {"code", "message", "field"?, "details"?}}.`,
      },
      servers: [],
      components: { securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
      security: [{ bearer: [] }],
      tags: [
        { name: 'orders', description: 'Sales orders imported from Amazon' },
        { name: 'deliveries', description: 'What to pick, pack and ship' },
        { name: 'shipments', description: 'Packages shipped, and Amazon’s answer' },
        { name: 'stock', description: 'Stock levels out, counted stock in' },
        { name: 'events', description: 'What changed: the feed, and webhooks' },
        { name: 'accounts', description: 'Seller accounts and how their syncs stand' },
        { name: 'health', description: 'Liveness and readiness, without a token' },
        { name: 'payouts', description: 'Amazon’s payouts, fees and refunds, reconciled (Finances)' },
      ],
    },
    transform: jsonSchemaTransform,
  });
}

export async function registerApiV1(app: App, options: ApiV1Options): Promise<void> {
  await app.register(
    async (v1) => {
      const api = v1.withTypeProvider<import('fastify-type-provider-zod').ZodTypeProvider>() as App;
      api.addHook('onRequest', authenticate(options.db));
      registerOrderRoutes(api, options);
      registerStockRoutes(api, options);
      registerEventRoutes(api, options);
      registerPayoutRoutes(api, options);
      registerReturnRoutes(api, options);
      registerWebhookRoutes(api, options);
    },
    { prefix: '/v1' },
  );
  app.get('/v1/openapi.json', { schema: { hide: true } }, async () => app.swagger());
  registerDocs(app);
}
