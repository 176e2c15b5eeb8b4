import zlib from 'node:zlib';
import { callSpApi } from '../../activities/spapi/call';
import { AccountCredentials, buildSellingPartner, exchangeAuthorizationCode } from '../../activities/spapi/client';
import { expectValid, jsonSchema, response } from '../support/models';
import { sellerSpec, startTestSandbox, TestSandbox, US } from './support';

/**
 * The unmodified amazon-sp-api client, configured exactly as the connector configures it (buildSellingPartner with the
 * sandbox as endpoint), reaches every part of the sandbox: LWA, SP-API operations, and feed document URLs.
 */

let t: TestSandbox;
let creds: AccountCredentials;
beforeAll(async () => {
  t = await startTestSandbox({ feedQueueMs: 50, feedProcessingMs: 50 });
  const spec = sellerSpec({ marketplaceIds: [US] });
  await t.admin.createSeller(spec);
  await t.admin.generateOrders(spec.sellerId, { count: 120, seed: 3 });
  creds = {
    accountId: 'acct-1',
    sellerId: spec.sellerId,
    region: 'na',
    endpoint: t.url,
    clientId: spec.clientId,
    clientSecret: spec.clientSecret,
    refreshToken: spec.refreshToken,
  };
});
afterAll(() => t.close());

const since = () => new Date(Date.now() - 72 * 3_600_000).toISOString();

test('searchOrders pages to the end through the client, every page in the 200 schema', async () => {
  const sp = buildSellingPartner(creds);
  const seen = new Set<string>();
  const createdAfter = since(); // the same filters on every page: only maxResultsPerPage and includedData may change
  let paginationToken: string | undefined;
  do {
    const page = await callSpApi(sp, {
      operation: 'searchOrders',
      endpoint: 'orders',
      query: {
        createdAfter,
        maxResultsPerPage: 50,
        includedData: ['BUYER', 'RECIPIENT', 'PROCEEDS', 'FULFILLMENT', 'PACKAGES'],
        ...(paginationToken ? { paginationToken } : {}),
      },
    });
    expectValid(response('orders_2026-01-01.json', '/orders/2026-01-01/orders', 'get', 200), page, 'searchOrders page');
    page.orders.forEach((o: any) => seen.add(o.orderId));
    paginationToken = page.pagination?.nextToken;
  } while (paginationToken);
  expect(seen.size).toBe(120);
});

test('getOrder, then confirmShipment (v0, the client falls back from 2026-01-01), then getOrder shows the package', async () => {
  const sp = buildSellingPartner(creds);
  // amazon-sp-api clears its response timer on the first body byte only, so a 204 leaves a 20 s timer that keeps jest
  // alive after the run; this test does without the response timeout (the deadline timeout still applies).
  (sp as any)._options.timeouts = { ...(sp as any)._options.timeouts, response: 0 };
  const list = await callSpApi(sp, {
    operation: 'searchOrders',
    endpoint: 'orders',
    query: { createdAfter: since(), fulfillmentStatuses: ['UNSHIPPED'], fulfilledBy: ['MERCHANT'] },
  });
  const orderId = list.orders[0].orderId;
  const { order } = await callSpApi(sp, {
    operation: 'getOrder',
    endpoint: 'orders',
    path: { orderId },
    query: { includedData: ['FULFILLMENT'] },
  });
  const items = order.orderItems.map((i: any) => ({ orderItemId: i.orderItemId, quantity: i.quantityOrdered }));
  const confirmed = await callSpApi(sp, {
    operation: 'confirmShipment',
    endpoint: 'orders',
    path: { orderId },
    body: {
      marketplaceId: US,
      packageDetail: {
        packageReferenceId: '1',
        carrierCode: 'USPS',
        trackingNumber: '9400111899223344556677',
        shipDate: new Date().toISOString(),
        orderItems: items,
      },
    },
  });
  expect(confirmed).toEqual({});
  const after = await callSpApi(sp, {
    operation: 'getOrder',
    endpoint: 'orders',
    path: { orderId },
    query: { includedData: ['FULFILLMENT', 'PACKAGES'] },
  });
  expect(after.order.fulfillment.fulfillmentStatus).toBe('SHIPPED');
  expect(after.order.packages[0]).toMatchObject({ carrier: 'USPS', trackingNumber: '9400111899223344556677' });
});

