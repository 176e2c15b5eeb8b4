import type { AddressInfo } from 'node:net';
import { logger as rootLogger } from '../lib/logger';
import type { Sandbox, SandboxConfig, ScheduledKind } from './context';
import { FaultConfig, FaultInjector } from './faults';
import { TransactionEvents } from './finances/events';
import { FINANCE_DEFAULTS, FinanceConfig, publishTransactionUpdates, recordAllShipments } from './finances/service';
import { NotificationPublisher } from './notification-publisher';
import { statusOf } from './routes/feeds';
import { RateLimiter, RateLimitMode } from './rate-limits';
import { createHttpServer } from './server';
import { loadState, saveState, SandboxState } from './state';

/** The SP-API sandbox: a local HTTP server answering as Amazon's Selling Partner API does (see sandbox/README.md). */

export interface SandboxOptions {
  /** 0 = a free port. */
  port?: number;
  /** Default 127.0.0.1. */
  host?: string;
  /** Default seed of generated orders and of fault draws. */
  seed?: number;
  rateLimits?: RateLimitMode;
  /** Load state from this JSON file and keep saving it there. */
  statePath?: string;
  tokenLifetimeSeconds?: number;
  /** searchOrders' *Before must be at least this long before now (default 120: Amazon's 2 minutes). */
  minBeforeLagSeconds?: number;
  faults?: FaultConfig;
  /** Feed processing: IN_QUEUE for feedQueueMs, then IN_PROGRESS for feedProcessingMs (defaults 2 s and 3 s). */
  feedQueueMs?: number;
  feedProcessingMs?: number;
  /** patchListingsItem applies this long after answering ACCEPTED (default 1 s). */
  listingApplyDelayMs?: number;
  /** The sandbox's clock (tests move it); default Date.now. */
  now?: () => number;
  /** Finances: lag, deferral, settlement period and time scale (defaults: Amazon's 48h, 7d, 14d, 1). */
  finances?: Partial<FinanceConfig>;
}

export interface RunningSandbox {
  url: string;
  port: number;
  /** Finances transactions as they are created or released (finances/events.ts). */
  transactionEvents: TransactionEvents;
  close(): Promise<void>;
}

export type { SandboxConfig } from './context';

export async function startSandbox(options: SandboxOptions = {}): Promise<RunningSandbox> {
  const log = rootLogger.child({ component: 'sandbox' });
  const now = options.now ?? Date.now;
  const initial: SandboxConfig = {
    rateLimits: options.rateLimits ?? 'real',
    faults: options.faults ?? {},
    tokenLifetimeSeconds: options.tokenLifetimeSeconds ?? 3600,
    minBeforeLagSeconds: options.minBeforeLagSeconds ?? 120,
    feedQueueMs: options.feedQueueMs ?? 2000,
    feedProcessingMs: options.feedProcessingMs ?? 3000,
    listingApplyDelayMs: options.listingApplyDelayMs ?? 1000,
    seed: options.seed ?? 1,
    ...FINANCE_DEFAULTS,
    ...options.finances,
  };
  const timers = new Map<NodeJS.Timeout, ScheduledKind>();
  let onSettled: Array<{ kinds?: ScheduledKind[]; resolve: () => void }> = [];
  const busy = (kinds?: ScheduledKind[]) => [...timers.values()].some((kind) => !kinds || kinds.includes(kind));
  const settleIfIdle = () => {
    const waiting = onSettled;
    onSettled = waiting.filter((w) => busy(w.kinds));
    waiting.filter((w) => !busy(w.kinds)).forEach((w) => w.resolve());
  };
  let saveTimer: NodeJS.Timeout | undefined;
  const save = () => {
    if (!options.statePath) return;
    try {
      saveState(sb.state, options.statePath);
    } catch (err) {
      log.error({ err, statePath: options.statePath }, 'sandbox: could not save state');
    }
  };

  const sb: Sandbox = {
    state: options.statePath ? loadState(options.statePath) : new SandboxState(),
    config: { ...initial },
    limiter: new RateLimiter(initial.rateLimits, now),
    faults: new FaultInjector(initial.faults, initial.seed),
    stats: new Map(),
    notifications: new NotificationPublisher({ state: () => sb.state, now, seed: initial.seed, log }),
    feedStats: { created: 0, processed: 0, messages: 0 },
    now,
    changed() {
      if (!options.statePath || saveTimer) return;
      saveTimer = setTimeout(() => {
        saveTimer = undefined;
        save();
      }, 1000);
    },
    schedule(fn, ms, kind = 'other') {
      const t = setTimeout(
        () => {
          timers.delete(t);
          try {
            fn();
          } catch (err) {
            log.error({ err }, 'sandbox: scheduled work failed');
          }
          settleIfIdle();
        },
        Math.max(0, ms),
      );
      timers.set(t, kind);
    },
    settled(kinds) {
      return busy(kinds) ? new Promise((resolve) => onSettled.push({ kinds, resolve })) : Promise.resolve();
    },
    reset() {
      sb.state = new SandboxState();
      sb.config = { ...initial };
      sb.limiter.mode = initial.rateLimits;
      sb.limiter.reset();
      sb.faults.config = initial.faults;
      sb.stats.clear();
      Object.assign(sb.feedStats, { created: 0, processed: 0, messages: 0 });
      sb.notifications.reset(initial.seed);
      timers.forEach((_kind, t) => clearTimeout(t));
      timers.clear();
      settleIfIdle();
      sb.changed();
    },
    transactionEvents: new TransactionEvents((err) => log.error({ err }, 'sandbox: a transaction listener failed')),
  };
  // Feeds left in processing by a previous run finish on their own schedule.
  for (const feed of sb.state.feeds.values()) {
    if (!feed.finalStatus) sb.schedule(() => statusOf(sb, feed), feed.endAt - now(), 'feed');
  }
  publishTransactionUpdates(sb);
  recordAllShipments(sb);

  const { server, cancelPending } = createHttpServer(sb, log);
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const port = (server.address() as AddressInfo).port;
  const url = `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  log.debug({ url }, 'sandbox listening');

  return {
    url,
    port,
    transactionEvents: sb.transactionEvents,
    async close() {
      timers.forEach((_kind, t) => clearTimeout(t));
      timers.clear();
      settleIfIdle();
      cancelPending();
      sb.notifications.close();
      if (saveTimer) clearTimeout(saveTimer);
      save();
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
