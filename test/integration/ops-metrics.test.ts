import fs from 'fs';
import path from 'path';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { SpApiClients } from '../../activities/spapi/clients';
import { SpApi } from '../../activities/spapi/gateway';
import { RateLimiter } from '../../activities/spapi/rate-limiter';
import { loadConfig } from '../../lib/config';
import {
  ConnectorMetrics,
  createConnectorMetrics,
  MetricsServer,
  startMetricsServer,
  temporalRuntimeMetrics,
} from '../../servers/metrics';
import { keyringFromEnv } from '../../lib/secrets';
import { freePort } from '../../lib/temporal-cli';
import { orderWorkflowId } from '../../workflows/ids';
import { shipmentDone } from '../../workflows/order';
import { ConnectorWorker, createConnectorWorker } from '../../workers/worker';
import { eventually, Harness, startHarness } from '../support/harness';

/** The worker's /metrics: our counters and gauges in Prometheus text format, followed by Temporal's runtime metrics. */
const US = 'ATVPDKIKX0DER';
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();
const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/orders', name), 'utf8'));
const FBM = '113-6000001-0000001';
const FBA = ['114-6000002-0000002', '114-6000003-0000003'];

/** `name{a="x",b="y"} 3` lines as a map from `name{a="x",b="y"}` to 3. */
function samples(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^([a-zA-Z_:][\w:]*(?:\{[^}]*\})?) (\S+)$/.exec(line);
    if (m) out.set(m[1], Number(m[2]));
  }
  return out;
}

