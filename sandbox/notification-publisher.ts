import crypto from 'node:crypto';
import { GetQueueUrlCommand, SendMessageBatchCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Logger } from '../lib/logger';
import { iso } from './http';
import { Random } from './random';
import type { SandboxState, Subscription } from './state';

/**
 * Delivers notifications as Amazon does: one message per matching subscription, in Amazon's envelope, to the SQS queue
 * of the subscription's destination. Generic over the notification type: a caller gives the type, the seller, what the
 * event filters look at, and the Payload. Publishing never blocks or fails its caller: messages wait in a queue per
 * destination and are retried with backoff. Admin switches drop, duplicate, delay and reorder them.
 *
 * SQS is reached with the AWS SDK's standard settings (AWS_ENDPOINT_URL_SQS, AWS_REGION, the default credential chain);
 * the queue's region comes from its ARN.
 */

/** The notification types the sandbox publishes, and the payload versions a subscription may ask for. */
export const NOTIFICATION_TYPES: Record<string, { payloadVersions: string[] }> = {
  ORDER_CHANGE: { payloadVersions: ['1.0'] },
  TRANSACTION_UPDATE: { payloadVersions: ['1.0'] },
};

export interface NotificationEnvelope {
  NotificationVersion: string;
  NotificationType: string;
  PayloadVersion: string;
  EventTime: string;
  Payload: Record<string, unknown>;
  NotificationMetadata: { ApplicationId: string; SubscriptionId: string; PublishTime: string; NotificationId: string };
}

/** What the subscriptions' event filters (processingDirective.eventFilter) look at. */
export interface EventFacets {
  marketplaceId?: string;
  orderChangeType?: string;
}

/** Admin switches of one notification type; each `next` counts down as messages pass. */
export interface Switches {
  /** Drop a fraction of messages (rate, 0..1) and/or the next N. */
  drop?: { rate?: number; next?: number };
  /** Send a fraction (rate) and/or the next N twice, with the same NotificationId (SQS's at-least-once delivery). */
  duplicate?: { rate?: number; next?: number };
  /** Hold each message this long before sending it. */
  delayMs?: number;
  /** Hold the next N messages, then send them in reverse or shuffled order (POST .../release sends them early). */
  reorder?: { next: number; order: 'reverse' | 'shuffle' };
}

export interface NotificationStats {
  /** Messages SQS accepted (a duplicate counts twice). */
  published: number;
  dropped: number;
  /** Extra copies sent by the duplicate switch. */
  duplicated: number;
  /** Send attempts that failed (each retry counts); the message is retried with backoff. */
  failed: number;
  /** Messages given up after MAX_ATTEMPTS failed sends (about 10 minutes). */
  abandoned: number;
  /** Events whose payload could not be built (a malformed order stored on purpose). */
  skipped: number;
  /** Waiting to be sent (delayed, retried, or behind others). */
  pending: number;
  /** Held by the reorder switch. */
  held: number;
}

interface Outgoing {
  type: string;
  arn: string;
  envelope: NotificationEnvelope;
  readyAt: number;
  attempts: number;
}

/** One FIFO per destination queue, so a queue that is down delays only its own messages. */
interface Lane {
  arn: string;
  queue: Outgoing[];
  busy: boolean;
  timer?: NodeJS.Timeout;
  url?: string;
  /** Set from a failed send until the next good one: the outage is logged once, not at every retry. */
  failing?: boolean;
}

/** About 10 minutes of retries (0.25 s doubling up to 10 s) before a message is given up. */
const MAX_ATTEMPTS = 60;
const BATCH = 10; // SendMessageBatch's limit
const backoffMs = (attempt: number) => Math.min(10_000, 250 * 2 ** (attempt - 1));

