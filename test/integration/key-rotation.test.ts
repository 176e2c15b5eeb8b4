import crypto from 'crypto';
import fs from 'fs';
import path from 'path';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, Payload } from '@temporalio/common';
import { decode } from '@temporalio/common/lib/encoding';
import { codecFromEnv, createDataConverter, ENCRYPTED_ENCODING } from '../../lib/payload-codec';
import { orderWorkflowId } from '../../workflows/ids';
import { shipmentDone } from '../../workflows/order';
import type { OrderSyncResult } from '../../workflows/order-sync';
import { runCli } from '../support/cli';
import { eventually, Harness, startHarness, TEST_SECRET_KEY } from '../support/harness';

/**
 * Order workflows live 30 days and more, so rotating CONNECTOR_SECRET_KEY (docs/accounts.md, "Rotating the key") must
 * leave every open one readable: an FBM order is imported under the old key, the key rotates as the docs say (new key
 * and id, the old key in CONNECTOR_OLD_SECRET_KEYS, workers restarted, `connector keys rotate`), and the order still
 * ships, is confirmed to Amazon and closes; every payload of its history decodes with the new settings.
 */
const US = 'ATVPDKIKX0DER';
const account = {
  id: `rotate-${Date.now().toString(36)}`,
  sellerId: 'A5ROTATESELLER1',
  region: 'na' as const,
  marketplaceIds: [US],
};
const amazonOrderId = '113-7000001-0000001';
const NEW_KEY = crypto.randomBytes(32).toString('hex');
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();

/** Every payload of a history, with where it was met. */
function payloadsOf(value: unknown, out: Array<{ path: string; payload: Payload }> = [], at = '') {
  if (!value || typeof value !== 'object') return out;
  if (Array.isArray(value)) value.forEach((v, i) => payloadsOf(v, out, `${at}[${i}]`));
  else {
    const record = value as Record<string, unknown>;
    if (record.data instanceof Uint8Array && record.metadata && typeof record.metadata === 'object')
      out.push({ path: at, payload: record as Payload });
    for (const [k, v] of Object.entries(record)) payloadsOf(v, out, `${at}.${k}`);
  }
  return out;
}

describe('rotating the secret key as docs/accounts.md says leaves open order workflows running and readable', () => {
  let h: Harness;
  let connection: Connection;
  const saved = { ...process.env };

  beforeAll(async () => {
    h = await startHarness({ accounts: [account], env: { PII_RETENTION: '2s' } });
    connection = await Connection.connect({ address: process.env.TEMPORAL_TEST_ADDRESS! });
    const order = JSON.parse(
      fs.readFileSync(path.join(__dirname, '../fixtures/orders/us-fbm-gift-promotions.json'), 'utf8'),
    );
    await h.admin.addOrders(account.sellerId, [
      { ...order, orderId: amazonOrderId, createdTime: minutesAgo(60), lastUpdatedTime: minutesAgo(5) },
    ]);
    (await h.client.workflow.execute('orderSync', {
      taskQueue: h.taskQueue,
      workflowId: `rotate-sync-${account.id}`,
      args: [{ accountId: account.id, since: minutesAgo(24 * 60) }],
    })) as OrderSyncResult;
    await eventually(async () =>
      expect((await h.testDb.db('sale_orders').where({ amazon_order_id: amazonOrderId }).first())?.state).toBe(
        'confirmed',
      ),
    );
  });

  afterAll(async () => {
    await h?.client.workflow
      .getHandle(orderWorkflowId(account.id, amazonOrderId))
      .terminate('test over')
      .catch(() => undefined);
    await connection?.close();
    await h?.close();
    process.env = saved;
  });

  it('after the rotation the order ships and closes, and its whole history decodes with the new settings', async () => {
    // docs/accounts.md: the old key readable under its id, the new key active under a new id, workers restarted.
    process.env.CONNECTOR_OLD_SECRET_KEYS = `k1:${TEST_SECRET_KEY}`;
    process.env.CONNECTOR_SECRET_KEY = NEW_KEY;
    process.env.CONNECTOR_SECRET_KEY_ID = 'k2';
    await h.restartWorker();
    const rotate = await runCli(['--json', 'keys', 'rotate'], { DATABASE_URL: h.testDb.url });
    expect(rotate.error).toBeUndefined();
    expect(rotate.json).toMatchObject({ activeKeyId: 'k2', resealed: 1 });

    const client = new Client({ connection, dataConverter: createDataConverter() });
    const handle = client.workflow.getHandle(orderWorkflowId(account.id, amazonOrderId));
    await handle.signal(shipmentDone, { carrier: 'UPS', trackingNumber: '1ZROTATE000000001' });
    // A worker that cannot decode the history retries its workflow task forever: bound the wait to say so.
    const result = await Promise.race([
      handle.result(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error('the order workflow did not complete after the key rotation')), 60_000),
      ),
    ]);
    expect(result).toMatchObject({ amazonOrderId, phase: 'done', state: 'shipped' });

    const history = await new Client({ connection }).workflow
      .getHandle(orderWorkflowId(account.id, amazonOrderId))
      .fetchHistory();
    const sealed = payloadsOf(history)
      .filter((p) => !/searchAttributes/.test(p.path))
      .filter((p) => decode(p.payload.metadata!.encoding!) === ENCRYPTED_ENCODING);
    const keyIds = new Set(sealed.map((p) => decode(p.payload.metadata!['encryption-key-id']!)));
    expect(keyIds).toEqual(new Set(['derived-k1', 'derived-k2']));
    const codec = codecFromEnv()!;
    const decoded = await codec.decode(sealed.map((p) => p.payload));
    const values = decoded.map((p) => defaultPayloadConverter.fromPayload(p));
    expect(values).toContainEqual({ carrier: 'UPS', trackingNumber: '1ZROTATE000000001' });
    expect(values).toContainEqual({ accountId: account.id, header: expect.objectContaining({ amazonOrderId }) });
  });
});
