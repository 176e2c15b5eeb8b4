import type { SQSClient } from '@aws-sdk/client-sqs';
import type { MotoServer } from '../../lib/moto';
import { applicationIdOf } from '../../sandbox/notification-publisher';
import { grantlessToken, newQueue, startTestMoto } from './notifications-support';
import {
  connectorClient,
  expectError,
  expectModel,
  newSeller,
  startTestSandbox,
  TestSandbox,
  TestSeller,
  US,
} from './support';

/** Notifications API v1 as notifications.json defines it: destinations are grantless, subscriptions the seller's. */

const FILE = 'notifications.json';
const DESTINATIONS = '/notifications/v1/destinations';
const DESTINATION = '/notifications/v1/destinations/{destinationId}';
const SUBSCRIPTION = '/notifications/v1/subscriptions/{notificationType}';
const SUBSCRIPTION_BY_ID = '/notifications/v1/subscriptions/{notificationType}/{subscriptionId}';

let t: TestSandbox;
let moto: MotoServer;
let sqs: SQSClient;
let seller: TestSeller;
let grantless: string;

beforeAll(async () => {
  ({ moto, sqs } = await startTestMoto());
  t = await startTestSandbox();
  seller = await newSeller(t, { marketplaceIds: [US] });
  grantless = await grantlessToken(t, seller);
});
afterAll(async () => {
  await t.close();
  sqs.destroy();
  await moto.stop();
});

const createDestination = (arn: string, token = grantless) =>
  seller.call('POST', DESTINATIONS, { token, body: { name: 'orders', resourceSpecification: { sqs: { arn } } } });
const createSubscription = (destinationId: string, who: TestSeller = seller) =>
  who.call('POST', '/notifications/v1/subscriptions/ORDER_CHANGE', { body: { payloadVersion: '1.0', destinationId } });

describe('destinations (grantless)', () => {
  test('createDestination answers the Destination; getDestinations and getDestination show it; the same ARN again is a 409 Conflict', async () => {
    const { arn } = await newQueue(sqs);
    const created = await createDestination(arn);
    expect(created.status).toBe(200);
    expectModel(FILE, DESTINATIONS, 'post', created);
    expect(created.json.payload).toEqual({
      destinationId: expect.any(String),
      name: 'orders',
      resource: { sqs: { arn } },
    });
    expect(created.headers['x-amzn-ratelimit-limit']).toBe('1');
    const id = created.json.payload.destinationId;

    const list = await seller.call('GET', DESTINATIONS, { token: grantless });
    expectModel(FILE, DESTINATIONS, 'get', list);
    expect(list.json.payload).toContainEqual(created.json.payload);
    const one = await seller.call('GET', `${DESTINATIONS}/${id}`, { token: grantless });
    expectModel(FILE, DESTINATION, 'get', one);
    expect(one.json.payload).toEqual(created.json.payload);

    const again = await createDestination(arn);
    expectError(again, 409, 'Conflict');
    expectModel(FILE, DESTINATIONS, 'post', again);
    expect(again.json.errors[0].details).toBe(
      `A destination with arn ${arn} already exists for the application ${applicationIdOf(seller.spec.clientId)}`,
    );
  });

  test('deleteDestination is refused while a subscription delivers there, then deletes; a deleted one is a 404', async () => {
    const { arn } = await newQueue(sqs);
    const id = (await createDestination(arn)).json.payload.destinationId;
    const sub = (await createSubscription(id)).json.payload;
    const refused = await seller.call('DELETE', `${DESTINATIONS}/${id}`, { token: grantless });
    expectError(refused, 403, 'Unauthorized');
    expect(refused.json.errors[0].details).toBe('Destination has subscriptions');
    await seller.call('DELETE', `/notifications/v1/subscriptions/ORDER_CHANGE/${sub.subscriptionId}`, {
      token: grantless,
    });
    const deleted = await seller.call('DELETE', `${DESTINATIONS}/${id}`, { token: grantless });
    expect([deleted.status, deleted.json]).toEqual([200, {}]);
    expectModel(FILE, DESTINATION, 'delete', deleted);
    for (const method of ['GET', 'DELETE']) {
      const gone = await seller.call(method, `${DESTINATIONS}/${id}`, { token: grantless });
      expectError(gone, 404, 'NotFound');
      expectModel(FILE, DESTINATION, method.toLowerCase(), gone);
    }
  });

  test('bad createDestination bodies are 400 InvalidInput naming the field', async () => {
    const bad = async (body: unknown, words: RegExp) => {
      const res = await seller.call('POST', DESTINATIONS, { token: grantless, body });
      expectError(res, 400, 'InvalidInput');
      expectModel(FILE, DESTINATIONS, 'post', res);
      expect(res.json.errors[0].message).toMatch(words);
    };
    await bad({ resourceSpecification: { sqs: { arn: 'arn:aws:sqs:us-east-1:123456789012:q' } } }, /name/);
    await bad({ name: 'x', resourceSpecification: { sqs: { arn: 'https://sqs.amazonaws.com/q' } } }, /arn/);
    await bad({ name: 'x', resourceSpecification: {} }, /resourceSpecification/);
    await bad({ name: 'x', resourceSpecification: { eventBridge: { region: 'us-east-1', accountId: '1' } } }, /SQS/);
  });

  test('destinations belong to the application: another client id sees none of them', async () => {
    const { arn } = await newQueue(sqs);
    const id = (await createDestination(arn)).json.payload.destinationId;
    const other = await newSeller(t, { marketplaceIds: [US], clientId: 'amzn1.application-oa2-client.other' });
    const token = await grantlessToken(t, other);
    expect((await other.call('GET', DESTINATIONS, { token })).json).toEqual({ payload: [] });
    expectError(await other.call('GET', `${DESTINATIONS}/${id}`, { token }), 404, 'NotFound');
  });
});

