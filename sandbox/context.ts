import type { IncomingMessage } from 'node:http';
import type { FaultConfig, FaultInjector } from './faults';
import type { TransactionEvents } from './finances/events';
import type { FinanceConfig } from './finances/service';
import type { NotificationPublisher } from './notification-publisher';
import type { Query, Reply } from './http';
import type { Region } from './marketplaces';
import type { RateLimiter, RateLimitMode } from './rate-limits';
import type { SandboxState } from './state';

/** The settings a running sandbox can change through PUT /_sandbox/config (finances: finances/service.ts). */
export interface SandboxConfig extends FinanceConfig {
  rateLimits: RateLimitMode;
  faults: FaultConfig;
  tokenLifetimeSeconds: number;
  /** searchOrders' *Before must be at least this many seconds before now (Amazon: 2 minutes). */
  minBeforeLagSeconds: number;
  /** A feed waits IN_QUEUE this long, then is IN_PROGRESS for feedProcessingMs. */
  feedQueueMs: number;
  feedProcessingMs: number;
  /** patchListingsItem answers ACCEPTED at once and applies the patch this much later. */
  listingApplyDelayMs: number;
  seed: number;
}

export interface OperationStats {
  calls: number;
  '2xx': number;
  '4xx': number;
  '429': number;
  '5xx': number;
  /** Resets and timeouts injected (no status, or a late one). */
  faults: number;
}

/** What a scheduled piece of work is, so that a test can wait for its own (GET /_sandbox/settled?kind=listing). */
export const SCHEDULED_KINDS = ['listing', 'feed', 'other'] as const;
export type ScheduledKind = (typeof SCHEDULED_KINDS)[number];

/** Shared by every route of one running sandbox. */
export interface Sandbox {
  state: SandboxState;
  config: SandboxConfig;
  limiter: RateLimiter;
  faults: FaultInjector;
  stats: Map<string, OperationStats>;
  /** Sends notifications (ORDER_CHANGE, ...) to the subscribed SQS queues, with the admin switches applied. */
  notifications: NotificationPublisher;
  /** Feeds created and processed, and the messages their documents held (stock sync counts on these). */
  feedStats: { created: number; processed: number; messages: number };
  now(): number;
  /** Marks the state as changed (persisted soon when --state is set). */
  changed(): void;
  /** setTimeout that close() cancels. */
  schedule(fn: () => void, ms: number, kind?: ScheduledKind): void;
  /**
   * Resolves once no work of these kinds (every kind when none is given) is scheduled: accepted listing patches
   * applied, feeds at their final status. The finances clock re-arms itself for ever: wait on the kinds you caused.
   */
  settled(kinds?: ScheduledKind[]): Promise<void>;
  /** Back to an empty state, the start options' config, and zero stats (POST /_sandbox/reset). */
  reset(): void;
  /** Each Finances transaction created or released (the TRANSACTION_UPDATE hook: finances/events.ts). */
  transactionEvents: TransactionEvents;
}

export interface Ctx {
  sb: Sandbox;
  req: IncomingMessage;
  url: URL;
  query: Query;
  params: Record<string, string>;
  /** The seller of the access token (SP-API routes only; '' for a grantless token). */
  sellerId: string;
  /** The application (LWA client id) of the access token (SP-API routes only). */
  clientId: string;
  /** The SP-API region of the host the client called; null when called directly. */
  region: Region | null;
  rawBody(): Promise<Buffer>;
  jsonBody(): Promise<unknown>;
}

export type RouteKind = 'spapi' | 'lwa' | 'document' | 'admin' | 'page';

export interface Route {
  method: string;
  /** A path template: /orders/2026-01-01/orders/{orderId}. */
  path: string;
  kind: RouteKind;
  /** Amazon's operation name: stats, usage plan and faults key. */
  operation?: string;
  /** A grantless operation: it takes only a client_credentials token of this scope, never a seller's token. */
  grantlessScope?: string;
  handler(ctx: Ctx): Reply | Promise<Reply>;
}

export function emptyStats(): OperationStats {
  return { calls: 0, '2xx': 0, '4xx': 0, '429': 0, '5xx': 0, faults: 0 };
}
