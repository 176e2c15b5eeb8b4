import { loadModel } from '../support/models';
import { CA, EU_HOST, expectModel, NA_HOST, newSeller, startTestSandbox, TestSandbox, UK, US } from './support';

/**
 * Amazon's own static sandbox examples (x-amzn-api-sandbox in the models), replayed against the sandbox: the same request
 * gets an answer of the same shape — for orders, the very same orders once the example's data is stored.
 */

interface StaticExample {
  status: number;
  parameters: Record<string, any>;
  response: any;
}

function examples(file: string, path: string, method: string): StaticExample[] {
  const op = loadModel(file).paths[path][method];
  return Object.entries<any>(op.responses).flatMap(([status, r]) =>
    (r['x-amzn-api-sandbox']?.static ?? []).map((ex: any) => ({
      status: Number(status),
      parameters: Object.fromEntries(Object.entries<any>(ex.request.parameters ?? {}).map(([k, v]) => [k, v.value])),
      response: ex.response,
    })),
  );
}

const HOST_OF: Record<string, string> = {
  A1VC38T7YXB528: 'sellingpartnerapi-fe.amazon.com',
  A1F83G8C2ARO7P: EU_HOST,
  A33AVAJ2PDY3EV: EU_HOST,
};
const hostOf = (marketplaceId: string) => HOST_OF[marketplaceId] ?? NA_HOST;
/** Keys of an object, to compare shapes; `details` is optional in every model (Amazon's examples have it or not). */
const keys = (o: object) =>
  Object.keys(o)
    .filter((k) => k !== 'details')
    .sort();

let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox({ feedQueueMs: 10, feedProcessingMs: 10 });
});
afterAll(() => t.close());

describe('orders_2026-01-01.json', () => {
  const FILE = 'orders_2026-01-01.json';
  const SEARCH = '/orders/2026-01-01/orders';
  const GET = '/orders/2026-01-01/orders/{orderId}';

  test.each(
    examples(FILE, SEARCH, 'get').map(
      (e) => [e.status, e.parameters.marketplaceIds?.[0] ?? e.parameters.createdAfter, e] as const,
    ),
  )('searchOrders %s (%s) answers the example’s orders', async (status, _label, ex) => {
    const marketplaceId = ex.parameters.marketplaceIds?.[0] ?? US;
    const seller = await newSeller(t, { marketplaceIds: [marketplaceId] });
    if (status === 200) await t.admin.addOrders(seller.sellerId, ex.response.orders);
    // Amazon's example paginationToken is its own opaque token: the replay asks for the first page.
    const { paginationToken: _token, ...query } = ex.parameters;
    const res = await seller.call('GET', SEARCH, { query, host: hostOf(marketplaceId) });
    expect(res.status).toBe(status);
    expectModel(FILE, SEARCH, 'get', res);
    if (status === 200) {
      expect(res.json.orders).toEqual(ex.response.orders);
      expect(keys(res.json)).toEqual(keys(ex.response).filter((k) => k !== 'pagination'));
    } else {
      expect(keys(res.json.errors[0])).toEqual(keys(ex.response.errors[0]));
    }
  });

  test.each(examples(FILE, GET, 'get').map((e) => [e.status, e.parameters.orderId, e] as const))(
    'getOrder %s (%s) answers the example’s order',
    async (status, orderId, ex) => {
      const marketplaceId = ex.response.order?.salesChannel.marketplaceId ?? US;
      const seller = await newSeller(t, { marketplaceIds: [marketplaceId] });
      if (status === 200) await t.admin.addOrders(seller.sellerId, [ex.response.order]);
      const res = await seller.call('GET', `/orders/2026-01-01/orders/${orderId}`, {
        query: { includedData: ex.parameters.includedData ?? [] },
        host: hostOf(marketplaceId),
      });
      expect(res.status).toBe(status);
      expectModel(FILE, GET, 'get', res);
      if (status === 200) expect(res.json).toEqual(ex.response);
      else expect(res.json.errors[0].code).toBe(ex.response.errors[0].code);
    },
  );
});

describe('ordersV0.json confirmShipment', () => {
  const PATH = '/orders/v0/orders/{orderId}/shipmentConfirmation';
  let seller: Awaited<ReturnType<typeof newSeller>>;
  beforeAll(async () => {
    seller = await newSeller(t, { marketplaceIds: [US] });
  });

  test.each(examples('ordersV0.json', PATH, 'post').map((e) => [e.status, e] as const))(
    '%s: the example’s request gets the same answer',
    async (status, ex) => {
      const { orderId, body } = ex.parameters;
      // Placed the day before the example's ship date: Amazon refuses a ship date before the order was placed.
      const time = new Date(Date.parse(body.packageDetail.shipDate) - 86_400_000).toISOString();
      await t.admin.addOrders(seller.sellerId, [
        {
          orderId,
          createdTime: time,
          lastUpdatedTime: time,
          salesChannel: { channelName: 'AMAZON', marketplaceId: US },
          fulfillment: { fulfillmentStatus: 'UNSHIPPED', fulfilledBy: 'MERCHANT' },
          orderItems: body.packageDetail.orderItems.map((i: any) => ({
            orderItemId: i.orderItemId,
            quantityOrdered: i.quantity,
            product: { sellerSku: 'SKU' },
          })),
        },
      ]);
      const res = await seller.call('POST', `/orders/v0/orders/${orderId}/shipmentConfirmation`, { body });
      expect(res.status).toBe(status);
      if (status === 204) expect(res.text).toBe('');
      else {
        expectModel('ordersV0.json', PATH, 'post', res);
        expect(keys(res.json)).toEqual(keys(ex.response));
      }
    },
  );
});

