import { z } from 'zod';
import { EVENT_TYPES } from '../../book/events';
import { createWebhook, getWebhook, removeWebhook, Webhook, WebhookAttempt, WebhookTypes } from '../../book/webhooks';
import type { Keyring } from '../../lib/secrets';
import { AllowedTargets, checkWebhookTarget } from '../../lib/webhook-target';
import { startWebhookDelivery } from '../../lib/workflow-client';
import { App, errorBody, HttpError } from '../app';
import { callerOf, requireScope } from './auth';
import { V1Services, webhookDeliveries, webhookList } from './service';
import { idempotent } from './idempotency';

export interface WebhookRoutesOptions extends V1Services {
  webhooks: { keyring: Keyring; allowed: AllowedTargets; retryForMs: number };
}

const errors = { 400: errorBody, 401: errorBody, 403: errorBody, 404: errorBody };
const Params = z.object({ id: z.string().min(1).max(80) });

/** Webhook endpoints (scope admin): docs/events.md tells the contract, the signature and its verification. */
export function registerWebhookRoutes(app: App, options: WebhookRoutesOptions): void {
  const { db } = options;
  const known = async (id: string) => {
    try {
      return await getWebhook(db, { id });
    } catch {
      throw new HttpError(404, 'not_found', `no webhook ${id}`);
    }
  };

  app.post(
    '/webhooks',
    {
      schema: {
        summary: 'Register a webhook endpoint: the answer holds its signing secret, shown only this once',
        description: `Events of the given types (or \`*\`) are POSTed to the URL in order, signed per the Standard Webhooks spec (headers webhook-id, webhook-timestamp, webhook-signature). Types: ${EVENT_TYPES.join(', ')}. Private, loopback and link-local targets are refused unless CONNECTOR_WEBHOOK_ALLOWED_HOSTS allows them.`,
        tags: ['events'],
        headers: z.object({ 'idempotency-key': z.string().max(200).optional() }),
        body: z.object({ url: z.url(), types: WebhookTypes, description: z.string().max(500).optional() }),
        response: { 201: Webhook.extend({ secret: z.string() }), ...errors, 422: errorBody },
      },
      onRequest: requireScope('admin'),
    },
    async (request, reply) =>
      idempotent(db, request, reply, async () => {
        await checkWebhookTarget(request.body.url, options.webhooks.allowed);
        const webhook = await createWebhook(db, { ...request.body, keyring: options.webhooks.keyring });
        await startWebhookDelivery(await options.temporal(), {
          taskQueue: options.taskQueue,
          endpointId: webhook.id,
          retryForMs: options.webhooks.retryForMs,
        });
        return { status: 201, body: webhook };
      }),
  );

  app.get(
    '/webhooks',
    {
      schema: {
        summary: 'The webhook endpoints: types, enabled or disabled with the reason, how far each got',
        tags: ['events'],
        response: { 200: z.object({ items: z.array(Webhook) }), ...errors },
      },
      onRequest: requireScope('admin'),
    },
    async (request) => ({ items: await webhookList(options, callerOf(request)) }),
  );

  app.get(
    '/webhooks/:id/deliveries',
    {
      schema: {
        summary: 'An endpoint’s delivery attempts, newest first: status codes, latency, the next retry',
        tags: ['events'],
        params: Params,
        querystring: z.strictObject({ limit: z.coerce.number().int().min(1).max(500).default(100) }),
        response: { 200: z.object({ webhook: Webhook, attempts: z.array(WebhookAttempt) }), ...errors },
      },
      onRequest: requireScope('admin'),
    },
    async (request) =>
      webhookDeliveries(options, callerOf(request), { id: request.params.id, limit: request.query.limit }),
  );

  app.delete(
    '/webhooks/:id',
    {
      schema: {
        summary: 'Remove an endpoint: its deliveries stop',
        tags: ['events'],
        params: Params,
        response: { 204: z.null(), ...errors },
      },
      onRequest: requireScope('admin'),
    },
    async (request, reply) => {
      await known(request.params.id);
      await removeWebhook(db, { id: request.params.id });
      return reply.code(204).send(null);
    },
  );
}
