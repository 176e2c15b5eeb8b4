/**
 * `npm run histories:record`: runs each workflow through its main paths against a real Temporal dev server,
 * PostgreSQL and the sandbox (the jest set-up, harness included), and saves each history as test/histories/<name>.json
 * (the JSON of `temporal workflow show --output json`). test/integration/replay-histories.test.ts replays them with
 * the current workflow code: a change that would break running workflows fails CI.
 *
 * Re-record only on purpose (a new scenario, or after a change guarded by patched()): old histories are the point.
 * A new workflow type or path gets its entry in `scenarios`; `npm run histories:record -- <name>` runs and rewrites only that one.
 * Payloads are sealed with the harness's test key (TEST_SECRET_KEY), as in production with the production key.
 */
import { execFileSync } from 'child_process';
import fs from 'fs';
import path from 'path';
import { createWebhook } from '../../book/webhooks';
import { keyringFromEnv } from '../../lib/secrets';
import { startWebhookDelivery } from '../../lib/workflow-client';
import { orderWorkflowId, webhookWorkflowId } from '../../workflows/ids';
import { amazonUpdate, retry, shipmentDone, stateQuery } from '../../workflows/order';
import globalSetup from '../support/global-setup';
import globalTeardown from '../support/global-teardown';
import { eventually, Harness, startHarness } from '../support/harness';
import { emitEvents, importedEvent, webhookReceiver } from '../support/webhooks';

const US = 'ATVPDKIKX0DER';
const account = { id: 'histories', sellerId: 'A9HISTORIES0001', region: 'na' as const, marketplaceIds: [US] };
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();
const fixture = (name: string) => JSON.parse(fs.readFileSync(path.join(__dirname, '../fixtures/orders', name), 'utf8'));
const recent = (o: any, orderId: string, status?: string) => ({
  ...o,
  orderId,
  createdTime: minutesAgo(60),
  lastUpdatedTime: minutesAgo(5),
  ...(status ? { fulfillment: { ...o.fulfillment, fulfillmentStatus: status } } : {}),
});

interface Scenario {
  /** File name (without .json): `<workflowType>.<what happens>`. */
  name: string;
  /** Drives the workflow; returns its id once the history holds what the scenario is about. */
  run(h: Harness): Promise<string>;
}

const orderState = (h: Harness, amazonOrderId: string) =>
  h.testDb
    .db('sale_orders')
    .where({ account_id: account.id, amazon_order_id: amazonOrderId })
    .first()
    .then((o) => o?.state);
const until = (h: Harness, amazonOrderId: string, state: string) =>
  eventually(async () => {
    if ((await orderState(h, amazonOrderId)) !== state) throw new Error(`${amazonOrderId} is not ${state} yet`);
  }, 60_000);

async function sync(h: Harness, name: string): Promise<string> {
  const workflowId = `order-sync:${account.id}:${name}`;
  await h.client.workflow.execute('orderSync', {
    taskQueue: h.taskQueue,
    workflowId,
    args: [{ accountId: account.id, since: minutesAgo(24 * 60) }],
  });
  return workflowId;
}

