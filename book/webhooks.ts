import crypto from 'node:crypto';
import type { Knex } from 'knex';
import { z } from 'zod';
import { InvalidInput, UserError } from '../lib/errors';
import { Keyring, open, seal } from '../lib/secrets';
import { EVENT_TYPES, eventsAfter, sequenceAt, type Event } from './events';
import { operation } from './operation';

/**
 * Webhook endpoints: where events are pushed (workflows/webhook-delivery.ts), each with its own signing secret
 * (Standard Webhooks: `whsec_` + base64), sealed at rest with the connector's secret key because it must be read back
 * to sign. An endpoint keeps its cursor in the event feed and a record of its delivery attempts.
 */

const KeyringInput = z.custom<Keyring>((k) => typeof k === 'object' && k !== null && 'activeKeyId' in k, 'a keyring');
const WebhookId = z.string().regex(/^whk_[A-Za-z0-9_-]{8,64}$/, 'is not a webhook id (whk_...)');

export const WebhookTypes = z
  .array(
    z.enum(['*', ...EVENT_TYPES] as [string, ...string[]], {
      error: (issue) => `"${String(issue.input)}" is not an event type: use * or among ${EVENT_TYPES.join(', ')}`,
    }),
  )
  .min(1, 'must name at least one event type, or *');

export const Webhook = z.object({
  id: z.string(),
  url: z.string(),
  types: z.array(z.string()),
  description: z.string().nullable(),
  enabled: z.boolean(),
  disabledReason: z.string().nullable(),
  /** The sequence of the last event delivered to it. */
  cursor: z.number().int(),
  createdAt: z.string(),
});
export type Webhook = z.infer<typeof Webhook>;

const toWebhook = (r: any): Webhook => ({
  id: r.id,
  url: r.url,
  types: r.types,
  description: r.description,
  enabled: r.enabled,
  disabledReason: r.disabled_reason,
  cursor: Number(r.cursor),
  createdAt: new Date(r.created_at).toISOString(),
});

/** A new endpoint starts at the current end of the feed: it gets what happens from now on (replay for the past). */
export const createWebhook = operation(
  {
    name: 'createWebhook',
    input: z.object({
      keyring: KeyringInput,
      url: z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }),
      types: WebhookTypes,
      description: z.string().max(500).optional(),
    }),
    output: Webhook.extend({ secret: z.string() }),
  },
  async (db, input) => {
    const id = `whk_${crypto.randomBytes(12).toString('base64url')}`;
    const secret = `whsec_${crypto.randomBytes(24).toString('base64')}`;
    const end = Number((await db('events').max({ s: 'sequence' }).first())?.s ?? 0);
    const [row] = await db('webhook_endpoints')
      .insert({
        id,
        url: input.url,
        types: [...new Set(input.types)],
        description: input.description ?? null,
        secret_enc: seal(input.keyring, secret),
        cursor: end,
      })
      .returning('*');
    return { ...toWebhook(row), secret };
  },
);

export const listWebhooks = operation(
  { name: 'listWebhooks', input: z.object({}), output: z.array(Webhook) },
  async (db) => (await db('webhook_endpoints').orderBy('created_at')).map(toWebhook),
);

async function row(db: Knex, id: string) {
  const found = await db('webhook_endpoints').where({ id }).first();
  if (!found) throw new UserError(`no webhook ${id}: see \`connector webhooks list\``);
  return found;
}

export const getWebhook = operation(
  { name: 'getWebhook', input: z.object({ id: WebhookId }), output: Webhook },
  async (db, { id }) => toWebhook(await row(db, id)),
);

/** What a delivery needs: the endpoint, its secret opened, and the next events for it. */
export const webhookWork = operation(
  {
    name: 'webhookWork',
    input: z.object({ id: WebhookId, keyring: KeyringInput, limit: z.number().int().min(1).max(1000) }),
    output: z.object({
      endpoint: Webhook.extend({ secret: z.string() }).optional(),
      events: z.array(z.custom<Event>()),
    }),
  },
  async (db, { id, keyring, limit }) => {
    const found = await db('webhook_endpoints').where({ id }).first();
    if (!found) return { events: [] };
    const endpoint = { ...toWebhook(found), secret: open(keyring, found.secret_enc) };
    if (!endpoint.enabled) return { endpoint, events: [] };
    // Every type: the delivery skips past what the endpoint does not take, so that it never reads it again.
    return { endpoint, events: await eventsAfter(db, endpoint.cursor, ['*'], limit) };
  },
);

const Attempt = z.object({
  eventSequence: z.number().int(),
  statusCode: z.number().int().nullable(),
  latencyMs: z.number().int().min(0),
  delivered: z.boolean(),
  error: z.string().nullable(),
  nextRetryAt: z.string().nullable(),
});

