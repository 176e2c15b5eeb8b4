import { Counter, Gauge, Registry } from 'prom-client';
import type { Db } from '../db';
import { needsAttentionByAccount } from '../book/orders';
import type { Config } from '../lib/config';
import type { Logger } from '../lib/logger';
import { createApp, listen, onlyMethods } from './app';

/**
 * The connector's Prometheus metrics (prom-client) and GET /metrics, which serves them followed by Temporal's own
 * runtime metrics. The worker wires the observers into SpApi, the order and the stock activities.
 */
export type SpApiOutcome = 'ok' | 'throttled' | 'rejected' | 'unavailable';

export function createConnectorMetrics(options: { db?: Db } = {}) {
  const registry = new Registry();
  const registers = [registry];
  const counter = <L extends string>(name: string, help: string, labelNames: readonly L[]) =>
    new Counter<L>({ name, help, labelNames, registers });
  const ordersImported = counter(
    'connector_orders_imported_total',
    'Amazon orders imported into the book (first import), by fulfillment channel and marketplace id',
    ['channel', 'marketplace'],
  );
  const confirmations = counter(
    'connector_shipment_confirmations_total',
    'confirmShipment calls: sent = Amazon accepted the package, rejected = Amazon answered 4xx',
    ['outcome'],
  );
  const spapiCalls = counter(
    'connector_spapi_calls_total',
    'SP-API calls by operation and outcome (ok, throttled, rejected, unavailable)',
    ['operation', 'outcome'],
  );
  const spapiThrottled = counter('connector_spapi_throttled_total', 'SP-API 429 QuotaExceeded answers by operation', [
    'operation',
  ]);
  const feedMessages = counter(
    'connector_feed_messages_total',
    'JSON_LISTINGS_FEED messages by processing outcome (accepted, rejected)',
    ['outcome'],
  );
  const db = options.db;
  new Gauge({
    name: 'connector_orders_needs_attention',
    help: 'Orders waiting in needs_attention, per account (read from the book at scrape)',
    labelNames: ['account'] as const,
    registers,
    async collect() {
      if (!db) return;
      const counts = await needsAttentionByAccount(db, {});
      this.reset(); // an account removed since the last scrape disappears
      for (const { account, orders } of counts) this.set({ account }, orders);
    },
  });
  // Known outcomes start at 0, so dashboards show a flat line rather than no data.
  for (const outcome of ['sent', 'rejected']) confirmations.inc({ outcome }, 0);
  for (const outcome of ['accepted', 'rejected']) feedMessages.inc({ outcome }, 0);

  return {
    registry,
    ordersImported,
    confirmations,
    spapiCalls,
    spapiThrottled,
    feedMessages,
    /** SpApi's observer: every call, its 429s, and confirmShipment's outcome. */
    observeSpApi(operation: string, outcome: SpApiOutcome): void {
      spapiCalls.inc({ operation, outcome });
      if (outcome === 'throttled') spapiThrottled.inc({ operation });
      if (operation === 'confirmShipment' && outcome === 'ok') confirmations.inc({ outcome: 'sent' });
      if (operation === 'confirmShipment' && outcome === 'rejected') confirmations.inc({ outcome: 'rejected' });
    },
    /** createOrderActivities' onImported: counts first imports, not later updates of the same order. */
    onImported(summary: { channel: string | null; marketplaceId: string; outcome: string }): void {
      if (summary.outcome === 'imported')
        ordersImported.inc({ channel: summary.channel ?? 'unknown', marketplace: summary.marketplaceId || 'unknown' });
    },
  };
}

export type ConnectorMetrics = ReturnType<typeof createConnectorMetrics>;

/** One metric whose collection fails (database down) is reported as a comment; the others still go out. */
export async function renderMetrics(registry: Registry): Promise<string> {
  const parts = await Promise.all(
    registry
      .getMetricsAsArray()
      .map((m) =>
        registry
          .getSingleMetricAsString(m.name)
          .catch((err) => `# ${m.name} unavailable: ${String((err as Error).message).replace(/\n/g, ' ')}`),
      ),
  );
  return `${parts.join('\n')}\n`;
}

/**
 * Runtime.install options that make Temporal's core expose its own Prometheus metrics on an internal address;
 * /metrics proxies them, so one scrape target carries both.
 */
export function temporalRuntimeMetrics(port: number): {
  telemetryOptions: { metrics: { prometheus: { bindAddress: string } } };
  url: string;
} {
  return {
    telemetryOptions: { metrics: { prometheus: { bindAddress: `127.0.0.1:${port}` } } },
    url: `http://127.0.0.1:${port}/metrics`,
  };
}

export interface MetricsServer {
  /** The scrape URL, `http://host:port/metrics`. */
  url: string;
  close(): Promise<void>;
}

/** GET /metrics: our registry, then Temporal's runtime metrics when `runtimeMetricsUrl` is given. */
export async function startMetricsServer(options: {
  registry: Registry;
  port: number;
  host?: string;
  runtimeMetricsUrl?: string;
  logger?: Logger;
}): Promise<MetricsServer> {
  const app = createApp({ name: 'metrics', logger: options.logger, notFound: 'not found: try /metrics' });
  app.get('/metrics', async (_request, reply) => {
    let text = await renderMetrics(options.registry);
    if (options.runtimeMetricsUrl) text += await fetchRuntimeMetrics(options.runtimeMetricsUrl);
    return reply.header('content-type', options.registry.contentType).send(text);
  });
  onlyMethods(app, '/metrics', ['GET'], 'use GET /metrics');
  const server = await listen(app, { port: options.port, host: options.host, portSetting: 'CONNECTOR_METRICS_PORT' });
  return { url: `${server.url}/metrics`, close: () => server.close() };
}

/**
 * /metrics as `connector worker` and `connector start` serve it, on CONNECTOR_METRICS_HOST:CONNECTOR_METRICS_PORT: our
 * counters (give `metrics` to createConnectorWorker) and gauges over the book, then Temporal's runtime metrics.
 */
export async function serveConnectorMetrics(options: {
  config: Pick<Config, 'CONNECTOR_METRICS_PORT' | 'CONNECTOR_METRICS_HOST'>;
  db: Db;
  runtimeMetricsUrl?: string;
  logger?: Logger;
}): Promise<{ metrics: ConnectorMetrics; server: MetricsServer }> {
  const metrics = createConnectorMetrics({ db: options.db });
  const server = await startMetricsServer({
    registry: metrics.registry,
    port: options.config.CONNECTOR_METRICS_PORT,
    host: options.config.CONNECTOR_METRICS_HOST,
    runtimeMetricsUrl: options.runtimeMetricsUrl,
    logger: options.logger,
  });
  return { metrics, server };
}

async function fetchRuntimeMetrics(url: string): Promise<string> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(2_000) });
    const text = await res.text();
    return text.endsWith('\n') ? text : `${text}\n`;
  } catch (err) {
    return `# temporal runtime metrics unavailable at ${url}: ${(err as Error).message}\n`;
  }
}
