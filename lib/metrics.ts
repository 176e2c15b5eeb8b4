import http from 'node:http';
import type { AddressInfo } from 'node:net';
import type { Knex } from 'knex';
import type { Config } from './config';
import { UserError } from './errors';
import type { Logger } from './logger';

/**
 * A tiny Prometheus registry (text exposition format 0.0.4): counters and gauges with labels, nothing else.
 * /metrics serves it followed by Temporal's own runtime metrics (see serveConnectorMetrics).
 */
type Labels = Record<string, string>;

const escapeLabel = (value: string) => value.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n');
const seriesKey = (names: string[], labels: Labels) => names.map((n) => labels[n] ?? '').join('\u0000');

abstract class Metric {
  protected readonly series = new Map<string, { labels: Labels; value: number }>();

  constructor(
    readonly name: string,
    readonly help: string,
    readonly labelNames: string[],
    readonly type: 'counter' | 'gauge',
  ) {}

  protected put(labels: Labels, update: (current: number) => number): void {
    const missing = this.labelNames.filter((n) => labels[n] === undefined);
    if (missing.length) throw new Error(`${this.name}: label ${missing.join(', ')} is required`);
    const key = seriesKey(this.labelNames, labels);
    const entry = this.series.get(key) ?? { labels: { ...labels }, value: 0 };
    entry.value = update(entry.value);
    this.series.set(key, entry);
  }

  value(labels: Labels = {}): number {
    return this.series.get(seriesKey(this.labelNames, labels))?.value ?? 0;
  }

  async samples(): Promise<Array<{ labels: Labels; value: number }>> {
    return [...this.series.values()];
  }

  async render(): Promise<string> {
    const lines = [`# HELP ${this.name} ${this.help.replace(/\n/g, ' ')}`, `# TYPE ${this.name} ${this.type}`];
    for (const { labels, value } of await this.samples()) {
      const pairs = this.labelNames.map((n) => `${n}="${escapeLabel(labels[n] ?? '')}"`);
      lines.push(`${this.name}${pairs.length ? `{${pairs.join(',')}}` : ''} ${value}`);
    }
    return lines.join('\n');
  }
}

export class Counter extends Metric {
  constructor(name: string, help: string, labelNames: string[] = []) {
    super(name, help, labelNames, 'counter');
  }

  inc(labels: Labels = {}, by = 1): void {
    if (by < 0) throw new Error(`${this.name}: a counter only goes up`);
    this.put(labels, (v) => v + by);
  }
}

export class Gauge extends Metric {
  /** `collect` reads the current values at scrape time (e.g. from the database) instead of set(). */
  constructor(
    name: string,
    help: string,
    labelNames: string[] = [],
    private readonly collect?: () => Promise<Array<{ labels: Labels; value: number }>>,
  ) {
    super(name, help, labelNames, 'gauge');
  }

  set(labels: Labels, value: number): void {
    this.put(labels, () => value);
  }

  override async samples(): Promise<Array<{ labels: Labels; value: number }>> {
    return this.collect ? this.collect() : super.samples();
  }
}

export class MetricsRegistry {
  private readonly metrics: Metric[] = [];

  counter(name: string, help: string, labelNames: string[] = []): Counter {
    return this.add(new Counter(name, help, labelNames));
  }

  gauge(
    name: string,
    help: string,
    labelNames: string[] = [],
    collect?: () => Promise<Array<{ labels: Labels; value: number }>>,
  ): Gauge {
    return this.add(new Gauge(name, help, labelNames, collect));
  }

  private add<M extends Metric>(metric: M): M {
    if (this.metrics.some((m) => m.name === metric.name)) throw new Error(`metric ${metric.name} is registered twice`);
    this.metrics.push(metric);
    return metric;
  }

  /** One metric whose collection fails (database down) is reported as a comment; the others still go out. */
  async render(): Promise<string> {
    const parts = await Promise.all(
      this.metrics.map((m) =>
        m.render().catch((err) => `# ${m.name} unavailable: ${String((err as Error).message).replace(/\n/g, ' ')}`),
      ),
    );
    return `${parts.join('\n')}\n`;
  }
}