const scenarios: Scenario[] = [
  {
    name: 'orderSync.dispatches-a-page',
    async run(h) {
      await h.admin.addOrders(account.sellerId, [
        recent(fixture('us-fba-no-pii.json'), '114-7000001-0000001'),
        recent(fixture('us-fbm-gift-promotions.json'), '113-7000002-0000002'),
        recent(fixture('us-fbm-gift-promotions.json'), '113-7000003-0000003'),
        // Pending as Amazon holds it, but with prices, so that it imports once confirmed.
        recent(fixture('us-fbm-gift-promotions.json'), '113-7000004-0000004', 'PENDING'),
      ]);
      return sync(h, 'first');
    },
  },
  {
    name: 'order.fba-shipped-then-purged',
    async run(h) {
      const id = orderWorkflowId(account.id, '114-7000001-0000001');
      await h.client.workflow.getHandle(id).result();
      return id;
    },
  },
  {
    name: 'order.fbm-two-packages-then-purged',
    async run(h) {
      const id = orderWorkflowId(account.id, '113-7000002-0000002');
      await until(h, '113-7000002-0000002', 'confirmed');
      const handle = h.client.workflow.getHandle(id);
      await handle.signal(shipmentDone, {
        carrier: 'UPS',
        trackingNumber: '1ZHIST0000000001',
        items: [{ sku: 'COASTER-SLATE-4PK', quantity: 1 }],
      });
      await until(h, '113-7000002-0000002', 'partially_shipped');
      await handle.signal(shipmentDone, { carrier: 'royal mail', trackingNumber: 'RR123456789GB' });
      await handle.result();
      return id;
    },
  },
  {
    name: 'order.fbm-invalid-signal-flagged-then-shipped',
    async run(h) {
      const id = orderWorkflowId(account.id, '113-7000003-0000003');
      await until(h, '113-7000003-0000003', 'confirmed');
      const handle = h.client.workflow.getHandle(id);
      await handle.signal(shipmentDone, { carrier: 'UPS' }); // as typed into the UI, without tracking
      await until(h, '113-7000003-0000003', 'needs_attention');
      await handle.signal(shipmentDone, { carrier: 'UPS', trackingNumber: '1ZHIST0000000003' });
      await handle.result();
      return id;
    },
  },
  {
    name: 'order.pending-confirmed-then-cancelled',
    async run(h) {
      const id = orderWorkflowId(account.id, '113-7000004-0000004');
      await eventually(async () => {
        if ((await h.client.workflow.getHandle(id).query(stateQuery)).phase !== 'pending')
          throw new Error('not pending yet');
      });
      await h.admin.setOrderStatus('113-7000004-0000004', 'UNSHIPPED', { at: minutesAgo(4) });
      await sync(h, 'confirmed');
      await until(h, '113-7000004-0000004', 'confirmed');
      await h.admin.setOrderStatus('113-7000004-0000004', 'CANCELLED', { at: minutesAgo(3), cancelledBy: 'BUYER' });
      await sync(h, 'cancelled');
      await h.client.workflow.getHandle(id).result();
      return id;
    },
  },
  {
    name: 'order.unknown-marketplace-flagged-retried',
    async run(h) {
      const order = recent(fixture('us-fbm-gift-promotions.json'), '113-7000005-0000005');
      order.salesChannel = { ...order.salesChannel, marketplaceId: 'A1C3SOZRARQ6R3' };
      await h.admin.addOrders(account.sellerId, [order]);
      const header = {
        amazonOrderId: order.orderId,
        marketplaceId: 'A1C3SOZRARQ6R3',
        channel: 'FBM' as const,
        amazonStatus: 'UNSHIPPED',
        lastUpdatedTime: order.lastUpdatedTime,
      };
      const id = orderWorkflowId(account.id, order.orderId);
      await h.client.workflow.signalWithStart('order', {
        workflowId: id,
        taskQueue: h.taskQueue,
        args: [{ accountId: account.id, header }],
        signal: amazonUpdate,
        signalArgs: [header],
      });
      await until(h, order.orderId, 'needs_attention');
      await h.client.workflow.getHandle(id).signal(retry);
      await new Promise((r) => setTimeout(r, 2_000)); // the retry is imported (and flagged again)
      await h.client.workflow.getHandle(id).terminate('recorded: waits for a fix that never comes');
      return id;
    },
  },
  {
    // Since patch 'import-requests-stock-sync': each import asks for the stock sync itself (no requestStockSync).
    name: 'order.fbm-imported-stock-sync-requested',
    async run(h) {
      const orderId = '113-7000006-0000006';
      await h.admin.addOrders(account.sellerId, [recent(fixture('us-fbm-gift-promotions.json'), orderId)]);
      await sync(h, 'fbm-imported');
      await until(h, orderId, 'confirmed');
      await h.admin.setOrderStatus(orderId, 'CANCELLED', { at: minutesAgo(3), cancelledBy: 'BUYER' });
      await sync(h, 'fbm-cancelled');
      const id = orderWorkflowId(account.id, orderId);
      await h.client.workflow.getHandle(id).result();
      return id;
    },
  },
  {
    // Since patch 'pipelined-order-pages': 3 pages of 100, so a page is searched while earlier ones are dispatched.
    name: 'orderSync.pipelined-pages',
    async run(h) {
      await h.admin.generateOrders(account.sellerId, { count: 250, seed: 7, withinHours: 20 });
      return sync(h, 'pipelined');
    },
  },
  {
    name: 'stockSync.manual',
    async run(h) {
      const workflowId = `stock-sync:${account.id}:manual`;
      await h.client.workflow.execute('stockSync', {
        taskQueue: h.taskQueue,
        workflowId,
        args: [{ accountId: account.id, reason: 'manual' }],
      });
      return workflowId;
    },
  },
  {
    name: 'fbaStockSync.inventory',
    async run(h) {
      await h.admin.putFbaInventory(account.sellerId, US, [{ sellerSku: 'MUG-CER-12OZ-BLU', fulfillableQuantity: 7 }]);
      const workflowId = `fba-stock-sync:${account.id}:recorded`;
      await h.client.workflow.execute('fbaStockSync', {
        taskQueue: h.taskQueue,
        workflowId,
        args: [{ accountId: account.id }],
      });
      return workflowId;
    },
  },
  {
    name: 'financeSync.shipment',
    async run(h) {
      await h.admin.setConfig({ financeLag: '0s' });
      const orderId = '113-7000009-0000009';
      await h.admin.addOrders(account.sellerId, [recent(fixture('us-fbm-gift-promotions.json'), orderId)]);
      await h.admin.setOrderStatus(orderId, 'SHIPPED', { at: minutesAgo(10) });
      const workflowId = `finance-sync:${account.id}:recorded`;
      await h.client.workflow.execute('financeSync', {
        taskQueue: h.taskQueue,
        workflowId,
        args: [{ accountId: account.id, reason: 'manual' }],
      });
      return workflowId;
    },
  },
  {
    name: 'webhookDelivery.delivered-then-gone',
    async run(h) {
      const receiver = await webhookReceiver();
      try {
        const webhook = await createWebhook(h.testDb.db, {
          url: receiver.url,
          types: ['*'],
          keyring: keyringFromEnv(),
        });
        await startWebhookDelivery(h.client, { taskQueue: h.taskQueue, endpointId: webhook.id, retryForMs: 60_000 });
        await emitEvents(h.testDb.db, [importedEvent(account.id, 'HOOK-1'), importedEvent(account.id, 'HOOK-2')]);
        await eventually(async () => {
          if (receiver.delivered().length < 2) throw new Error('not delivered yet');
        }, 60_000);
        // 410 Gone: the endpoint is disabled at once and the workflow ends.
        receiver.state.answer = 410;
        await emitEvents(h.testDb.db, [importedEvent(account.id, 'HOOK-3')]);
        const workflowId = webhookWorkflowId(webhook.id);
        await h.client.workflow.getHandle(workflowId).result();
        return workflowId;
      } finally {
        await receiver.close();
      }
    },
  },
];

