import zlib from 'node:zlib';
import { expectValid, jsonSchema } from '../support/models';
import { expectError, expectModel, http, newSeller, startTestSandbox, TestSandbox, TestSeller, US } from './support';

/** Feeds API 2021-06-30 with JSON_LISTINGS_FEED: documents, processing, the processing report, and listings updated. */

const FILE = 'feeds_2021-06-30.json';
const CONTENT_TYPE = 'application/json; charset=UTF-8';
let clock = Date.now();
let t: TestSandbox;
let seller: TestSeller;

beforeAll(async () => {
  t = await startTestSandbox({ now: () => clock, feedQueueMs: 1000, feedProcessingMs: 1000 });
  seller = await newSeller(t, { marketplaceIds: [US] });
});
afterAll(() => t.close());

/** Sends a document URL (an Amazon host) to the sandbox, as the client's agent does. */
function viaSandbox(
  url: string,
  opts: { method?: string; headers?: Record<string, string>; body?: string | Buffer } = {},
) {
  const u = new URL(url);
  return http(`${t.url}${u.pathname}${u.search}`, { ...opts, headers: { host: u.host, ...(opts.headers ?? {}) } });
}

async function uploadFeed(doc: unknown): Promise<string> {
  const created = await seller.call('POST', '/feeds/2021-06-30/documents', { body: { contentType: CONTENT_TYPE } });
  expect(created.status).toBe(201);
  const put = await viaSandbox(created.json.url, {
    method: 'PUT',
    headers: { 'content-type': CONTENT_TYPE },
    body: typeof doc === 'string' ? doc : JSON.stringify(doc),
  });
  expect(put.status).toBe(200);
  return created.json.feedDocumentId;
}

async function createFeed(doc: unknown): Promise<string> {
  const inputFeedDocumentId = await uploadFeed(doc);
  const res = await seller.call('POST', '/feeds/2021-06-30/feeds', {
    body: { feedType: 'JSON_LISTINGS_FEED', marketplaceIds: [US], inputFeedDocumentId },
  });
  expect(res.status).toBe(202);
  expectModel(FILE, '/feeds/2021-06-30/feeds', 'post', res);
  return res.json.feedId;
}

const getFeed = (feedId: string) => seller.call('GET', `/feeds/2021-06-30/feeds/${feedId}`);

async function report(feedId: string): Promise<any> {
  clock += 2500;
  const feed = await getFeed(feedId);
  const doc = await seller.call(
    'GET',
    `/feeds/2021-06-30/documents/${encodeURIComponent(feed.json.resultFeedDocumentId)}`,
  );
  expectModel(FILE, '/feeds/2021-06-30/documents/{feedDocumentId}', 'get', doc);
  expect(doc.json.compressionAlgorithm).toBe('GZIP');
  const body = await viaSandbox(doc.json.url);
  const parsed = JSON.parse(zlib.gunzipSync(body.raw).toString('utf8'));
  expectValid(jsonSchema('listings-feed-processing-report-schema-v2.json'), parsed, 'processing report');
  return { feed: feed.json, report: parsed };
}

const header = () => ({ sellerId: seller.sellerId, version: '2.0', issueLocale: 'en_US' });
const patch = (messageId: number, sku: string, value: unknown[], op = 'replace') => ({
  messageId,
  sku,
  operationType: 'PATCH',
  productType: 'PRODUCT',
  patches: [{ op, path: '/attributes/fulfillment_availability', value }],
});

test('createFeedDocument is 201 with a presigned URL on Amazon’s document host; the upload must use the same content type', async () => {
  const res = await seller.call('POST', '/feeds/2021-06-30/documents', { body: { contentType: CONTENT_TYPE } });
  expectModel(FILE, '/feeds/2021-06-30/documents', 'post', res);
  expect(res.json.feedDocumentId).toMatch(/^amzn1\.tortuga\.4\.na\./);
  expect(new URL(res.json.url).host).toBe('tortuga-prod-na.s3-external-1.amazonaws.com');
  const wrongType = await viaSandbox(res.json.url, {
    method: 'PUT',
    headers: { 'content-type': 'text/xml' },
    body: '{}',
  });
  expect([wrongType.status, wrongType.text]).toEqual([
    403,
    expect.stringContaining('<Code>SignatureDoesNotMatch</Code>'),
  ]);
  const ok = await viaSandbox(res.json.url, { method: 'PUT', headers: { 'content-type': CONTENT_TYPE }, body: '{}' });
  expect(ok.status).toBe(200);
});