export type SpApiOutcome = 'ok' | 'throttled' | 'rejected' | 'unavailable';

/** The connector's own metrics; the worker wires the observers into SpApi and the order activities. */
export function createConnectorMetrics(options: { db?: Knex } = {}) {
  const registry = new MetricsRegistry();
  const ordersImported = registry.counter(
    'connector_orders_imported_total',
    'Amazon orders imported into the book (first import), by fulfillment channel and marketplace id',
    ['channel', 'marketplace'],
  );
  const confirmations = registry.counter(
    'connector_shipment_confirmations_total',
    'confirmShipment calls: sent = Amazon accepted the package, rejected = Amazon answered 4xx',
    ['outcome'],
  );
  const spapiCalls = registry.counter(
    'connector_spapi_calls_total',
    'SP-API calls by operation and outcome (ok, throttled, rejected, unavailable)',
    ['operation', 'outcome'],
  );
  const spapiThrottled = registry.counter(
    'connector_spapi_throttled_total',
    'SP-API 429 QuotaExceeded answers by operation',
    ['operation'],
  );
  const feedMessages = registry.counter(
    'connector_feed_messages_total',
    'JSON_LISTINGS_FEED messages by processing outcome (accepted, rejected)',
    ['outcome'],
  );
  registry.gauge(
    'connector_orders_needs_attention',
    'Orders waiting in needs_attention, per account (read from the book at scrape)',
    ['account'],
    async () => {
      if (!options.db) return [];
      // Every account appears, with 0 when nothing waits: an alert on the series never sees it vanish.
      const rows = await options
        .db('seller_accounts as a')
        .leftJoin('sale_orders as o', (j) => j.on('o.account_id', 'a.id').andOnVal('o.state', 'needs_attention'))
        .groupBy('a.id')
        .orderBy('a.id')
        .select('a.id as account', options.db.raw('count(o.id)::int as n'));
      return rows.map((r: any) => ({ labels: { account: r.account }, value: Number(r.n) }));
    },
  );
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
  url: string;
  close(): Promise<void>;
}

/** GET /metrics: our registry, then Temporal's runtime metrics when `runtimeMetricsUrl` is given. */
export async function startMetricsServer(options: {
  registry: MetricsRegistry;
  port: number;
  host?: string;
  runtimeMetricsUrl?: string;
  logger?: Logger;
}): Promise<MetricsServer> {
  const server = http.createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    if (req.method !== 'GET' || path !== '/metrics') {
      res
        .writeHead(path === '/metrics' ? 405 : 404, { 'content-type': 'text/plain' })
        .end(path === '/metrics' ? 'use GET\n' : 'not found: try /metrics\n');
      return;
    }
    void (async () => {
      let text = await options.registry.render();
      if (options.runtimeMetricsUrl) text += await fetchRuntimeMetrics(options.runtimeMetricsUrl);
      res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }).end(text);
    })().catch((err) => {
      options.logger?.error({ err }, 'metrics scrape failed');
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`# scrape failed: ${(err as Error).message}\n`);
    });
  });
  const host = options.host ?? '127.0.0.1';
  await new Promise<void>((resolve, reject) => {
    const failed = (err: NodeJS.ErrnoException) =>
      reject(
        err.code === 'EADDRINUSE'
          ? new UserError(
              `port ${options.port} on ${host} is already taken: stop what uses it, or set CONNECTOR_METRICS_PORT`,
            )
          : err,
      );
    server.once('error', failed);
    server.listen(options.port, host, () => (server.off('error', failed), resolve()));
  });
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://${host}:${port}/metrics`,
    close: () => new Promise<void>((resolve) => (server.close(() => resolve()), server.closeAllConnections())),
  };
}

/**
 * /metrics as `connector worker` and `connector start` serve it, on CONNECTOR_METRICS_HOST:CONNECTOR_METRICS_PORT: our
 * counters (give `metrics` to createConnectorWorker) and gauges over the book, then Temporal's runtime metrics.
 */
export async function serveConnectorMetrics(options: {
  config: Pick<Config, 'CONNECTOR_METRICS_PORT' | 'CONNECTOR_METRICS_HOST'>;
  db: Knex;
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