describe('subscriptions', () => {
  test('createSubscription (seller token) answers the Subscription; getSubscription and getSubscriptionById (grantless) return it; a second one is a 409 StateConflict', async () => {
    const { arn } = await newQueue(sqs);
    const destinationId = (await createDestination(arn)).json.payload.destinationId;
    const created = await createSubscription(destinationId);
    expect(created.status).toBe(200);
    expectModel(FILE, SUBSCRIPTION, 'post', created);
    expect(created.json.payload).toEqual({ subscriptionId: expect.any(String), payloadVersion: '1.0', destinationId });
    const { subscriptionId } = created.json.payload;

    const mine = await seller.call('GET', '/notifications/v1/subscriptions/ORDER_CHANGE');
    expectModel(FILE, SUBSCRIPTION, 'get', mine);
    expect(mine.json.payload).toEqual(created.json.payload);
    const byId = await seller.call('GET', `/notifications/v1/subscriptions/ORDER_CHANGE/${subscriptionId}`, {
      token: grantless,
    });
    expectModel(FILE, SUBSCRIPTION_BY_ID, 'get', byId);
    expect(byId.json.payload).toEqual(created.json.payload);
    const otherVersion = await seller.call('GET', '/notifications/v1/subscriptions/ORDER_CHANGE', {
      query: { payloadVersion: '2.0' },
    });
    expectError(otherVersion, 404, 'NotFound');

    const again = await createSubscription(destinationId);
    expectError(again, 409, 'StateConflict');
    expectModel(FILE, SUBSCRIPTION, 'post', again);
    expect(again.json.errors[0].details).toBe('Subscription already exist for notification type ORDER_CHANGE');

    const deleted = await seller.call('DELETE', `/notifications/v1/subscriptions/ORDER_CHANGE/${subscriptionId}`, {
      token: grantless,
    });
    expect([deleted.status, deleted.json]).toEqual([200, {}]);
    expectModel(FILE, SUBSCRIPTION_BY_ID, 'delete', deleted);
    const gone = await seller.call('GET', '/notifications/v1/subscriptions/ORDER_CHANGE');
    expectError(gone, 404, 'NotFound');
    expectModel(FILE, SUBSCRIPTION, 'get', gone);
    const goneById = await seller.call('GET', `/notifications/v1/subscriptions/ORDER_CHANGE/${subscriptionId}`, {
      token: grantless,
    });
    expectError(goneById, 404, 'NotFound');
    expectModel(FILE, SUBSCRIPTION_BY_ID, 'get', goneById);
  });

  test('bad createSubscription requests are 400 InvalidInput naming the field', async () => {
    const { arn } = await newQueue(sqs);
    const destinationId = (await createDestination(arn)).json.payload.destinationId;
    const bad = async (type: string, body: unknown, words: RegExp) => {
      const res = await seller.call('POST', `/notifications/v1/subscriptions/${type}`, { body });
      expectError(res, 400, 'InvalidInput');
      expectModel(FILE, SUBSCRIPTION, 'post', res);
      expect(res.json.errors[0].message).toMatch(words);
    };
    await bad('ORDER_CHANGE', { destinationId }, /payloadVersion/);
    await bad('ORDER_CHANGE', { payloadVersion: '9.9', destinationId }, /payloadVersion 9.9/);
    await bad('ORDER_CHANGE', { payloadVersion: '1.0' }, /destinationId/);
    await bad('ORDER_CHANGE', { payloadVersion: '1.0', destinationId: 'nope' }, /No destination with id 'nope'/);
    await bad('ANY_OFFER_CHANGED', { payloadVersion: '1.0', destinationId }, /ANY_OFFER_CHANGED/);
    const directive = (processingDirective: unknown) => ({ payloadVersion: '1.0', destinationId, processingDirective });
    await bad('ORDER_CHANGE', directive({ eventFilter: { marketplaceIds: [US] } }), /eventFilterType/);
    await bad(
      'ORDER_CHANGE',
      directive({ eventFilter: { eventFilterType: 'ORDER_CHANGE', orderChangeTypes: ['Nope'] } }),
      /orderChangeTypes/,
    );
    await bad('ORDER_CHANGE', directive({ filterExpression: 'true' }), /filterExpression/);
  });
});

