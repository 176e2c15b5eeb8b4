import fs from 'fs';
import path from 'path';
import { Client, Connection } from '@temporalio/client';
import { defaultPayloadConverter, Payload } from '@temporalio/common';
import { decode } from '@temporalio/common/lib/encoding';
import { ENCRYPTED_ENCODING, codecFromEnv } from '../../lib/payload-codec';
import { orderWorkflowId } from '../../workflows/ids';
import { shipmentDone } from '../../workflows/order';
import type { OrderSyncResult } from '../../workflows/order-sync';
import { eventually, Harness, startHarness, TEST_SECRET_KEY } from '../support/harness';

/**
 * Secrets stay out of Temporal. A full FBM order run (import, a shipmentDone signal, confirmation to Amazon, the PII
 * retention timer, the purge) is fetched as Temporal stores it, with a client that has no payload key, and every
 * string and byte in it is searched for the credentials in use and the buyer's personal data.
 */
const US = 'ATVPDKIKX0DER';
const account = {
  id: `codec-${Date.now().toString(36)}`,
  sellerId: 'A4CODECSELLER01',
  region: 'na' as const,
  marketplaceIds: [US],
};
const credentials = {
  clientId: `amzn1.application-oa2-client.${account.id}`,
  clientSecret: `secret-${account.id}`,
  refreshToken: `Atzr|refresh-${account.id}`,
};
const amazonOrderId = '113-2000001-0000001';
const TRACKING = '1ZCODEC0000000001';
const minutesAgo = (n: number) => new Date(Date.now() - n * 60_000).toISOString();

/** Every string and every byte field (as UTF-8) of a history, with the path of each payload met on the way. */
function collect(value: unknown, texts: string[], payloads: Array<{ path: string; payload: Payload }>, at = ''): void {
  if (value === null || value === undefined) return;
  if (typeof value === 'string') return void texts.push(value);
  if (value instanceof Uint8Array) return void texts.push(Buffer.from(value).toString('utf8'));
  if (typeof value !== 'object') return;
  if (Array.isArray(value)) return value.forEach((v, i) => collect(v, texts, payloads, `${at}[${i}]`));
  const record = value as Record<string, unknown>;
  if (record.data instanceof Uint8Array && record.metadata && typeof record.metadata === 'object')
    payloads.push({ path: at, payload: record as Payload });
  for (const [k, v] of Object.entries(record)) collect(v, texts, payloads, `${at}.${k}`);
}

describe('secrets and buyer data stay out of Temporal: payloads are encrypted, inputs carry ids only', () => {
  let h: Harness;
  let plainConnection: Connection;
  let texts: string[];
  let payloads: Array<{ path: string; payload: Payload }>;
  const order = JSON.parse(
    fs.readFileSync(path.join(__dirname, '../fixtures/orders/us-fbm-gift-promotions.json'), 'utf8'),
  );
  const buyer = [
    order.buyer.buyerName,
    order.buyer.buyerEmail,
    order.recipient.deliveryAddress.name,
    order.recipient.deliveryAddress.addressLine1,
    order.recipient.deliveryAddress.phone,
    'Happy birthday, Dan',
  ];

  beforeAll(async () => {
    h = await startHarness({ accounts: [account], env: { PII_RETENTION: '2s' } });
    plainConnection = await Connection.connect({ address: process.env.TEMPORAL_TEST_ADDRESS! });
    await h.admin.addOrders(account.sellerId, [
      { ...order, orderId: amazonOrderId, createdTime: minutesAgo(60), lastUpdatedTime: minutesAgo(5) },
    ]);
    (await h.client.workflow.execute('orderSync', {
      taskQueue: h.taskQueue,
      workflowId: `codec-sync-${account.id}`,
      args: [{ accountId: account.id, since: minutesAgo(24 * 60) }],
    })) as OrderSyncResult;
    const handle = h.client.workflow.getHandle(orderWorkflowId(account.id, amazonOrderId));
    await eventually(async () =>
      expect((await h.testDb.db('sale_orders').where({ amazon_order_id: amazonOrderId }).first())?.state).toBe(
        'confirmed',
      ),
    );
    await handle.signal(shipmentDone, { carrier: 'UPS', trackingNumber: TRACKING });
    await handle.result(); // confirmed to Amazon, retention timer fired, PII purged

    // As `temporal workflow show --output json` without the codec: Temporal's stored bytes.
    const history = await new Client({ connection: plainConnection }).workflow
      .getHandle(orderWorkflowId(account.id, amazonOrderId))
      .fetchHistory();
    texts = [];
    payloads = [];
    collect(history, texts, payloads);
  }, 120_000);

  afterAll(async () => {
    await plainConnection?.close();
    await h?.close();
  });

  it('the stored history contains none of the credentials in use, nor the keys', () => {
    const all = texts.join('\n');
    for (const secret of [credentials.clientId, credentials.clientSecret, credentials.refreshToken, TEST_SECRET_KEY]) {
      expect({ secret, found: all.includes(secret) }).toEqual({ secret, found: false });
    }
  });

  it("the stored history contains neither the buyer's name, street, phone, e-mail nor gift message", () => {
    const all = texts.join('\n');
    for (const pii of buyer) expect({ pii, found: all.includes(pii) }).toEqual({ pii, found: false });
    // The signal's tracking number is there, but only as ciphertext.
    expect(all.includes(TRACKING)).toBe(false);
  });

  it('every payload but the search attributes and the patch markers (an id alone) is AES-GCM ciphertext with its key id', () => {
    // patched() markers are written by the SDK's core, past the codec: they must hold the patch id and nothing else.
    const isPatch = (path: string) => /markerRecordedEventAttributes\.details\.patch-data/.test(path);
    const patches = payloads.filter((p) => isPatch(p.path)).map((p) => defaultPayloadConverter.fromPayload(p.payload));
    expect(patches).toEqual([{ id: 'import-requests-stock-sync', deprecated: false }]);
    const data = payloads.filter((p) => !/searchAttributes/.test(p.path) && !isPatch(p.path));
    expect(data.length).toBeGreaterThan(10);
    const clear = data.filter((p) => decode(p.payload.metadata!.encoding!) !== ENCRYPTED_ENCODING).map((p) => p.path);
    expect(clear).toEqual([]);
    expect(new Set(data.map((p) => decode(p.payload.metadata!['encryption-key-id']!)))).toEqual(
      new Set(['derived-k1']),
    );
  });

  it('decoded with the key, the same payloads hold the workflow input (ids only), the signal and the results', async () => {
    const codec = codecFromEnv({ CONNECTOR_SECRET_KEY: TEST_SECRET_KEY })!;
    const values = await Promise.all(
      payloads
        .filter((p) => !/searchAttributes/.test(p.path))
        .map(async (p) => defaultPayloadConverter.fromPayload((await codec.decode([p.payload]))[0])),
    );
    const decoded = JSON.stringify(values);
    expect(values).toContainEqual({
      accountId: account.id,
      header: expect.objectContaining({ amazonOrderId, channel: 'FBM' }),
    });
    expect(values).toContainEqual({ carrier: 'UPS', trackingNumber: TRACKING });
    expect(values).toContainEqual(expect.objectContaining({ amazonOrderId, phase: 'done', state: 'shipped' }));
    for (const pii of buyer) expect({ pii, found: decoded.includes(pii) }).toEqual({ pii, found: false });
    for (const secret of Object.values(credentials))
      expect({ secret, found: decoded.includes(secret) }).toEqual({ secret, found: false });
  });
});
