import {
  DeleteMessageCommand,
  GetQueueUrlCommand,
  Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import type { Client } from '@temporalio/client';
import type { Db } from '../db';
import {
  accountOfNotification,
  isNotificationProcessed,
  listSubscriptions,
  NotificationSubscription,
  recordProcessedNotification,
  setAsideNotification,
  sweepProcessedNotifications,
} from '../book/notifications';
import type { Logger } from '../lib/logger';
import { orderChangeHandler, NotificationHandler, transactionUpdateHandler } from './notification-handlers';

/**
 * The long-poll consumer of the SQS queues accounts subscribed to (docs/notifications.md), in the worker process. One
 * poller per queue (a queue may serve several accounts: each message names its subscription and seller). A message
 * is routed by NotificationType to its handler, checked against Amazon's schema, deduplicated by NotificationId,
 * handled (ORDER_CHANGE: signal-with-start of the order workflow), and deleted only after that. A message that cannot
 * be handled is set aside in the book with the reason and deleted: it never blocks the queue. A queue that cannot be
 * reached is retried with backoff, logged once per outage.
 *
 * The AWS SDK's standard settings apply: AWS_ENDPOINT_URL_SQS, AWS_REGION (else the ARN's), the default credentials.
 */

export interface ConsumerOptions {
  /** SQS long poll (WaitTimeSeconds, 0–20). */
  waitTimeSeconds: number;
  /** How often the subscriptions are re-read (a new `notifications subscribe` is picked up within this). */
  refreshMs: number;
  /** Backoff bounds while a queue cannot be reached. */
  minBackoffMs: number;
  maxBackoffMs: number;
  /** TRANSACTION_UPDATE's debounce: one financeSync per window per account (a minute; tests shorten it). */
  financeUpdateWindowMs?: number;
  /** How long after its posting a transaction can be read (Amazon: 2 minutes; tests shorten it with the sandbox's). */
  financeReadLagMs?: number;
}

export const CONSUMER_DEFAULTS: ConsumerOptions = {
  waitTimeSeconds: 20,
  refreshMs: 10_000,
  minBackoffMs: 500,
  maxBackoffMs: 10_000,
};

/** SQS keeps a message 14 days at most: a NotificationId older than that cannot come again. */
const DEDUP_KEEP_MS = 15 * 86_400_000;

export interface ConsumerDeps {
  db: Db;
  temporal: Client;
  taskQueue: string;
  logger: Logger;
  options?: Partial<ConsumerOptions>;
  /** Handlers by NotificationType; ORDER_CHANGE's by default. A type without one is set aside as unsupported. */
  handlers?: Record<string, NotificationHandler>;
  /** Tells the ORDER_CHANGE handler when the account's next search runs (the getOrder backlog rule). */
  nextSearchAt?: (accountId: string) => Promise<number[] | undefined>;
  rateSpeedup?: number;
  /** Amazon's search lag as orderSync uses it (shortened only by a time-scaled benchmark). */
  searchLagMs?: number;
  /** Called after each message is settled (tests and the bench observe the consumer through it). */
  onSettled?: (outcome: SettledMessage) => void;
}

export interface SettledMessage {
  queueUrl: string;
  notificationId?: string;
  outcome: 'signalled' | 'stale' | 'left_to_search' | 'duplicate' | 'set_aside';
}

interface Poller {
  key: string;
  queueArn: string;
  queueUrl?: string;
  abort: AbortController;
  /** The SQS request in flight: a controller per request, so listeners never pile up on the poller's signal. */
  request?: AbortController;
  done: Promise<void>;
}

const regionOf = (arn: string) => /^arn:aws:sqs:([^:\s]+):/.exec(arn)?.[1];

export class NotificationConsumer {
  private readonly options: ConsumerOptions;
  private readonly handlers: Record<string, NotificationHandler>;
  private readonly pollers = new Map<string, Poller>();
  private readonly clients = new Map<string, SQSClient>();
  private refreshTimer?: NodeJS.Timeout;
  private refreshing?: Promise<void>;
  private stopped = false;

  constructor(private readonly deps: ConsumerDeps) {
    this.options = { ...CONSUMER_DEFAULTS, ...deps.options };
    this.handlers = deps.handlers ?? {
      ORDER_CHANGE: orderChangeHandler({
        db: deps.db,
        temporal: deps.temporal,
        taskQueue: deps.taskQueue,
        nextSearchAt: deps.nextSearchAt,
        rateSpeedup: deps.rateSpeedup,
        searchLagMs: deps.searchLagMs,
      }),
      TRANSACTION_UPDATE: transactionUpdateHandler({
        temporal: deps.temporal,
        taskQueue: deps.taskQueue,
        windowMs: deps.options?.financeUpdateWindowMs,
        readLagMs: deps.options?.financeReadLagMs,
      }),
    };
  }

  /** Starts polling every enabled subscription's queue, and re-reads the subscriptions every refreshMs. */
  start(): void {
    const tick = () => {
      this.refreshing = this.refresh()
        .catch((err) => this.deps.logger.warn({ err }, 'notifications: could not read the subscriptions; retrying'))
        .finally(() => {
          if (!this.stopped) this.refreshTimer = setTimeout(tick, this.options.refreshMs);
        });
    };
    tick();
  }

  /** The queues being polled (for `connector status` and tests). */
  queues(): string[] {
    return [...this.pollers.values()].map((p) => p.queueUrl ?? p.queueArn);
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.refreshTimer) clearTimeout(this.refreshTimer);
    await this.refreshing;
    for (const p of this.pollers.values()) p.abort.abort();
    await Promise.all([...this.pollers.values()].map((p) => p.done));
    this.pollers.clear();
    this.clients.forEach((c) => c.destroy());
    this.clients.clear();
  }

  private async refresh(): Promise<void> {
    const subs = await listSubscriptions(this.deps.db, { enabledOnly: true });
    const wanted = new Map<string, NotificationSubscription>();
    for (const s of subs) wanted.set(s.queueUrl ?? s.queueArn, s);
    for (const [key, poller] of this.pollers) {
      if (wanted.has(key)) continue;
      poller.abort.abort();
      this.pollers.delete(key);
    }
    for (const [key, sub] of wanted) {
      if (this.pollers.has(key) || this.stopped) continue;
      const abort = new AbortController();
      abort.signal.addEventListener('abort', () => poller.request?.abort(), { once: true });
      const poller: Poller = {
        key,
        queueArn: sub.queueArn,
        queueUrl: sub.queueUrl ?? undefined,
        abort,
        done: Promise.resolve(),
      };
      poller.done = this.poll(poller).catch((err) =>
        this.deps.logger.error({ err, queue: key }, 'notifications: the poller of a queue stopped on a bug'),
      );
      this.pollers.set(key, poller);
      this.deps.logger.info({ queue: key }, 'notifications: consuming');
    }
    await sweepProcessedNotifications(this.deps.db, { olderThanMs: DEDUP_KEEP_MS });
  }

  private client(arn: string): SQSClient {
    const region = regionOf(arn) ?? '';
    let client = this.clients.get(region);
    if (!client) {
      // AWS_REGION wins when set (the SDK's rule); else the queue's own region. Retries are the poller's (backoff).
      client = new SQSClient({
        ...(process.env.AWS_REGION || !region ? {} : { region }),
        maxAttempts: 1,
        requestHandler: { connectionTimeout: 3_000, requestTimeout: (this.options.waitTimeSeconds + 10) * 1000 },
      });
      this.clients.set(region, client);
    }
    return client;
  }

  private async queueUrl(p: Poller): Promise<string> {
    if (p.queueUrl) return p.queueUrl;
    const m = /^arn:aws:sqs:[^:\s]+:([^:\s]+):(\S+)$/.exec(p.queueArn);
    if (!m) throw new Error(`${p.queueArn} is not an SQS queue ARN`);
    const res = await this.client(p.queueArn).send(
      new GetQueueUrlCommand({ QueueName: m[2], QueueOwnerAWSAccountId: m[1] }),
      { abortSignal: this.requestSignal(p) },
    );
    if (!res.QueueUrl) throw new Error(`GetQueueUrl gave no URL for ${p.queueArn}`);
    return (p.queueUrl = res.QueueUrl);
  }

  private requestSignal(p: Poller): AbortSignal {
    p.request = new AbortController();
    if (p.abort.signal.aborted) p.request.abort();
    return p.request.signal;
  }

  /** Receive → settle each message → again; on failure back off (one log line per outage) and recover by itself. */
  private async poll(p: Poller): Promise<void> {
    const { logger } = this.deps;
    let failures = 0;
    const known = p.queueUrl;
    while (!p.abort.signal.aborted) {
      let messages: Message[];
      let url: string;
      try {
        url = await this.queueUrl(p);
        const res = await this.client(p.queueArn).send(
          new ReceiveMessageCommand({
            QueueUrl: url,
            MaxNumberOfMessages: 10,
            WaitTimeSeconds: this.options.waitTimeSeconds,
            MessageSystemAttributeNames: ['ApproximateReceiveCount'],
          }),
          { abortSignal: this.requestSignal(p) },
        );
        messages = res.Messages ?? [];
      } catch (err) {
        if (p.abort.signal.aborted) return;
        if (failures === 0)
          logger.warn(
            { queue: p.key, err: (err as Error).message },
            'notifications: the queue cannot be reached; retrying with backoff (orderSync still polls)',
          );
        failures++;
        // A queue that was deleted and made again keeps its name, not necessarily its URL.
        if (!known && /NonExistentQueue|QueueDoesNotExist/.test((err as Error).name ?? '')) p.queueUrl = undefined;
        const delay = Math.min(this.options.maxBackoffMs, this.options.minBackoffMs * 2 ** Math.min(failures - 1, 10));
        await sleep(delay, p.abort.signal);
        continue;
      }
      if (failures > 0) logger.info({ queue: p.key, failures }, 'notifications: the queue answers again');
      failures = 0;
      // A batch's messages at once: each is its own order's signal (two of one order: the workflow keeps the newer).
      // Settled one by one, a burst queued behind ~30 ms of round trips per message.
      await Promise.all(
        messages.map((m) =>
          this.settle(p, url, m).catch((err) => {
            // Not deleted: SQS shows it again after its visibility timeout, and it is handled then.
            logger.warn({ queue: p.key, err: (err as Error).message }, 'notifications: a message will be retried');
          }),
        ),
      );
    }
  }

  /** Handles one message; it is deleted only once handled (or set aside). Throws to leave it for a later receive. */
  private async settle(p: Poller, queueUrl: string, m: Message): Promise<void> {
    const { db } = this.deps;
    const body = m.Body ?? '';
    const setAside = async (
      reason: string,
      extra: { notificationId?: string; type?: string; accountId?: string } = {},
    ) => {
      await setAsideNotification(db, {
        queueUrl,
        messageId: m.MessageId ?? m.ReceiptHandle ?? 'unknown',
        notificationId: extra.notificationId,
        notificationType: extra.type,
        accountId: extra.accountId,
        reason,
        body,
      });
      this.deps.logger.warn({ queueUrl, messageId: m.MessageId, reason }, 'notifications: message set aside');
      return 'set_aside' as const;
    };
    let notificationId: string | undefined;
    const outcome = await (async (): Promise<SettledMessage['outcome']> => {
      let message: any;
      try {
        message = JSON.parse(body);
      } catch {
        return setAside('the body is not JSON');
      }
      const type = typeof message?.NotificationType === 'string' ? message.NotificationType : undefined;
      const rawId = message?.NotificationMetadata?.NotificationId;
      notificationId = typeof rawId === 'string' ? rawId : undefined;
      const ids = { type, notificationId };
      const handler = type ? this.handlers[type] : undefined;
      if (!handler)
        return setAside(
          type
            ? `unsupported notification type ${type}: no handler is registered for it`
            : 'no NotificationType: not an SP-API notification',
          ids,
        );
      const checked = handler.check(message);
      if (!checked.ok) return setAside(checked.reason, ids);
      const envelope = checked.value;
      const id = envelope.NotificationMetadata.NotificationId;
      if (await isNotificationProcessed(db, { notificationId: id })) return 'duplicate';
      const accountId = await accountOfNotification(db, {
        subscriptionId: envelope.NotificationMetadata.SubscriptionId,
        sellerId: handler.sellerId(envelope),
      });
      if (!accountId)
        return setAside(
          `no account for seller ${handler.sellerId(envelope) ?? '(none)'} or subscription ${envelope.NotificationMetadata.SubscriptionId}`,
          ids,
        );
      const handled = await handler.handle(accountId, envelope);
      if (!handled.ok) return setAside(handled.reason, { ...ids, accountId });
      const first = await recordProcessedNotification(db, {
        notificationId: id,
        accountId,
        notificationType: envelope.NotificationType,
        amazonOrderId: handled.subject,
        outcome: handled.outcome,
        eventTime: envelope.EventTime,
      });
      return first ? handled.outcome : 'duplicate';
    })();
    // Not aborted by stop(): a message handled is deleted, or it comes back as a duplicate.
    await this.client(p.queueArn).send(
      new DeleteMessageCommand({ QueueUrl: queueUrl, ReceiptHandle: m.ReceiptHandle! }),
    );
    this.deps.onSettled?.({ queueUrl, notificationId, outcome });
  }
}

function sleep(ms: number, signal: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      signal.removeEventListener('abort', done);
      resolve();
    };
    const timer = setTimeout(done, ms);
    signal.addEventListener('abort', done, { once: true });
  });
}
