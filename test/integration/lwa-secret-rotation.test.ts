import { WorkflowFailedError } from '@temporalio/client';
import { loadAccountCredentials, saveAccount } from '../../book/accounts';
import { listAppSecrets } from '../../book/lwa-apps';
import { orderView } from '../../book/orders';
import { orderHeader } from '../../activities/spapi/order-mapping';
import { keyringFromEnv } from '../../lib/secrets';
import { signalOrder } from '../../lib/workflow-client';
import { orderWorkflowId } from '../../workflows/ids';
import type { OrderSyncResult } from '../../workflows/order-sync';
import { runCli } from '../support/cli';
import { SHIPMENT_WAIT_MS } from '../../servers/api-v1/shipping';
import { eventually, Harness, startHarness } from '../support/harness';
import { fixture, recentOrder, US } from '../support/orders';

/**
 * Amazon refuses an LWA client secret 180 days after it was issued, and then every call of every account of the app
 * fails. `connector apps rotate-secret` swaps the new one into every account of the app while the worker runs: orders
 * keep flowing, and what an expired secret stopped (flagged orders, a failed sync) comes back without loss.
 */
const A = { id: 'lwa-a', sellerId: 'A5LWAROTATEA01', region: 'na' as const, marketplaceIds: [US] };
const B = { id: 'lwa-b', sellerId: 'A5LWAROTATEB02', region: 'na' as const, marketplaceIds: [US] };
// The harness gives account A these app credentials; B authorized the same app (one client id, one secret).
const CLIENT_ID = `amzn1.application-oa2-client.${A.id}`;
const FIRST_SECRET = `secret-${A.id}`;

let h: Harness;
let syncs = 0;
let orders = 0;
const savedEnv = { ...process.env };

/** A new FBM order of the seller in the sandbox, updated 5 minutes ago. */
async function newOrder(seller: { sellerId: string }): Promise<any> {
  const id = `113-74${String(++orders).padStart(5, '0')}-0000001`;
  const order = recentOrder(fixture('us-fbm-gift-promotions.json'), id);
  await h.admin.addOrders(seller.sellerId, [order]);
  return order;
}

/** An orderSync run as the schedule starts it: from the account's cursor, which it advances when it ends. */
const sync = (accountId: string, workflowId = `lwa-sync-${accountId}-${++syncs}`) =>
  h.client.workflow.execute('orderSync', {
    taskQueue: h.taskQueue,
    workflowId,
    args: [{ accountId }],
  }) as Promise<OrderSyncResult>;

const stateOf = async (amazonOrderId: string) => (await orderView(h.testDb.db, { amazonOrderId }))?.state;

/** LWA token requests the sandbox refused since the last call: invalid_client shows here first. */
async function refusedTokenRequests(): Promise<number> {
  const lwa = (await h.admin.stats()).operations.lwaToken;
  await h.admin.clearStats();
  return lwa?.['4xx'] ?? 0;
}

beforeAll(async () => {
  h = await startHarness({ accounts: [A] });
  await h.admin.createSeller({
    sellerId: B.sellerId,
    marketplaceIds: B.marketplaceIds,
    clientId: CLIENT_ID,
    clientSecret: FIRST_SECRET,
    refreshToken: `Atzr|refresh-${B.id}`,
  });
  await saveAccount(h.testDb.db, {
    keyring: keyringFromEnv(),
    account: {
      ...B,
      endpoint: h.sandbox.url,
      clientId: CLIENT_ID,
      clientSecret: FIRST_SECRET,
      refreshToken: `Atzr|refresh-${B.id}`,
    },
    marketplaces: [{ marketplaceId: US, participating: true, enabled: true }],
  });
  Object.assign(process.env, {
    DATABASE_URL: h.testDb.url,
    TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
    TEMPORAL_TASK_QUEUE: h.taskQueue,
  });
  delete process.env.CONNECTOR_LWA_CLIENT_SECRET;
});

afterAll(async () => {
  process.env = savedEnv;
  await h?.close();
});

/** `connector apps rotate-secret --client-id <app>`, the new secret handed over in CONNECTOR_LWA_CLIENT_SECRET. */
const rotate = (secret: string, ...extra: string[]) =>
  runCli(['--json', 'apps', 'rotate-secret', '--client-id', CLIENT_ID, ...extra], {
    CONNECTOR_LWA_CLIENT_SECRET: secret,
  });