describe('feeds_2021-06-30.json', () => {
  const FILE = 'feeds_2021-06-30.json';

  test('createFeedDocument 201 and 400, getFeedDocument 200 and 400: the examples’ requests, the examples’ shapes', async () => {
    const seller = await newSeller(t, { marketplaceIds: [US, UK] });
    for (const ex of examples(FILE, '/feeds/2021-06-30/documents', 'post')) {
      const res = await seller.call('POST', '/feeds/2021-06-30/documents', { body: ex.parameters.body });
      expect(res.status).toBe(ex.status);
      expectModel(FILE, '/feeds/2021-06-30/documents', 'post', res);
      expect(ex.status === 201 ? keys(res.json) : keys(res.json.errors[0])).toEqual(
        ex.status === 201 ? keys(ex.response) : keys(ex.response.errors[0]),
      );
    }
    const created = await seller.call('POST', '/feeds/2021-06-30/documents', { body: { contentType: 'text/plain' } });
    for (const ex of examples(FILE, '/feeds/2021-06-30/documents/{feedDocumentId}', 'get')) {
      const id = ex.status === 200 ? created.json.feedDocumentId : ex.parameters.feedDocumentId;
      const res = await seller.call('GET', `/feeds/2021-06-30/documents/${encodeURIComponent(id)}`);
      expect(res.status).toBe(ex.status);
      expect(ex.status === 200 ? keys(res.json) : keys(res.json.errors[0])).toEqual(
        ex.status === 200 ? keys(ex.response) : keys(ex.response.errors[0]),
      );
    }
  });

  test('createFeed 202 (the example with JSON_LISTINGS_FEED: the sandbox processes no XML feeds) and 400; getFeed, getFeeds and cancelFeed errors', async () => {
    const seller = await newSeller(t, { marketplaceIds: [US, UK] });
    const doc = await seller.call('POST', '/feeds/2021-06-30/documents', { body: { contentType: 'application/json' } });
    for (const ex of examples(FILE, '/feeds/2021-06-30/feeds', 'post')) {
      const body =
        ex.status === 202
          ? { ...ex.parameters.body, feedType: 'JSON_LISTINGS_FEED', inputFeedDocumentId: doc.json.feedDocumentId }
          : ex.parameters.body;
      const res = await seller.call('POST', '/feeds/2021-06-30/feeds', { body });
      expect(res.status).toBe(ex.status);
      expect(ex.status === 202 ? keys(res.json) : keys(res.json.errors[0])).toEqual(
        ex.status === 202 ? keys(ex.response) : keys(ex.response.errors[0]),
      );
    }
    for (const [path, method] of [
      ['/feeds/2021-06-30/feeds/{feedId}', 'get'],
      ['/feeds/2021-06-30/feeds/{feedId}', 'delete'],
      ['/feeds/2021-06-30/feeds', 'get'],
    ] as const) {
      for (const ex of examples(FILE, path, method).filter((e) => e.status === 400)) {
        const { feedId, ...query } = ex.parameters;
        const res = await seller.call(method.toUpperCase(), path.replace('{feedId}', feedId), { query });
        expect([path, method, res.status]).toEqual([path, method, 400]);
        expect(keys(res.json.errors[0])).toEqual(keys(ex.response.errors[0]));
      }
    }
    const list = examples(FILE, '/feeds/2021-06-30/feeds', 'get').find((e) => e.status === 200)!;
    const res = await seller.call('GET', '/feeds/2021-06-30/feeds', { query: list.parameters });
    expectModel(FILE, '/feeds/2021-06-30/feeds', 'get', res);
  });
});

