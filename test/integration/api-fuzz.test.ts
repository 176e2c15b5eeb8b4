import fs from 'fs';
import os from 'os';
import path from 'path';
import { createToken, SCOPES } from '../../book/api-tokens';
import { setStock } from '../../book/stock';
import { ApiServer, startApiServer } from '../../servers/api';
import { Harness, ordersIdle, startHarness } from '../support/harness';
import { minutesAgo, US } from '../support/orders';
import { runSchemathesis } from '../support/schemathesis';

/**
 * A property-based fuzz of the whole /v1/openapi.json with schemathesis, from the document alone, over a real book:
 * every operation gets generated valid and invalid requests; no answer may be a 5xx, use a status code the document
 * does not list, or differ from the documented schema of its status.
 */
const account = { id: 'fuzz-us', sellerId: 'A7FUZZSELLER01', region: 'na' as const, marketplaceIds: [US] };
let h: Harness;
let api: ApiServer;
let token: string;
let reportDir: string;

beforeAll(async () => {
  h = await startHarness({ accounts: [account] });
  // A book with FBM and FBA orders, open deliveries and products, so that reads return real records.
  const { orderIds } = await h.admin.generateOrders(account.sellerId, {
    count: 12,
    seed: 1717,
    marketplaceIds: [US],
    pendingShare: 0,
  });
  await h.client.workflow.execute('orderSync', {
    taskQueue: h.taskQueue,
    workflowId: `fuzz-sync-${Date.now()}`,
    args: [{ accountId: account.id, since: minutesAgo(60 * 24 * 31) }],
  });
  await ordersIdle(h.client, account.id, orderIds);
  // The FBM orders: what a shipment POST can reach the workflow and Amazon with.
  const fbm: string[] = await h.testDb.db('sale_orders').where({ channel: 'FBM' }).pluck('amazon_order_id');
  const skus: string[] = await h.testDb.db('delivery_lines').whereNotNull('sku').distinct().pluck('sku');
  await h.testDb
    .db('products')
    .insert(skus.map((sku) => ({ sku, name: `Product ${sku}` })))
    .onConflict('sku')
    .ignore();
  await setStock(h.testDb.db, { items: skus.map((sku) => ({ sku, quantity: 5 })) });
  api = await startApiServer({
    db: h.testDb.db,
    temporal: async () => h.client,
    taskQueue: h.taskQueue,
    port: 0,
    shipmentWaitMs: 3_000,
  });
  token = (await createToken(h.testDb.db, { name: 'fuzz', scopes: [...SCOPES] })).secret;
  reportDir = fs.mkdtempSync(path.join(os.tmpdir(), 'api-fuzz-'));
  // Real order ids and SKUs in most generated requests: past the 404s, into the shipment, retry and stock paths.
  const list = (values: string[]) => `[${values.map((v) => JSON.stringify(v)).join(', ')}]`;
  fs.writeFileSync(
    path.join(reportDir, 'schemathesis.toml'),
    [
      `[dictionaries.orders]\nvalues = ${list(fbm)}`,
      `[dictionaries.skus]\nvalues = ${list(skus)}`,
      '[parameters]',
      '"path.amazonOrderId" = { dictionary = "orders", probability = 0.8 }',
      '"query.q" = { dictionary = "orders", probability = 0.3 }',
      '"query.sku" = { dictionary = "skus", probability = 0.5 }',
      '"body.items[*].sku" = { dictionary = "skus", probability = 0.8 }',
    ].join('\n\n'),
  );
}, 300_000);

afterAll(async () => {
  await api?.close();
  await h?.close();
  if (reportDir) fs.rmSync(reportDir, { recursive: true, force: true });
});

it('schemathesis finds no 5xx, no undocumented status code and no answer off its schema in /v1/openapi.json', async () => {
  const run = await runSchemathesis(
    [
      `${api.url}/v1/openapi.json`,
      '--checks',
      'not_a_server_error,status_code_conformance,response_schema_conformance,content_type_conformance',
      '--header',
      `Authorization: Bearer ${token}`,
      '--phases',
      'examples,coverage,fuzzing',
      '--max-examples',
      '25',
      '--seed',
      '1717',
      // One worker: hypothesis's lambda-source parsing (ast.parse) is not thread-safe on Python 3.11.
      '--workers',
      '1',
      '--request-timeout',
      '30',
      '--generation-database',
      'none',
      '--report-dir',
      reportDir,
    ],
    { timeoutMs: 270_000, cwd: reportDir }, // its replay store (.schemathesis/) goes there too
  );
  // The whole report on failure: each finding with the request that reproduces it (a curl line).
  if (run.exitCode !== 0) throw new Error(`schemathesis exited ${run.exitCode}:\n${run.output}`);
  // Every operation of the document was tested, and requests were really made.
  const doc = (await (await fetch(`${api.url}/v1/openapi.json`)).json()) as { paths: Record<string, object> };
  const operations = Object.values(doc.paths).reduce((n, methods) => n + Object.keys(methods).length, 0);
  const summary = run.output.slice(run.output.lastIndexOf('SUMMARY'));
  expect({ tested: Number(/Tested: (\d+)/.exec(summary)?.[1]), summary }).toEqual({ tested: operations, summary });
  expect(Number(/(\d+) generated/.exec(summary)?.[1])).toBeGreaterThan(operations * 10);
  // Past validation too: generated shipments of real FBM orders reached the workflow and Amazon.
  expect((await h.admin.stats()).operations.confirmShipment?.calls ?? 0).toBeGreaterThan(0);
}, 300_000); // about 45 s on a quiet machine; the bound is for a loaded CI box