test('after Amazon’s 403 for an expired token, the client refreshes it at LWA and the call succeeds', async () => {
  const sp = buildSellingPartner(creds);
  await callSpApi(sp, { operation: 'getMarketplaceParticipations', endpoint: 'sellers' });
  await t.admin.clearStats();
  await t.admin.expireAccessTokens(creds.sellerId);
  const participations = await callSpApi(sp, { operation: 'getMarketplaceParticipations', endpoint: 'sellers' });
  expect(participations.payload[0].marketplace.id).toBe(US);
  const { operations } = await t.admin.stats();
  expect(operations.getMarketplaceParticipations).toMatchObject({ calls: 2, '2xx': 1, '4xx': 1 });
  expect(operations.lwaToken).toMatchObject({ calls: 1, '2xx': 1 });
});

test('a feed document is uploaded to its URL and the gzipped report downloaded from its URL, by the client', async () => {
  const sp = buildSellingPartner(creds);
  await t.admin.putListing(creds.sellerId, 'DEMO-SKU-1', { marketplaceId: US, productType: 'PRODUCT', quantity: 1 });
  const contentType = 'application/json; charset=UTF-8';
  const document = await callSpApi(sp, { operation: 'createFeedDocument', endpoint: 'feeds', body: { contentType } });
  const feedDoc = {
    header: { sellerId: creds.sellerId, version: '2.0' },
    messages: [
      {
        messageId: 1,
        sku: 'DEMO-SKU-1',
        operationType: 'PATCH',
        productType: 'PRODUCT',
        patches: [
          {
            op: 'replace',
            path: '/attributes/fulfillment_availability',
            value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 31 }],
          },
        ],
      },
    ],
  };
  expect(await sp.upload(document, { content: JSON.stringify(feedDoc), contentType })).toEqual({ success: true });
  const { feedId } = await callSpApi(sp, {
    operation: 'createFeed',
    endpoint: 'feeds',
    body: { feedType: 'JSON_LISTINGS_FEED', marketplaceIds: [US], inputFeedDocumentId: document.feedDocumentId },
  });
  await t.admin.settled('feed'); // the feed has run through IN_QUEUE and IN_PROGRESS
  const feed = await callSpApi(sp, { operation: 'getFeed', endpoint: 'feeds', path: { feedId } });
  expect(feed.processingStatus).toBe('DONE');
  const result = await callSpApi(sp, {
    operation: 'getFeedDocument',
    endpoint: 'feeds',
    path: { feedDocumentId: feed.resultFeedDocumentId },
  });
  const text = await sp.download(result);
  const report = JSON.parse(String(text));
  expectValid(jsonSchema('listings-feed-processing-report-schema-v2.json'), report, 'report');
  expect(report.summary).toMatchObject({ messagesProcessed: 1, messagesAccepted: 1 });
  expect((await t.admin.getListing(creds.sellerId, 'DEMO-SKU-1'))!.quantity).toBe(31);
  const raw = await sp.download(result, { unzip: false });
  expect(zlib.gunzipSync(raw as unknown as Buffer).toString('utf8')).toBe(JSON.stringify(report));
});

test('account linking: the consent page’s code is exchanged for a refresh token through the client', async () => {
  const consent = await fetch(
    t.admin.consentUrl({
      applicationId: 'amzn1.sp.solution.x',
      state: 's1',
      redirectUri: 'http://127.0.0.1:1/cb',
      sellerId: creds.sellerId,
    }),
    { redirect: 'manual' },
  );
  const code = new URL(consent.headers.get('location')!).searchParams.get('spapi_oauth_code')!;
  const refreshToken = await exchangeAuthorizationCode(
    { clientId: creds.clientId, clientSecret: creds.clientSecret, region: 'na', endpoint: t.url },
    code,
  );
  const sp = buildSellingPartner({ ...creds, refreshToken });
  expect(
    (await callSpApi(sp, { operation: 'getMarketplaceParticipations', endpoint: 'sellers' })).payload,
  ).toHaveLength(1);
});