describe('listingsItems_2021-08-01.json', () => {
  const FILE = 'listingsItems_2021-08-01.json';

  test('getListingsItem 200: the example’s item, as far as the sandbox keeps listings (no images, issues or per-marketplace prices)', async () => {
    const [ex] = examples(FILE, '/listings/2021-08-01/items/{sellerId}/{sku}', 'get').filter((e) => e.status === 200);
    const seller = await newSeller(t, { marketplaceIds: [US, CA] });
    const summary = ex.response.summaries[0];
    await t.admin.putListing(seller.sellerId, ex.response.sku, {
      marketplaceIds: [US, CA],
      productType: summary.productType,
      asin: summary.asin,
      itemName: summary.itemName,
      price: '100.00',
      quantity: 100,
    });
    const res = await seller.call('GET', `/listings/2021-08-01/items/${seller.sellerId}/${ex.response.sku}`, {
      query: { marketplaceIds: [US, CA], includedData: ['summaries', 'offers', 'fulfillmentAvailability', 'issues'] },
    });
    expectModel(FILE, '/listings/2021-08-01/items/{sellerId}/{sku}', 'get', res);
    expect(keys(res.json)).toEqual(keys(ex.response));
    expect(res.json.summaries).toHaveLength(2);
    const { mainImage: _image, createdDate: _c, lastUpdatedDate: _u, status: _s, ...comparable } = summary;
    expect(res.json.summaries[0]).toMatchObject(comparable);
    expect(res.json.fulfillmentAvailability).toEqual(ex.response.fulfillmentAvailability);
  });

  test('patchListingsItem 200 (ACCEPTED, VALIDATION_PREVIEW VALID and INVALID): the examples’ shapes', async () => {
    const seller = await newSeller(t, { marketplaceIds: [US] });
    await t.admin.putListing(seller.sellerId, 'GM-ZDPI-9B4E', {
      marketplaceId: US,
      productType: 'LUGGAGE',
      quantity: 1,
      asin: 'B07N4M94X4',
    });
    await t.admin.putListing(seller.sellerId, 'VALIDATION_VALID', {
      marketplaceId: US,
      productType: 'LUGGAGE',
      quantity: 1,
      asin: 'B07N4M94X4',
    });
    const body = {
      productType: 'LUGGAGE',
      patches: [
        {
          op: 'replace',
          path: '/attributes/fulfillment_availability',
          value: [{ fulfillment_channel_code: 'DEFAULT', quantity: 3 }],
        },
      ],
    };
    for (const ex of examples(FILE, '/listings/2021-08-01/items/{sellerId}/{sku}', 'patch').filter(
      (e) => e.status === 200,
    )) {
      const sku = ex.parameters.sku ?? 'GM-ZDPI-9B4E';
      const { sku: _sku, body: _body, ...query } = ex.parameters;
      const res = await seller.call('PATCH', `/listings/2021-08-01/items/${seller.sellerId}/${sku}`, {
        query: { marketplaceIds: [US], ...query },
        body,
      });
      expectModel(FILE, '/listings/2021-08-01/items/{sellerId}/{sku}', 'patch', res);
      expect({ sku, status: res.json.status, keys: keys(res.json) }).toEqual({
        sku,
        status: ex.response.status,
        keys: keys(ex.response),
      });
      if (ex.response.identifiers?.length) expect(res.json.identifiers).toEqual(ex.response.identifiers);
    }
  });

  test('searchListingsItems 200 and 400: the examples’ requests, the examples’ shapes', async () => {
    const seller = await newSeller(t, { marketplaceIds: [US, CA] });
    for (const sku of ['GM-ZDPI-9B4E', 'HW-ZDPI-9B4E', 'TC-ZDPI-9B4E'])
      await t.admin.putListing(seller.sellerId, sku, {
        marketplaceIds: [US, CA],
        productType: 'LUGGAGE',
        quantity: 100,
      });
    for (const ex of examples(FILE, '/listings/2021-08-01/items/{sellerId}', 'get')) {
      const { sellerId: _id, ...query } = ex.parameters;
      const res = await seller.call('GET', `/listings/2021-08-01/items/${seller.sellerId}`, { query });
      expect(res.status).toBe(ex.status);
      expectModel(FILE, '/listings/2021-08-01/items/{sellerId}', 'get', res);
      if (ex.status === 200) {
        expect(res.json.numberOfResults).toBe(ex.response.numberOfResults);
        expect(res.json.items).toHaveLength(ex.response.items.length);
        expect(keys(res.json.items[0])).toEqual(keys(ex.response.items[0]));
        expect(res.json.pagination.nextToken).toEqual(expect.any(String));
      } else {
        expect(res.json.errors[0].code).toBe(ex.response.errors[0].code);
      }
    }
  });
});

test('sellers.json getMarketplaceParticipations 200: exactly the example for a US seller named BestSellerStore', async () => {
  const [ex] = examples('sellers.json', '/sellers/v1/marketplaceParticipations', 'get');
  const seller = await newSeller(t, { marketplaceIds: [US], storeName: 'BestSellerStore' });
  const res = await seller.call('GET', '/sellers/v1/marketplaceParticipations');
  expect(res.json).toEqual(ex.response);
});

describe('finances_2024-06-19.json listTransactions', () => {
  const FILE = 'finances_2024-06-19.json';
  const PATH = '/finances/2024-06-19/transactions';

  test.each(examples(FILE, PATH, 'get').map((e) => [e.status, e] as const))(
    '%s: the example’s request, the example’s shape (400: the very same error)',
    async (status, ex) => {
      const seller = await newSeller(t, { marketplaceIds: [US] });
      // Amazon's example nextToken is its own opaque token: the replay asks for the first page.
      const { nextToken: _token, ...query } = ex.parameters;
      const res = await seller.call('GET', PATH, { query });
      expect(res.status).toBe(status);
      expectModel(FILE, PATH, 'get', res);
      if (status === 200)
        expect(keys(res.json.payload)).toEqual(keys(ex.response.payload).filter((k) => k !== 'nextToken'));
      else expect(res.json).toEqual(ex.response);
    },
  );
});