describe('connector apps rotate-secret', () => {
  it('swaps the new secret into every account of the app while the worker runs, and orders keep flowing', async () => {
    const [a1, b1] = [await newOrder(A), await newOrder(B)];
    await sync(A.id);
    await sync(B.id);
    await eventually(async () =>
      expect([await stateOf(a1.orderId), await stateOf(b1.orderId)]).toEqual(['confirmed', 'confirmed']),
    );
    const worker = h.connector;

    // Amazon rotates: the new secret works at once, the old one for 7 more days.
    const { newClientSecret } = await h.admin.rotateAppSecret(CLIENT_ID);
    const { json, error } = await rotate(newClientSecret);
    expect(error).toBeUndefined();
    expect(json).toMatchObject({
      clientId: CLIENT_ID,
      accounts: [A.id, B.id],
      status: 'ok',
      expiryAssumed: false,
      verified: true,
      keyId: 'k1',
    });
    expect(Date.parse(json.expiresAt) - Date.now()).toBeGreaterThan(179 * 86_400_000);
    const keyring = keyringFromEnv();
    for (const id of [A.id, B.id])
      expect((await loadAccountCredentials(h.testDb.db, { keyring, accountId: id })).clientSecret).toBe(
        newClientSecret,
      );

    // The old secret's grace ends and every access token expires: only a worker on the new secret gets through.
    await h.admin.expireAppSecret(CLIENT_ID, 'old');
    for (const seller of [A, B]) await h.admin.expireAccessTokens(seller.sellerId);
    await refusedTokenRequests();
    const [a2, b2] = [await newOrder(A), await newOrder(B)];
    await sync(A.id);
    await sync(B.id);
    await eventually(async () =>
      expect([await stateOf(a2.orderId), await stateOf(b2.orderId)]).toEqual(['confirmed', 'confirmed']),
    );
    expect(await refusedTokenRequests()).toBe(0);
    expect(h.connector).toBe(worker); // never restarted
  });

  it('refuses the secret the app already has, and a secret LWA refuses, and saves nothing', async () => {
    const before = await h.testDb.db('seller_accounts').select('id', 'client_secret_enc', 'updated_at').orderBy('id');
    const current = (await loadAccountCredentials(h.testDb.db, { keyring: keyringFromEnv(), accountId: A.id }))
      .clientSecret;
    expect((await rotate(current)).error).toMatch(/^the secret given is the one app .* already has/);
    expect((await rotate('amzn1.oa2-cs.v1.typo')).error).toMatch(
      /^--client-id amzn1\.application-oa2-client\.lwa-a and the new client secret were refused by Login with Amazon \(invalid_client\).*nothing was saved$/,
    );
    expect(
      (await runCli(['apps', 'rotate-secret', '--client-id', 'amzn1.application-oa2-client.nobody'])).error,
    ).toMatch(/^--client-id amzn1\.application-oa2-client\.nobody: no account uses this app/);
    expect(await h.testDb.db('seller_accounts').select('id', 'client_secret_enc', 'updated_at').orderBy('id')).toEqual(
      before,
    );
  });
});