describe('grantless tokens', () => {
  test('a seller’s token is refused on a grantless operation, and a grantless token on a seller operation, with Amazon’s 403', async () => {
    const { arn } = await newQueue(sqs);
    const sellerToken = await createDestination(arn, seller.token);
    expectError(sellerToken, 403, 'Unauthorized');
    expectModel(FILE, DESTINATIONS, 'post', sellerToken);
    expect(sellerToken.json.errors[0].message).toBe('Access to requested resource is denied.');
    expectError(await seller.call('GET', DESTINATIONS), 403, 'Unauthorized');

    const destinationId = (await createDestination(arn)).json.payload.destinationId;
    const onSubscribe = await seller.call('POST', '/notifications/v1/subscriptions/ORDER_CHANGE', {
      token: grantless,
      body: { payloadVersion: '1.0', destinationId },
    });
    expectError(onSubscribe, 403, 'Unauthorized');
    expectError(await seller.call('GET', '/notifications/v1/subscriptions/ORDER_CHANGE', { token: grantless }), 403);

    const rotation = await grantlessToken(t, seller, 'sellingpartnerapi::client_credential:rotation');
    expectError(await seller.call('GET', DESTINATIONS, { token: rotation }), 403, 'Unauthorized');
    expectError(await seller.call('GET', DESTINATIONS, { token: null }), 403, 'Unauthorized');
  });

  test('the amazon-sp-api client does it all through the endpoint agent: a client_credentials token for the grantless operations, the refresh token for the seller’s', async () => {
    const sp = connectorClient(t, seller);
    const { arn } = await newQueue(sqs);
    await t.admin.clearStats();
    const destination = await sp.callAPI({
      operation: 'createDestination',
      endpoint: 'notifications',
      body: { name: 'via amazon-sp-api', resourceSpecification: { sqs: { arn } } },
    });
    expect(destination).toMatchObject({ name: 'via amazon-sp-api', resource: { sqs: { arn } } });
    const subscription = await sp.callAPI({
      operation: 'createSubscription',
      endpoint: 'notifications',
      path: { notificationType: 'ORDER_CHANGE' },
      body: { payloadVersion: '1.0', destinationId: destination.destinationId },
    });
    const read = await sp.callAPI({
      operation: 'getSubscription',
      endpoint: 'notifications',
      path: { notificationType: 'ORDER_CHANGE' },
    });
    expect(read).toEqual(subscription);
    await sp.callAPI({
      operation: 'deleteSubscriptionById',
      endpoint: 'notifications',
      path: { notificationType: 'ORDER_CHANGE', subscriptionId: subscription.subscriptionId },
    });
    await sp.callAPI({
      operation: 'deleteDestination',
      endpoint: 'notifications',
      path: { destinationId: destination.destinationId },
    });
    const destinations = await sp.callAPI({ operation: 'getDestinations', endpoint: 'notifications' });
    expect(destinations.map((d: any) => d.destinationId)).not.toContain(destination.destinationId);
    const ops = (await t.admin.stats()).operations;
    // One grantless token and one seller token, each reused.
    expect(ops.lwaToken['2xx']).toBe(2);
    for (const op of ['createDestination', 'createSubscription', 'getSubscription', 'deleteSubscriptionById'])
      expect({ op, ok: ops[op]?.['2xx'] }).toEqual({ op, ok: 1 });
  });
});