test('a feed goes IN_QUEUE → IN_PROGRESS → DONE; its report counts each message, and accepted quantities reach the listings', async () => {
  const put = (sku: string, fulfillmentChannelCode: string, quantity?: number) =>
    t.admin.putListing(seller.sellerId, sku, {
      marketplaceId: US,
      productType: 'PRODUCT',
      fulfillmentChannelCode,
      quantity,
    });
  await put('SKU-A', 'DEFAULT', 5);
  await put('SKU-B', 'DEFAULT', 5);
  await put('SKU-C', 'DEFAULT', 5);
  await put('SKU-FBA', 'AMAZON_NA');
  const feedId = await createFeed({
    header: header(),
    messages: [
      patch(1, 'SKU-A', [{ fulfillment_channel_code: 'DEFAULT', quantity: 42 }]),
      patch(2, 'SKU-UNKNOWN', [{ fulfillment_channel_code: 'DEFAULT', quantity: 1 }]),
      patch(3, 'SKU-B', [{ fulfillment_channel_code: 'DEFAULT', quantity: -1 }]),
      patch(4, 'SKU-FBA', [{ fulfillment_channel_code: 'DEFAULT', quantity: 3 }]),
      {
        messageId: 5,
        sku: 'SKU-C',
        operationType: 'PARTIAL_UPDATE',
        productType: 'PRODUCT',
        attributes: { fulfillment_availability: [{ fulfillment_channel_code: 'DEFAULT', quantity: 7 }] },
      },
      patch(6, 'SKU-B', [{ fulfillment_channel_code: 'DEFAULT', quantity: 0 }], 'merge'),
    ],
  });
  const queued = await getFeed(feedId);
  expectModel(FILE, '/feeds/2021-06-30/feeds/{feedId}', 'get', queued);
  expect(queued.json).toMatchObject({
    feedId,
    feedType: 'JSON_LISTINGS_FEED',
    marketplaceIds: [US],
    processingStatus: 'IN_QUEUE',
  });
  clock += 1500;
  expect((await getFeed(feedId)).json).toMatchObject({
    processingStatus: 'IN_PROGRESS',
    processingStartTime: expect.any(String),
  });
  expect((await t.admin.getListing(seller.sellerId, 'SKU-A'))!.quantity).toBe(5);

  const { feed, report: r } = await report(feedId);
  expect(feed).toMatchObject({
    processingStatus: 'DONE',
    processingEndTime: expect.any(String),
    resultFeedDocumentId: expect.any(String),
  });
  expect(r.header).toEqual({ sellerId: seller.sellerId, version: '2.0', feedId });
  expect(r.summary).toEqual({ errors: 3, warnings: 0, messagesProcessed: 6, messagesAccepted: 3, messagesInvalid: 3 });
  expect(r.issues.map((i: any) => [i.messageId, i.sku, i.code, i.severity])).toEqual([
    [2, 'SKU-UNKNOWN', 'SKU_NOT_FOUND', 'ERROR'],
    [3, 'SKU-B', 'INVALID_QUANTITY', 'ERROR'],
    [4, 'SKU-FBA', 'FULFILLMENT_CHANNEL_MISMATCH', 'ERROR'],
  ]);
  const quantity = async (sku: string) => (await t.admin.getListing(seller.sellerId, sku))!.quantity;
  expect([
    await quantity('SKU-A'),
    await quantity('SKU-B'),
    await quantity('SKU-C'),
    await quantity('SKU-FBA'),
  ]).toEqual([42, 0, 7, undefined]);
  expect((await t.admin.stats()).feeds).toMatchObject({ messages: expect.any(Number) });
});