describe('an expired secret', () => {
  /** An order signalled from elsewhere (a notification, a resync): its import calls getOrder. */
  async function signalNewOrder(seller: { id: string; sellerId: string }) {
    const order = await newOrder(seller);
    await signalOrder(h.client, { taskQueue: h.taskQueue, accountId: seller.id, header: orderHeader(order) });
    return order;
  }

  it('fails the calls as AmazonAuthFailed: orders and shipments are flagged with the reason, the sync fails with its cursor kept; after rotate-secret and `orders retry` they go through', async () => {
    // Each account's client holds an access token (its last call needed one), which runs out with the hour.
    const warm = await signalNewOrder(B);
    const toShip = await signalNewOrder(A);
    await eventually(async () =>
      expect([await stateOf(warm.orderId), await stateOf(toShip.orderId)]).toEqual(['confirmed', 'confirmed']),
    );
    // No rotation in time: Amazon refuses the secret at the next token request.
    await h.admin.expireAppSecret(CLIENT_ID);
    for (const seller of [A, B]) await h.admin.expireAccessTokens(seller.sellerId);

    const signalled = await signalNewOrder(B);
    const flagged = await eventually(async () => {
      const view = await orderView(h.testDb.db, { amazonOrderId: signalled.orderId });
      expect(view?.state).toBe('needs_attention');
      return view!;
    });
    expect(flagged.attentionReason).toMatch(/^getOrder: Login with Amazon refused the credentials \(invalid_client\)/);

    // A package shipped meanwhile stays to be confirmed, the order flagged with the reason; `ship` says so at once
    // (it does not wait its 30 s for an answer that cannot come) and exits 1.
    const blockedReason =
      /^package 1 \(tracking 1ZLWAEXPIRED01\) not confirmed: confirmShipment: Login with Amazon refused the credentials \(invalid_client\)/;
    const shipped = Date.now();
    const shipping = await runCli(['ship', toShip.orderId, '--carrier', 'UPS', '--tracking', '1ZLWAEXPIRED01']);
    expect(Date.now() - shipped).toBeLessThan(SHIPMENT_WAIT_MS);
    expect(shipping.error).toBeUndefined();
    expect(shipping.exitCode).toBe(1);
    expect(shipping.stdout).toMatch(
      /^package 1 \(tracking 1ZLWAEXPIRED01\) recorded but NOT sent to Amazon: package 1 .*not confirmed: .*invalid_client/,
    );
    expect(shipping.stdout).toContain(`connector orders retry ${toShip.orderId}`);
    const unconfirmed = await orderView(h.testDb.db, { amazonOrderId: toShip.orderId });
    expect(unconfirmed?.state).toBe('needs_attention');
    expect(unconfirmed?.attentionReason).toMatch(blockedReason);
    expect(unconfirmed?.deliveries.find((d) => d.tracking === '1ZLWAEXPIRED01')).toMatchObject({
      confirmation: 'pending',
      confirmationError: expect.stringMatching(blockedReason),
    });

    const cursor = async () =>
      (await h.testDb.db('seller_accounts').where({ id: A.id }).first('order_cursor')).order_cursor;
    const cursorBefore = await cursor();
    const missed = await newOrder(A);
    const failedSync = `lwa-sync-${A.id}-expired`;
    const failure = await sync(A.id, failedSync).then(
      () => undefined,
      (err) => err,
    );
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect(failure.cause?.cause).toMatchObject({
      type: 'AmazonAuthFailed',
      message: expect.stringMatching(/Login with Amazon refused the credentials \(invalid_client\)/),
    });
    expect(await cursor()).toEqual(cursorBefore);
    const [app] = await listAppSecrets(h.testDb.db, { clientId: CLIENT_ID });
    expect(app.accounts).toEqual([A.id, B.id]);

    // Amazon issues a new secret; the connector takes it, and what was stopped comes back.
    const { newClientSecret } = await h.admin.rotateAppSecret(CLIENT_ID);
    const expires = new Date(Date.now() + 170 * 86_400_000).toISOString().slice(0, 10);
    expect((await rotate(newClientSecret, '--secret-expires', expires)).json).toMatchObject({
      expiresAt: `${expires}T00:00:00.000Z`,
      status: 'ok',
    });
    for (const flaggedOrder of [signalled, toShip])
      expect((await runCli(['orders', 'retry', flaggedOrder.orderId])).error).toBeUndefined();
    await eventually(async () =>
      expect([await stateOf(signalled.orderId), await stateOf(toShip.orderId)]).toEqual(['confirmed', 'shipped']),
    );
    expect((await h.admin.getOrder(toShip.orderId))?.fulfillment?.fulfillmentStatus).toBe('SHIPPED');
    expect(
      (await orderView(h.testDb.db, { amazonOrderId: toShip.orderId }))?.deliveries.find(
        (d) => d.tracking === '1ZLWAEXPIRED01',
      ),
    ).toMatchObject({ confirmation: 'confirmed', confirmationError: null });
    const handle = h.client.workflow.getHandle(orderWorkflowId(B.id, signalled.orderId));
    expect((await handle.describe()).status.name).toBe('RUNNING');

    // The next run (under the same id, as `connector replay` would start it: the failed run no longer counts).
    const next = await sync(A.id, failedSync);
    expect(Date.parse(next.window.lastUpdatedAfter)).toBeLessThan(Date.parse(missed.lastUpdatedTime));
    await eventually(async () => expect(await stateOf(missed.orderId)).toBe('confirmed'));
  });
});