/** The history as the Temporal CLI prints it: the format the UI downloads and Worker.runReplayHistory reads. */
function showHistory(workflowId: string): string {
  return execFileSync(
    process.env.TEMPORAL_CLI!,
    [
      'workflow',
      'show',
      '--workflow-id',
      workflowId,
      '--output',
      'json',
      '--address',
      process.env.TEMPORAL_TEST_ADDRESS!,
      '--namespace',
      'default',
    ],
    { encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 },
  );
}

async function main(): Promise<void> {
  const only = process.argv.slice(2);
  await globalSetup();
  const h = await startHarness({
    accounts: [account],
    env: { PII_RETENTION: '2s', CONNECTOR_WEBHOOK_ALLOWED_HOSTS: '127.0.0.1/32' },
  });
  try {
    for (const scenario of scenarios) {
      if (only.length && !only.includes(scenario.name)) continue;
      const workflowId = await scenario.run(h);
      const file = path.join(__dirname, `${scenario.name}.json`);
      fs.writeFileSync(file, showHistory(workflowId));
      process.stdout.write(
        `recorded ${path.relative(process.cwd(), file)} (${JSON.parse(fs.readFileSync(file, 'utf8')).events.length} events)\n`,
      );
    }
  } finally {
    await h.close();
    await globalTeardown();
  }
}

main().then(
  () => process.exit(0), // the Temporal native runtime would keep the process alive
  (err) => {
    process.stderr.write(`histories:record failed: ${err?.stack ?? err}\n`);
    process.exit(1);
  },
);
