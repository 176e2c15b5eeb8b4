import net from 'net';
import { loadConfig } from '../../lib/config';
import { serveConnectorMetrics } from '../../servers/metrics';
import { freePort } from '../../lib/temporal-cli';
import { createTestDatabase, TestDatabase } from '../support/db';

/** The wiring `connector worker` and `connector start` share: /metrics on CONNECTOR_METRICS_HOST:CONNECTOR_METRICS_PORT. */
describe('serveConnectorMetrics', () => {
  let t: TestDatabase;

  beforeAll(async () => {
    t = await createTestDatabase();
    await t.db('seller_accounts').insert({
      id: 'metrics-wiring',
      seller_id: 'A9METRICSWIRE1',
      region: 'eu',
      client_id: 'amzn1.application-oa2-client.metrics',
      client_secret_enc: 'sealed',
      refresh_token_enc: 'sealed',
      secret_key_id: 'k1',
    });
  });
  afterAll(async () => {
    await t?.drop();
  });

  it('serves our counters and the gauges over the book on the configured port, and stops serving when closed', async () => {
    const port = await freePort();
    const { metrics, server } = await serveConnectorMetrics({
      config: loadConfig({ CONNECTOR_METRICS_PORT: String(port) }),
      db: t.db,
    });
    let closed = false;
    try {
      expect(server.url).toBe(`http://127.0.0.1:${port}/metrics`);
      metrics.onImported({ channel: 'MFN', marketplaceId: 'A1PA6795UKMFR9', outcome: 'imported' });
      const res = await fetch(server.url);
      expect(res.status).toBe(200);
      const text = await res.text();
      expect(text).toContain('connector_orders_imported_total{channel="MFN",marketplace="A1PA6795UKMFR9"} 1');
      expect(text).toContain('connector_orders_needs_attention{account="metrics-wiring"} 0');
      await server.close();
      closed = true;
      await expect(fetch(server.url)).rejects.toThrow();
    } finally {
      if (!closed) await server.close();
    }
  });

  it('a taken port is refused in one line naming CONNECTOR_METRICS_PORT', async () => {
    const taken = net.createServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const port = (taken.address() as net.AddressInfo).port;
    try {
      await expect(
        serveConnectorMetrics({ config: loadConfig({ CONNECTOR_METRICS_PORT: String(port) }), db: t.db }),
      ).rejects.toThrow(`port ${port} on 127.0.0.1 is already taken: stop what uses it, or set CONNECTOR_METRICS_PORT`);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
  });
});