/**
 * The cursor moves forward only from where the batch started (`from`, the cursor it read after): a replay that moved
 * it back meanwhile is not undone by the batch in flight.
 */
const advanceCursor = (db: Knex, id: string, from: number, to: number) =>
  db('webhook_endpoints')
    .where({ id })
    .where('cursor', '>=', from)
    .where('cursor', '<', to)
    .update({ cursor: to, updated_at: db.fn.now() });

/**
 * POSTs to an endpoint, kept for GET /v1/webhooks/{id}/deliveries, in one transaction: the delivery records a run of
 * successes at once (one commit, not one per event); the cursor moves to the last one delivered.
 */
export const recordWebhookAttempts = operation(
  {
    name: 'recordWebhookAttempts',
    input: z.object({ id: WebhookId, from: z.number().int(), attempts: z.array(Attempt).min(1) }),
    output: z.void(),
  },
  async (db, { id, from, attempts }) => {
    await db.transaction(async (trx) => {
      await trx('webhook_attempts').insert(
        attempts.map((a) => ({
          endpoint_id: id,
          event_sequence: a.eventSequence,
          status_code: a.statusCode,
          latency_ms: a.latencyMs,
          error: a.error,
          next_retry_at: a.nextRetryAt,
        })),
      );
      const delivered = attempts.filter((a) => a.delivered).map((a) => a.eventSequence);
      if (delivered.length) await advanceCursor(trx, id, from, Math.max(...delivered));
    });
  },
);

/** Events of types an endpoint does not take move its cursor too, so that it does not read them again. */
export const skipWebhookTo = operation(
  {
    name: 'skipWebhookTo',
    input: z.object({ id: WebhookId, from: z.number().int(), sequence: z.number().int() }),
    output: z.void(),
  },
  async (db, { id, from, sequence }) => {
    await advanceCursor(db, id, from, sequence);
  },
);

export const WebhookAttempt = z.object({
  eventSequence: z.number().int(),
  eventId: z.string(),
  statusCode: z.number().int().nullable(),
  latencyMs: z.number().int(),
  error: z.string().nullable(),
  attemptedAt: z.string(),
  nextRetryAt: z.string().nullable(),
});

export const webhookAttempts = operation(
  {
    name: 'webhookAttempts',
    input: z.object({ id: WebhookId, limit: z.number().int().min(1).max(500).default(100) }),
    output: z.array(WebhookAttempt),
  },
  async (db, { id, limit }) => {
    await row(db, id);
    return (await db('webhook_attempts').where({ endpoint_id: id }).orderBy('id', 'desc').limit(limit)).map((a) => ({
      eventSequence: Number(a.event_sequence),
      eventId: `evt_${a.event_sequence}`,
      statusCode: a.status_code,
      latencyMs: a.latency_ms,
      error: a.error,
      attemptedAt: new Date(a.attempted_at).toISOString(),
      nextRetryAt: a.next_retry_at ? new Date(a.next_retry_at).toISOString() : null,
    }));
  },
);

export const setWebhookEnabled = operation(
  {
    name: 'setWebhookEnabled',
    input: z.object({ id: WebhookId, enabled: z.boolean(), reason: z.string().optional() }),
    output: Webhook,
  },
  async (db, { id, enabled, reason }) => {
    const [updated] = await db('webhook_endpoints')
      .where({ id })
      .update({ enabled, disabled_reason: enabled ? null : (reason ?? 'disabled by hand'), updated_at: db.fn.now() })
      .returning('*');
    if (!updated) throw new UserError(`no webhook ${id}: see \`connector webhooks list\``);
    return toWebhook(updated);
  },
);

export const removeWebhook = operation(
  { name: 'removeWebhook', input: z.object({ id: WebhookId }), output: z.void() },
  async (db, { id }) => {
    if (!(await db('webhook_endpoints').where({ id }).delete()))
      throw new UserError(`no webhook ${id}: see \`connector webhooks list\``);
  },
);

/** Delivers again everything from a time on (the receiver dedups by webhook-id). */
export const replayWebhook = operation(
  {
    name: 'replayWebhook',
    input: z.object({ id: WebhookId, since: z.iso.datetime({ offset: true, error: 'must be an ISO 8601 date-time' }) }),
    output: Webhook,
  },
  async (db, { id, since }) => {
    await row(db, id);
    const sequence = await sequenceAt(db, since);
    if (sequence < 0) throw new InvalidInput('no event kept since then', 'since');
    const [updated] = await db('webhook_endpoints')
      .where({ id })
      .update({ cursor: sequence, updated_at: db.fn.now() })
      .returning('*');
    return toWebhook(updated);
  },
);