test('header.report.includedData puts the touched listings in the report', async () => {
  await t.admin.putListing(seller.sellerId, 'SKU-R', { marketplaceId: US, productType: 'PRODUCT', quantity: 1 });
  const feedId = await createFeed({
    header: {
      ...header(),
      report: { includedData: ['fulfillmentAvailability', 'summaries'], apiVersion: '2021-08-01' },
    },
    messages: [patch(1, 'SKU-R', [{ fulfillment_channel_code: 'DEFAULT', quantity: 9 }])],
  });
  const { report: r } = await report(feedId);
  expect(r.items).toEqual([
    expect.objectContaining({
      sku: 'SKU-R',
      fulfillmentAvailability: [{ fulfillmentChannelCode: 'DEFAULT', quantity: 9 }],
    }),
  ]);
  expect(r.summary.itemSummary).toEqual({ items: 1, errors: 0, warnings: 0 });
});

test.each([
  ['not JSON', 'this is not json'],
  ['the wrong version', { header: { sellerId: 'X', version: '1.0' }, messages: [] }],
  [
    'a PATCH without patches',
    {
      header: { sellerId: 'X', version: '2.0' },
      messages: [{ messageId: 1, sku: 'S', operationType: 'PATCH', productType: 'P' }],
    },
  ],
  [
    'more than 25,000 messages',
    {
      header: { sellerId: 'X', version: '2.0' },
      messages: Array.from({ length: 25_001 }, (_, i) => ({ messageId: i + 1, sku: 'S', operationType: 'DELETE' })),
    },
  ],
])('a document with %s ends FATAL, with a report that says why', async (_case, doc) => {
  const feedId = await createFeed(doc);
  const { feed, report: r } = await report(feedId);
  expect(feed.processingStatus).toBe('FATAL');
  expect(r.summary.messagesProcessed).toBe(0);
  expect(r.issues[0]).toMatchObject({ severity: 'ERROR', message: expect.any(String) });
});

test('a feed whose document was never uploaded ends FATAL', async () => {
  const created = await seller.call('POST', '/feeds/2021-06-30/documents', { body: { contentType: CONTENT_TYPE } });
  const res = await seller.call('POST', '/feeds/2021-06-30/feeds', {
    body: { feedType: 'JSON_LISTINGS_FEED', marketplaceIds: [US], inputFeedDocumentId: created.json.feedDocumentId },
  });
  const { feed } = await report(res.json.feedId);
  expect(feed.processingStatus).toBe('FATAL');
});

const DOCS = '/feeds/2021-06-30/documents';
const FEEDS = '/feeds/2021-06-30/feeds';
test.each([
  ['createFeedDocument without contentType', 'POST', DOCS, DOCS, {}, 400],
  [
    'createFeed of a feed type the sandbox does not process',
    'POST',
    FEEDS,
    FEEDS,
    { feedType: 'POST_PRODUCT_DATA', marketplaceIds: [US], inputFeedDocumentId: 'x' },
    400,
  ],
  [
    'createFeed for a marketplace of another seller',
    'POST',
    FEEDS,
    FEEDS,
    { feedType: 'JSON_LISTINGS_FEED', marketplaceIds: ['A1PA6795UKMFR9'], inputFeedDocumentId: 'x' },
    400,
  ],
  [
    'createFeed with an unknown document',
    'POST',
    FEEDS,
    FEEDS,
    { feedType: 'JSON_LISTINGS_FEED', marketplaceIds: [US], inputFeedDocumentId: 'badDocumentId' },
    400,
  ],
  ['getFeed of a malformed id', 'GET', `${FEEDS}/badFeedId1`, `${FEEDS}/{feedId}`, undefined, 400],
  ['getFeed of an unknown id', 'GET', `${FEEDS}/123`, `${FEEDS}/{feedId}`, undefined, 404],
  ['getFeedDocument of a malformed id', 'GET', `${DOCS}/badDocumentId1`, `${DOCS}/{feedDocumentId}`, undefined, 400],
  [
    'getFeedDocument of an unknown id',
    'GET',
    `${DOCS}/amzn1.tortuga.4.na.unknown`,
    `${DOCS}/{feedDocumentId}`,
    undefined,
    404,
  ],
  ['getFeeds without feedTypes', 'GET', FEEDS, FEEDS, undefined, 400],
])('%s is an error in the ErrorList shape', async (_case, method, path, template, body, status) => {
  const res = await seller.call(method, path, { body });
  expectError(res, status);
  expectModel(FILE, template, method.toLowerCase(), res);
});

