import http from 'node:http';
import https from 'node:https';
import { ApplicationFailure, Context } from '@temporalio/activity';
import { Webhook as Signer } from 'standardwebhooks';
import type { Event } from '../book/events';
import { recordWebhookAttempts, setWebhookEnabled, skipWebhookTo, webhookWork } from '../book/webhooks';
import type { Db } from '../db';
import type { Logger } from '../lib/logger';
import type { Keyring } from '../lib/secrets';
import { AllowedTargets, guardedLookup } from '../lib/webhook-target';
import { activityLogger } from './log';

/**
 * webhookDelivery's activities: the events after an endpoint's cursor, POSTed in order and signed per the Standard
 * Webhooks spec (webhook-id = the event id, so a receiver dedups redeliveries). A failure fails the activity: Temporal
 * retries it with exponential backoff (workflows/retry-policies.ts WEBHOOK_DELIVERY), from the same event.
 */
export interface WebhookDeliveryDeps {
  db: Db;
  keyring: Keyring;
  allowed: AllowedTargets;
  logger: Logger;
  /** How often an idle endpoint looks for new events. */
  pollMs?: number;
  /** A POST that has not answered by then failed. */
  requestTimeoutMs?: number;
}

/** The failure of a POST: retried by the policy; `WebhookGone` (410) is not, and disables the endpoint. */
export const WEBHOOK_FAILED = 'WebhookFailed';
export const WEBHOOK_GONE = 'WebhookGone';
/** Successes recorded (and the cursor moved) at least this often within a batch. */
const RECORD_EVERY = 25;

interface PostResult {
  status: number | null;
  latencyMs: number;
  error: string | null;
}