describe('metrics: the worker exposes our counters and Temporal runtime metrics on /metrics', () => {
  let h: Harness;
  let metrics: ConnectorMetrics;
  let worker: ConnectorWorker;
  let server: MetricsServer;
  const account = {
    id: `metrics-${Date.now().toString(36)}`,
    sellerId: 'A8METRICS00001',
    region: 'na' as const,
    marketplaceIds: [US],
  };
  const scrape = async () => {
    const res = await fetch(server.url);
    expect(res.headers.get('content-type')).toMatch(/^text\/plain; version=0\.0\.4/);
    return res.text();
  };

  beforeAll(async () => {
    // As `connector worker` does: Temporal's core exports Prometheus on an internal port, /metrics proxies it.
    const runtime = temporalRuntimeMetrics(await freePort());
    Runtime.install({
      shutdownSignals: [],
      logger: new DefaultLogger('WARN'),
      telemetryOptions: runtime.telemetryOptions,
    });
    h = await startHarness({ accounts: [account], env: { PII_RETENTION: '1s' } });
    metrics = createConnectorMetrics({ db: h.testDb.db });
    worker = await createConnectorWorker({
      config: loadConfig({ ...process.env, PII_RETENTION: '1s' }),
      db: h.testDb.db,
      temporalAddress: process.env.TEMPORAL_TEST_ADDRESS!,
      taskQueue: `${h.taskQueue}-metrics`,
      workflowBundle: { codePath: process.env.TEST_WORKFLOW_BUNDLE! },
      rateSpeedup: 0,
      metrics,
    });
    void worker.run();
    server = await startMetricsServer({ registry: metrics.registry, port: 0, runtimeMetricsUrl: runtime.url });

    const recent = (o: any, orderId: string) => ({
      ...o,
      orderId,
      createdTime: minutesAgo(60),
      lastUpdatedTime: minutesAgo(5),
    });
    await h.admin.addOrders(account.sellerId, [
      recent(fixture('us-fbm-gift-promotions.json'), FBM),
      ...FBA.map((id) => recent(fixture('us-fba-no-pii.json'), id)),
    ]);
    await h.client.workflow.execute('orderSync', {
      taskQueue: `${h.taskQueue}-metrics`,
      workflowId: `metrics-sync-${account.id}`,
      args: [{ accountId: account.id, since: minutesAgo(24 * 60) }],
    });
    await eventually(async () =>
      expect(
        (await h.testDb.db('sale_orders').where({ account_id: account.id, state: 'confirmed' }).first())
          ?.amazon_order_id,
      ).toBe(FBM),
    );
  });

  afterAll(async () => {
    await server?.close();
    await h?.client.workflow
      .getHandle(orderWorkflowId(account.id, FBM))
      .terminate('test over')
      .catch(() => undefined);
    await worker?.close();
    await h?.close();
  });

  it('counts orders imported by channel and marketplace, and SP-API calls by operation', async () => {
    const s = await eventually(async () => {
      const current = samples(await scrape());
      expect(current.get(`connector_orders_imported_total{channel="FBA",marketplace="${US}"}`)).toBe(2);
      return current;
    });
    expect(s.get(`connector_orders_imported_total{channel="FBM",marketplace="${US}"}`)).toBe(1);
    expect(s.get('connector_spapi_calls_total{operation="searchOrders",outcome="ok"}')).toBeGreaterThanOrEqual(1);
  });

  it('counts confirmations sent to Amazon', async () => {
    expect(samples(await scrape()).get('connector_shipment_confirmations_total{outcome="sent"}')).toBe(0);
    await h.client.workflow
      .getHandle(orderWorkflowId(account.id, FBM))
      .signal(shipmentDone, { carrier: 'UPS', trackingNumber: '1ZMETRICS000000001' });
    await eventually(async () =>
      expect(samples(await scrape()).get('connector_shipment_confirmations_total{outcome="sent"}')).toBe(1),
    );
    expect(samples(await scrape()).get('connector_spapi_calls_total{operation="confirmShipment",outcome="ok"}')).toBe(
      1,
    );
  });

  it("counts Amazon's 429 answers per operation", async () => {
    await h.admin.setConfig({ rateLimits: 'real' });
    try {
      // The shared limiter is off in tests: a burst above getOrder's 30 meets Amazon's (the sandbox's) bucket.
      const spapi = new SpApi(
        new SpApiClients(h.testDb.db, keyringFromEnv()),
        new RateLimiter(h.testDb.db, { speedup: 0 }),
        metrics.observeSpApi,
      );
      const calls = Array.from({ length: 40 }, () =>
        spapi.call(account.id, { operation: 'getOrder', endpoint: 'orders', path: { orderId: FBA[0] } }).then(
          () => 'ok',
          (err) => err.name,
        ),
      );
      const outcomes = await Promise.all(calls);
      const throttled = outcomes.filter((o) => o === 'QuotaExceeded').length;
      expect(throttled).toBeGreaterThan(0);
      const s = samples(await scrape());
      expect(s.get('connector_spapi_throttled_total{operation="getOrder"}')).toBe(throttled);
      expect(s.get('connector_spapi_calls_total{operation="getOrder",outcome="throttled"}')).toBe(throttled);
    } finally {
      await h.admin.setConfig({ rateLimits: 'off' });
    }
  });

  it('reads orders in needs_attention from the book at each scrape, and exposes the feed message counter', async () => {
    const gauge = `connector_orders_needs_attention{account="${account.id}"}`;
    expect(samples(await scrape()).get(gauge)).toBe(0);
    await h.testDb
      .db('sale_orders')
      .where({ amazon_order_id: FBA[1] })
      .update({ state: 'needs_attention', attention_reason: 'test', attention_source: 'import' });
    expect(samples(await scrape()).get(gauge)).toBe(1);

    expect(samples(await scrape()).get('connector_feed_messages_total{outcome="rejected"}')).toBe(0);
    metrics.feedMessages.inc({ outcome: 'accepted' }, 3);
    expect(samples(await scrape()).get('connector_feed_messages_total{outcome="accepted"}')).toBe(3);
  });

  it("appends Temporal's runtime metrics to the same scrape", async () => {
    const text = await eventually(async () => {
      const t = await scrape();
      expect(t).toMatch(/^temporal_\w+/m);
      return t;
    });
    expect(text).toMatch(/^# TYPE connector_orders_imported_total counter$/m);
    expect(text).toMatch(/^temporal_.*task_queue="[^"]*-metrics"/m);
  });
});