test('cancelFeed cancels a queued feed only; getFeeds lists the seller’s feeds', async () => {
  const feedId = await createFeed({
    header: header(),
    messages: [patch(1, 'SKU-A', [{ fulfillment_channel_code: 'DEFAULT', quantity: 1 }])],
  });
  expect((await seller.call('DELETE', `/feeds/2021-06-30/feeds/${feedId}`)).status).toBe(200);
  expect((await getFeed(feedId)).json.processingStatus).toBe('CANCELLED');
  const done = await createFeed({
    header: header(),
    messages: [patch(1, 'SKU-A', [{ fulfillment_channel_code: 'DEFAULT', quantity: 1 }])],
  });
  clock += 2500;
  expectError(await seller.call('DELETE', `/feeds/2021-06-30/feeds/${done}`), 400);
  const list = await seller.call('GET', '/feeds/2021-06-30/feeds', {
    query: { feedTypes: ['JSON_LISTINGS_FEED'], pageSize: 2 },
  });
  expectModel(FILE, '/feeds/2021-06-30/feeds', 'get', list);
  expect(list.json.feeds).toHaveLength(2);
  const next = await seller.call('GET', '/feeds/2021-06-30/feeds', { query: { nextToken: list.json.nextToken } });
  expect(next.json.feeds[0].feedId).not.toBe(list.json.feeds[0].feedId);
});

test('document URLs expire after 5 minutes; enableContentEncodingUrlHeader serves the report with Content-Encoding: gzip', async () => {
  const feedId = await createFeed({
    header: header(),
    messages: [patch(1, 'SKU-A', [{ fulfillment_channel_code: 'DEFAULT', quantity: 3 }])],
  });
  clock += 2500;
  const { resultFeedDocumentId } = (await getFeed(feedId)).json;
  const doc = await seller.call('GET', `/feeds/2021-06-30/documents/${encodeURIComponent(resultFeedDocumentId)}`, {
    query: { enableContentEncodingUrlHeader: true },
  });
  const download = await viaSandbox(doc.json.url);
  expect(download.headers['content-encoding']).toBe('gzip');
  clock += 301_000;
  const late = await viaSandbox(doc.json.url);
  expect([late.status, late.text]).toEqual([403, expect.stringContaining('<Code>AccessDenied</Code>')]);
});

test('JSON_LISTINGS_FEED has its own limit: 5 feeds per 5 minutes', async () => {
  await t.admin.setConfig({ rateLimits: 'real' });
  try {
    const s = await newSeller(t, { marketplaceIds: [US] });
    const submit = async () => {
      const created = await s.call('POST', '/feeds/2021-06-30/documents', { body: { contentType: CONTENT_TYPE } });
      return s.call('POST', '/feeds/2021-06-30/feeds', {
        body: {
          feedType: 'JSON_LISTINGS_FEED',
          marketplaceIds: [US],
          inputFeedDocumentId: created.json.feedDocumentId,
        },
      });
    };
    const statuses = [];
    for (let i = 0; i < 6; i++) statuses.push((await submit()).status);
    expect(statuses).toEqual([202, 202, 202, 202, 202, 429]);
    clock += 61_000; // one listings-feed token back (5 per 300 s)
    expect((await submit()).status).toBe(202);
  } finally {
    await t.admin.setConfig({ rateLimits: 'off' });
  }
});