function post(
  url: string,
  body: string,
  headers: Record<string, string>,
  deps: WebhookDeliveryDeps,
): Promise<PostResult> {
  const started = Date.now();
  const target = new URL(url);
  const request = target.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve) => {
    const done = (status: number | null, error: string | null) =>
      resolve({ status, latencyMs: Date.now() - started, error });
    const req = request(
      target,
      {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'user-agent': 'amazon-connector-webhooks', ...headers },
        lookup: guardedLookup(deps.allowed),
        timeout: deps.requestTimeoutMs ?? 10_000,
      },
      (res) => {
        res.resume(); // the body is not ours to read; drain it so the socket is reused
        res.on('end', () => done(res.statusCode ?? null, null));
        res.on('error', (err) => done(res.statusCode ?? null, err.message));
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${deps.requestTimeoutMs ?? 10_000} ms`)));
    req.on('error', (err) => done(null, err.message));
    req.end(body);
  });
}

/** When Temporal will try again after this attempt (the policy's backoff), for the deliveries record. */
function nextRetryAt(): string {
  let attempt = 1;
  try {
    attempt = Context.current().info.attempt;
  } catch {
    // called outside an activity
  }
  const delayMs = Math.min(5_000 * 2 ** (attempt - 1), 3_600_000);
  return new Date(Date.now() + delayMs).toISOString();
}

/** Waits between polls; a cancellation (the worker shutting down) ends the wait at once, and the activity with it. */
async function pause(ms: number): Promise<void> {
  let context: Context | undefined;
  try {
    context = Context.current();
  } catch {
    // called outside an activity
  }
  await (context ? context.sleep(ms) : new Promise((r) => setTimeout(r, ms)));
}

function heartbeat(): void {
  try {
    Context.current().heartbeat();
  } catch {
    // called outside an activity
  }
}

export function createWebhookDeliveryActivities(deps: WebhookDeliveryDeps) {
  const { db } = deps;
  const pollMs = deps.pollMs ?? 250;

  type Attempt = Parameters<typeof recordWebhookAttempts>[1]['attempts'][number];

  /**
   * The events to one endpoint, in order, stopping at the first failure. Successes are recorded together at the end
   * (or every RECORD_EVERY): a crash before that delivers them again, which at-least-once allows and webhook-id
   * tells apart; a failure is recorded at once, then thrown for the retry policy.
   */
  async function deliverAll(
    endpoint: { id: string; url: string; secret: string; cursor: number },
    batch: Event[],
  ): Promise<number> {
    const signer = new Signer(endpoint.secret);
    const done: Attempt[] = [];
    const flush = async (also: Attempt[] = []) => {
      const attempts = [...done.splice(0), ...also];
      if (attempts.length) await recordWebhookAttempts(db, { id: endpoint.id, from: endpoint.cursor, attempts });
    };
    for (const event of batch) {
      const body = JSON.stringify(event);
      const now = new Date();
      const result = await post(
        endpoint.url,
        body,
        {
          'webhook-id': event.id,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': signer.sign(event.id, now, body),
        },
        deps,
      );
      heartbeat();
      const delivered = result.status !== null && result.status >= 200 && result.status < 300;
      const error = delivered ? null : (result.error ?? `answered ${result.status}`);
      const attempt = {
        eventSequence: event.sequence,
        statusCode: result.status,
        latencyMs: result.latencyMs,
        delivered,
        error,
        nextRetryAt: delivered || result.status === 410 ? null : nextRetryAt(),
      };
      if (delivered) {
        done.push(attempt);
        if (done.length >= RECORD_EVERY) await flush();
        continue;
      }
      await flush([attempt]);
      const message = `POST ${endpoint.url} for ${event.id}: ${error}`;
      if (result.status === 410)
        throw ApplicationFailure.create({
          type: WEBHOOK_GONE,
          message: `${message} (410 Gone: the endpoint is gone)`,
          nonRetryable: true,
        });
      throw ApplicationFailure.create({ type: WEBHOOK_FAILED, message });
    }
    await flush();
    return batch.length;
  }

  return {
    /**
     * Delivers the endpoint's events in order until none is left and `maxWaitMs` has passed (then returns, so the
     * workflow's history stays small); `stopped` when the endpoint was removed or disabled meanwhile.
     */
    async deliverWebhookEvents(input: { endpointId: string; maxWaitMs?: number }) {
      const deadline = Date.now() + (input.maxWaitMs ?? 30_000);
      let delivered = 0;
      for (;;) {
        heartbeat();
        const { endpoint, events } = await webhookWork(db, { id: input.endpointId, keyring: deps.keyring, limit: 100 });
        if (!endpoint || !endpoint.enabled) return { delivered, stopped: true };
        const wanted = (e: Event) => endpoint.types.includes('*') || endpoint.types.includes(e.type);
        delivered += await deliverAll(endpoint, events.filter(wanted));
        // Events of types it does not take: read once, then the cursor moves past them.
        if (events.length)
          await skipWebhookTo(db, {
            id: endpoint.id,
            from: endpoint.cursor,
            sequence: events[events.length - 1].sequence,
          });
        if (events.length === 0) {
          if (Date.now() > deadline) return { delivered, stopped: false };
          await pause(pollMs);
        }
      }
    },

    /** The retries ran out (or the endpoint answered 410): it is disabled with the reason, until someone enables it. */
    async disableWebhookEndpoint(input: { endpointId: string; reason: string }): Promise<void> {
      await setWebhookEnabled(db, { id: input.endpointId, enabled: false, reason: input.reason }).catch((err) => {
        activityLogger(deps.logger).warn({ err: (err as Error).message }, 'webhook endpoint not disabled');
      });
    },

    /** `connector webhooks test`: one synthetic event to the endpoint now, and its answer. */
    async testWebhook(input: { endpointId: string }) {
      const { endpoint } = await webhookWork(db, { id: input.endpointId, keyring: deps.keyring, limit: 1 });
      if (!endpoint) return { status: null, latencyMs: 0, error: 'no such webhook' };
      const event = {
        id: `evt_test_${Date.now()}`,
        sequence: 0,
        type: 'webhook.test',
        occurredAt: new Date().toISOString(),
        account: null,
        marketplace: null,
        amazonOrderId: null,
        data: { message: 'a test from `connector webhooks test`' },
      };
      const body = JSON.stringify(event);
      const now = new Date();
      return post(
        endpoint.url,
        body,
        {
          'webhook-id': event.id,
          'webhook-timestamp': String(Math.floor(now.getTime() / 1000)),
          'webhook-signature': new Signer(endpoint.secret).sign(event.id, now, body),
        },
        deps,
      );
    },
  };
}

export type WebhookDeliveryActivities = ReturnType<typeof createWebhookDeliveryActivities>;