/** The Amazon application id the sandbox gives an LWA client id (stable, so notifications name their app). */
export function applicationIdOf(clientId: string): string {
  const h = crypto.createHash('sha1').update(clientId).digest('hex');
  return `amzn1.sp.solution.${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/** arn:aws:sqs:<region>:<account>:<name> (the model's pattern) → its parts, or undefined. */
export function parseSqsArn(arn: string): { region: string; account: string; name: string } | undefined {
  const m = /^arn:aws:sqs:([^:\s]+):([^:\s]+):(\S+)$/.exec(arn);
  return m ? { region: m[1], account: m[2], name: m[3] } : undefined;
}

function matches(sub: Subscription, facets: EventFacets): boolean {
  const filter = sub.processingDirective?.eventFilter;
  if (!filter) return true;
  const marketplaces: string[] | undefined = filter.marketplaceIds;
  if (marketplaces?.length && !(facets.marketplaceId && marketplaces.includes(facets.marketplaceId))) return false;
  const changeTypes: string[] | undefined = filter.orderChangeTypes;
  if (changeTypes?.length && !(facets.orderChangeType && changeTypes.includes(facets.orderChangeType))) return false;
  return true;
}

const emptyStats = (): NotificationStats => ({
  published: 0,
  dropped: 0,
  duplicated: 0,
  failed: 0,
  abandoned: 0,
  skipped: 0,
  pending: 0,
  held: 0,
});

export class NotificationPublisher {
  private lanes = new Map<string, Lane>();
  private held = new Map<string, Outgoing[]>();
  private switches = new Map<string, Switches>();
  private counters = new Map<string, NotificationStats>();
  private clients = new Map<string, SQSClient>();
  private random: Random;
  private closed = false;

  constructor(private readonly deps: { state: () => SandboxState; now: () => number; seed: number; log: Logger }) {
    this.random = new Random(deps.seed);
  }

  /**
   * Queues one notification per subscription of the seller to this type whose filter matches; `payloadOf` builds the
   * Payload. Never throws: a payload that cannot be built is counted as skipped.
   */
  publish(
    type: string,
    sellerId: string,
    facets: EventFacets,
    payloadOf: (sub: Subscription) => Record<string, unknown>,
  ): void {
    if (this.closed) return;
    const state = this.deps.state();
    for (const sub of state.subscriptions.values()) {
      if (sub.sellerId !== sellerId || sub.notificationType !== type || !matches(sub, facets)) continue;
      const arn = state.destinations.get(sub.destinationId)?.resource.sqs?.arn;
      if (!arn) continue;
      let payload: Record<string, unknown>;
      try {
        payload = payloadOf(sub);
      } catch (err) {
        this.stats(type).skipped++;
        this.deps.log.warn({ err, type, sellerId }, 'sandbox: notification payload could not be built');
        continue;
      }
      const envelope: NotificationEnvelope = {
        NotificationVersion: '1.0',
        NotificationType: type,
        PayloadVersion: sub.payloadVersion,
        EventTime: iso(this.deps.now()),
        Payload: payload,
        NotificationMetadata: {
          ApplicationId: applicationIdOf(sub.clientId),
          SubscriptionId: sub.subscriptionId,
          PublishTime: '', // set when sent
          NotificationId: crypto.randomUUID(),
        },
      };
      this.submit({ type, arn, envelope, readyAt: 0, attempts: 0 });
    }
  }

  /** Applies the switches: drop, then duplicate, then hold for reorder; delay is applied when a message is queued. */
  private submit(message: Outgoing): void {
    const sw = this.switches.get(message.type) ?? {};
    const stats = this.stats(message.type);
    if (this.draw(sw.drop)) {
      stats.dropped++;
      return;
    }
    const copies = this.draw(sw.duplicate) ? 2 : 1;
    stats.duplicated += copies - 1;
    for (let i = 0; i < copies; i++) {
      const copy = { ...message, envelope: structuredClone(message.envelope) };
      if (sw.reorder && sw.reorder.next > 0) {
        const held = this.held.get(message.type) ?? [];
        held.push(copy);
        this.held.set(message.type, held);
        if (held.length >= sw.reorder.next) this.release(message.type);
      } else {
        this.enqueue(copy);
      }
    }
  }

  /** True when the switch picks this message (its `next` counter first, then its rate). */
  private draw(sw: { rate?: number; next?: number } | undefined): boolean {
    if (!sw) return false;
    if (sw.next && sw.next > 0) {
      sw.next--;
      return true;
    }
    return sw.rate !== undefined && sw.rate > 0 && this.random.chance(sw.rate);
  }

  /** Sends the messages held by the reorder switch, in its order; the switch is then spent. Returns how many. */
  release(type: string, order = this.switches.get(type)?.reorder?.order ?? 'reverse'): number {
    const held = this.held.get(type) ?? [];
    this.held.delete(type);
    delete this.switches.get(type)?.reorder;
    const released = order === 'reverse' ? held.reverse() : this.random.sample(held, held.length);
    released.forEach((m) => this.enqueue(m));
    return released.length;
  }

  private enqueue(message: Outgoing): void {
    if (this.closed) return;
    const delay = this.switches.get(message.type)?.delayMs ?? 0;
    message.readyAt = Date.now() + delay;
    let lane = this.lanes.get(message.arn);
    if (!lane) {
      lane = { arn: message.arn, queue: [], busy: false };
      this.lanes.set(message.arn, lane);
    }
    lane.queue.push(message);
    this.pump(lane);
  }

  /** Sends what is ready in a lane, a batch at a time; otherwise sleeps until the next message is due. */
  private pump(lane: Lane): void {
    if (this.closed || lane.busy) return;
    if (lane.timer) clearTimeout(lane.timer);
    lane.timer = undefined;
    const now = Date.now();
    const ready = lane.queue.filter((m) => m.readyAt <= now).slice(0, BATCH);
    if (ready.length === 0) {
      if (lane.queue.length === 0) return;
      const next = Math.min(...lane.queue.map((m) => m.readyAt));
      lane.timer = setTimeout(() => this.pump(lane), Math.max(1, next - now));
      return;
    }
    lane.busy = true;
    this.send(lane, ready)
      .catch((err) => this.deps.log.error({ err }, 'sandbox: notification lane failed'))
      .finally(() => {
        lane.busy = false;
        setImmediate(() => this.pump(lane));
      });
  }

  private async send(lane: Lane, batch: Outgoing[]): Promise<void> {
    let failedIds: Set<string>;
    let reason: unknown;
    try {
      lane.url ??= await this.queueUrl(lane.arn);
      const publishTime = iso(this.deps.now());
      const result = await this.client(lane.arn).send(
        new SendMessageBatchCommand({
          QueueUrl: lane.url,
          Entries: batch.map((m, i) => {
            m.envelope.NotificationMetadata.PublishTime = publishTime;
            return { Id: String(i), MessageBody: JSON.stringify(m.envelope) };
          }),
        }),
      );
      failedIds = new Set((result.Failed ?? []).map((f) => f.Id ?? ''));
      reason = result.Failed?.[0]?.Message;
    } catch (err) {
      failedIds = new Set(batch.map((_, i) => String(i)));
      reason = err;
      if ((err as Error).name?.includes('NonExistentQueue') || (err as Error).name === 'QueueDoesNotExist')
        lane.url = undefined;
    }
    if (this.closed) return;
    const sent = new Set<Outgoing>();
    batch.forEach((m, i) => {
      const stats = this.stats(m.type);
      if (!failedIds.has(String(i))) {
        stats.published++;
        sent.add(m);
        return;
      }
      stats.failed++;
      m.attempts++;
      if (m.attempts >= MAX_ATTEMPTS) {
        stats.abandoned++;
        sent.add(m);
      } else {
        m.readyAt = Date.now() + backoffMs(m.attempts);
      }
    });
    if (failedIds.size > 0 && !lane.failing) {
      this.deps.log.warn({ err: reason, arn: lane.arn }, 'sandbox: notifications not sent, retrying with backoff');
    } else if (failedIds.size === 0 && lane.failing) {
      this.deps.log.info({ arn: lane.arn }, 'sandbox: notifications sent again');
    }
    lane.failing = failedIds.size > 0;
    lane.queue = lane.queue.filter((m) => !sent.has(m));
  }

  private client(arn: string): SQSClient {
    const region = parseSqsArn(arn)?.region ?? '';
    let client = this.clients.get(region);
    if (!client) {
      // Short timeouts: a queue that does not answer is retried by the lane, not waited on.
      client = new SQSClient({
        ...(region ? { region } : {}),
        maxAttempts: 1,
        requestHandler: { connectionTimeout: 3000, requestTimeout: 10_000 },
      });
      this.clients.set(region, client);
    }
    return client;
  }

  private async queueUrl(arn: string): Promise<string> {
    const parts = parseSqsArn(arn);
    if (!parts) throw new Error(`${arn} is not an SQS queue ARN`);
    const res = await this.client(arn).send(
      new GetQueueUrlCommand({ QueueName: parts.name, QueueOwnerAWSAccountId: parts.account }),
    );
    if (!res.QueueUrl) throw new Error(`GetQueueUrl gave no URL for ${arn}`);
    return res.QueueUrl;
  }

  private stats(type: string): NotificationStats {
    let s = this.counters.get(type);
    if (!s) {
      s = emptyStats();
      this.counters.set(type, s);
    }
    return s;
  }

  /** Counters per notification type, with what is pending and held now. */
  statsByType(): Record<string, NotificationStats> {
    const types = new Set([...this.counters.keys(), ...this.held.keys()]);
    for (const lane of this.lanes.values()) lane.queue.forEach((m) => types.add(m.type));
    return Object.fromEntries(
      [...types].map((type) => {
        let pending = 0;
        for (const lane of this.lanes.values()) pending += lane.queue.filter((m) => m.type === type).length;
        return [type, { ...this.stats(type), pending, held: this.held.get(type)?.length ?? 0 }];
      }),
    );
  }

  clearStats(): void {
    this.counters.clear();
  }

  getSwitches(type: string): Switches {
    return this.switches.get(type) ?? {};
  }

  /** Replaces the switches of a type. Without a reorder switch, messages it still held are sent now. */
  setSwitches(type: string, switches: Switches): void {
    const holding = this.switches.get(type)?.reorder?.order;
    this.switches.set(type, structuredClone(switches));
    if (!switches.reorder && this.held.has(type)) this.release(type, holding);
  }

  /** Everything back to empty: no switches, no queued or held messages, zero counters. */
  reset(seed: number): void {
    for (const lane of this.lanes.values()) if (lane.timer) clearTimeout(lane.timer);
    this.lanes.clear();
    this.held.clear();
    this.switches.clear();
    this.counters.clear();
    this.random = new Random(seed);
  }

  /** Stops sending; what is still queued is dropped (the sandbox's state does not keep it). */
  close(): void {
    this.closed = true;
    for (const lane of this.lanes.values()) if (lane.timer) clearTimeout(lane.timer);
    this.clients.forEach((c) => c.destroy());
    this.clients.clear();
  }
}
