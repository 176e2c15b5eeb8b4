import {
  accessToken,
  DE,
  EU_HOST,
  expectError,
  expectModel,
  HttpResult,
  newSeller,
  startTestSandbox,
  TestSandbox,
  TestSeller,
  US,
} from './support';
import { parameterEnum } from '../../lib/sp-api-models';

/** Orders API 2026-01-01 searchOrders and getOrder: the contract of orders_2026-01-01.json, answered over HTTP. */

const FILE = 'orders_2026-01-01.json';
const SEARCH = '/orders/2026-01-01/orders';
const GET = '/orders/2026-01-01/orders/{orderId}';
const ALL_DATA = parameterEnum(FILE, SEARCH, 'get', 'includedData');

let clock = Date.now();
let t: TestSandbox;
let seller: TestSeller;
let orderIds: string[];
const ago = (minutes: number) => new Date(clock - minutes * 60_000).toISOString();
const search = (query: Record<string, any>, s = seller) => s.call('GET', SEARCH, { query });
const getOrder = (orderId: string, query: Record<string, any> = {}, s = seller) =>
  s.call('GET', `/orders/2026-01-01/orders/${orderId}`, { query });
const searchOk = (res: HttpResult) => {
  expect([res.status, res.text.slice(0, 300)]).toEqual([200, expect.any(String)]);
  expectModel(FILE, SEARCH, 'get', res);
  return res.json;
};

beforeAll(async () => {
  t = await startTestSandbox({ now: () => clock });
  seller = await newSeller(t, { marketplaceIds: [US, 'A2EUQ1WTGCTBG2', 'A1AM78C64UM0Y8', DE] });
  ({ orderIds } = await t.admin.generateOrders(seller.sellerId, {
    count: 250,
    seed: 11,
    marketplaceIds: [US, 'A2EUQ1WTGCTBG2', 'A1AM78C64UM0Y8'],
  }));
});
afterAll(() => t.close());

describe('searchOrders', () => {
  test('pages to the end: every page validates, each order comes once, oldest update first, with the effective lastUpdatedBefore', async () => {
    const seen: string[] = [];
    let token: string | undefined;
    let pages = 0;
    let last = '';
    do {
      const body = searchOk(
        await search({
          lastUpdatedAfter: ago(72 * 60),
          maxResultsPerPage: 37,
          includedData: ALL_DATA,
          ...(token ? { paginationToken: token } : {}),
        }),
      );
      pages++;
      for (const o of body.orders) {
        expect(o.lastUpdatedTime >= last).toBe(true);
        last = o.lastUpdatedTime;
        seen.push(o.orderId);
      }
      expect(body.lastUpdatedBefore).toBe(ago(2));
      token = body.pagination?.nextToken;
    } while (token);
    expect(pages).toBe(Math.ceil(250 / 37));
    expect(seen.sort()).toEqual([...orderIds].sort());
  });

  test('createdAfter and createdBefore are inclusive ("at or after", "at or before")', async () => {
    const s = await newSeller(t, { marketplaceIds: [US] });
    const at = ago(60);
    const raw = (id: string, createdTime: string) => ({
      orderId: id,
      createdTime,
      lastUpdatedTime: createdTime,
      salesChannel: { channelName: 'AMAZON', marketplaceId: US },
      orderItems: [],
    });
    await t.admin.addOrders(s.sellerId, [
      raw('111-0000001-0000001', at),
      raw('111-0000001-0000002', ago(61)),
      raw('111-0000001-0000003', ago(30)),
    ]);
    const body = searchOk(await search({ createdAfter: at, createdBefore: ago(30) }, s));
    expect(body.orders.map((o: any) => o.orderId)).toEqual(['111-0000001-0000001', '111-0000001-0000003']);
    expect(body.createdBefore).toBe(ago(30));
  });

  test.each([
    ['neither createdAfter nor lastUpdatedAfter', {}],
    ['both createdAfter and lastUpdatedAfter', { createdAfter: ago(60), lastUpdatedAfter: ago(60) }],
    ['createdAfter with lastUpdatedBefore', { createdAfter: ago(60), lastUpdatedBefore: ago(10) }],
    ['lastUpdatedAfter with createdBefore', { lastUpdatedAfter: ago(60), createdBefore: ago(10) }],
    ['a date that is not ISO 8601', { createdAfter: '26/11/2026' }],
    ['createdBefore less than 2 minutes ago', { createdAfter: ago(60), createdBefore: ago(1) }],
    ['createdBefore before createdAfter', { createdAfter: ago(60), createdBefore: ago(90) }],
    ['createdAfter less than 2 minutes ago, without createdBefore', { createdAfter: ago(1) }],
    ['51 marketplaceIds', { createdAfter: ago(60), marketplaceIds: Array(51).fill(US) }],
    ['a marketplace the seller does not sell in', { createdAfter: ago(60), marketplaceIds: ['A1F83G8C2ARO7P'] }],
    ['an unknown fulfillmentStatuses value', { createdAfter: ago(60), fulfillmentStatuses: ['Shipped'] }],
    ['an unknown fulfilledBy value', { createdAfter: ago(60), fulfilledBy: ['AFN'] }],
    ['an unknown includedData value', { createdAfter: ago(60), includedData: ['ITEMS'] }],
    ['maxResultsPerPage 0', { createdAfter: ago(60), maxResultsPerPage: 0 }],
    ['maxResultsPerPage 101', { createdAfter: ago(60), maxResultsPerPage: 101 }],
    ['a paginationToken that is not one', { createdAfter: ago(60), paginationToken: 'Zm9vYmFy' }],
  ])('%s is a 400 InvalidInput in the ErrorList shape', async (_case, query) => {
    const res = await search(query);
    expectError(res, 400, 'InvalidInput');
    expectModel(FILE, SEARCH, 'get', res);
    expect(res.headers['x-amzn-ratelimit-limit']).toBe('0.0056');
  });

  test('*Before exactly 2 minutes ago is accepted (the lag is configurable, 120 s by default)', async () => {
    searchOk(await search({ lastUpdatedAfter: ago(600), lastUpdatedBefore: ago(2) }));
  });

  test('marketplaces default to the seller’s in the region called; an EU host refuses a US marketplace', async () => {
    const na = searchOk(
      await search({ createdAfter: ago(72 * 60), maxResultsPerPage: 100, includedData: ['FULFILLMENT'] }),
    );
    expect(new Set(na.orders.map((o: any) => o.salesChannel.marketplaceId)).has(DE)).toBe(false);
    const res = await seller.call('GET', SEARCH, {
      host: EU_HOST,
      query: { createdAfter: ago(600), marketplaceIds: [US] },
    });
    expectError(res, 400, 'InvalidInput');
  });

  test('fulfillmentStatuses and fulfilledBy filter the orders', async () => {
    const body = searchOk(
      await search({
        createdAfter: ago(72 * 60),
        fulfillmentStatuses: ['UNSHIPPED', 'PARTIALLY_SHIPPED'],
        fulfilledBy: ['MERCHANT'],
        includedData: ['FULFILLMENT'],
      }),
    );
    expect(body.orders.length).toBeGreaterThan(10);
    for (const o of body.orders) {
      expect(['UNSHIPPED', 'PARTIALLY_SHIPPED']).toContain(o.fulfillment.fulfillmentStatus);
      expect(o.fulfillment.fulfilledBy).toBe('MERCHANT');
    }
  });

  test('a paginationToken goes on with another maxResultsPerPage and includedData, but not with other filters', async () => {
    const query = { createdAfter: ago(72 * 60), maxResultsPerPage: 10 };
    const first = searchOk(await search(query));
    const token = first.pagination.nextToken;
    const next = searchOk(
      await search({ ...query, maxResultsPerPage: 5, includedData: ['PROCEEDS'], paginationToken: token }),
    );
    expect(next.orders).toHaveLength(5);
    expect(next.orders[0].proceeds).toBeDefined();
    expect(first.orders.map((o: any) => o.orderId)).not.toContain(next.orders[0].orderId);
    expectError(await search({ ...query, fulfilledBy: ['AMAZON'], paginationToken: token }), 400, 'InvalidInput');
  });

  test('a paginationToken expires after 24 hours', async () => {
    const query = { createdAfter: ago(72 * 60), maxResultsPerPage: 10 };
    const token = searchOk(await search(query)).pagination.nextToken;
    const start = clock;
    try {
      clock += 24 * 3_600_000 + 1000;
      const fresh = await accessToken(t.url, seller.spec);
      const res = await seller.call('GET', SEARCH, { token: fresh, query: { ...query, paginationToken: token } });
      expectError(res, 400, 'InvalidInput');
      expect(res.json.errors[0].message).toMatch(/expired/);
    } finally {
      clock = start;
    }
  });

  test('without includedData an order has its core only; each dataset adds its part', async () => {
    const core = searchOk(await search({ createdAfter: ago(72 * 60), maxResultsPerPage: 100 })).orders;
    for (const o of core) {
      expect(
        Object.keys(o).filter((k) => ['buyer', 'recipient', 'proceeds', 'fulfillment', 'packages', 'tax'].includes(k)),
      ).toEqual([]);
      for (const item of o.orderItems)
        expect(Object.keys(item).sort()).toEqual(['orderItemId', 'product', 'quantityOrdered']);
    }
    const withProceeds = searchOk(
      await search({ createdAfter: ago(72 * 60), maxResultsPerPage: 100, includedData: ['PROCEEDS'] }),
    ).orders;
    expect(
      withProceeds.every(
        (o: any) => o.proceeds?.grandTotal && o.orderItems.every((i: any) => i.proceeds) && !o.fulfillment,
      ),
    ).toBe(true);
  });

  test('an update backdated with `at` is found by lastUpdatedAfter at once', async () => {
    const s = await newSeller(t, { marketplaceIds: [US] });
    const [id] = (
      await t.admin.generateOrders(s.sellerId, {
        count: 1,
        seed: 5,
        pendingShare: 1,
        cancelledShare: 0,
        withinHours: 1,
      })
    ).orderIds;
    const cursor = ago(3);
    expect(searchOk(await search({ lastUpdatedAfter: cursor }, s)).orders).toEqual([]);
    await t.admin.setOrderStatus(id, 'UNSHIPPED', { at: ago(2.5) });
    const found = searchOk(await search({ lastUpdatedAfter: cursor, includedData: ['FULFILLMENT'] }, s)).orders;
    expect(found.map((o: any) => [o.orderId, o.fulfillment.fulfillmentStatus])).toEqual([[id, 'UNSHIPPED']]);
  });
});

describe('PII: BUYER and RECIPIENT', () => {
  test('a seller without the PII role gets no buyer, and only city, region, postal code and country of the recipient', async () => {
    const s = await newSeller(t, { marketplaceIds: ['A1F83G8C2ARO7P'], piiAccess: false });
    await t.admin.generateOrders(s.sellerId, { count: 30, seed: 2, pendingShare: 0 });
    const orders = searchOk(await search({ createdAfter: ago(72 * 60), includedData: ALL_DATA }, s)).orders;
    for (const o of orders) {
      expect(o.buyer).toBeUndefined();
      expect(
        Object.keys(o.recipient.deliveryAddress).every((k) =>
          ['city', 'stateOrRegion', 'postalCode', 'countryCode', 'addressType'].includes(k),
        ),
      ).toBe(true);
    }
  });

  test('a pending order shows neither buyer nor street; once confirmed it does', async () => {
    const s = await newSeller(t, { marketplaceIds: ['A1F83G8C2ARO7P'] });
    const [id] = (
      await t.admin.generateOrders(s.sellerId, {
        count: 1,
        seed: 9,
        pendingShare: 1,
        cancelledShare: 0,
        fbaShare: 0,
        noPiiShare: 0,
      })
    ).orderIds;
    const pending = (await getOrder(id, { includedData: ['BUYER', 'RECIPIENT'] }, s)).json.order;
    expect([
      pending.buyer,
      pending.recipient.deliveryAddress.name,
      pending.recipient.deliveryAddress.addressLine1,
    ]).toEqual([undefined, undefined, undefined]);
    await t.admin.setOrderStatus(id, 'UNSHIPPED');
    const confirmed = (await getOrder(id, { includedData: ['BUYER', 'RECIPIENT'] }, s)).json.order;
    expect(confirmed.buyer.buyerName).toEqual(expect.any(String));
    expect(confirmed.recipient.deliveryAddress.addressLine1).toEqual(expect.any(String));
  });

  test('a North-American FBA order placed after 2024-02-19 never carries the buyer’s name, even stored with one', async () => {
    const s = await newSeller(t, { marketplaceIds: [US] });
    const order = {
      orderId: '112-1000000-2000000',
      createdTime: ago(60),
      lastUpdatedTime: ago(60),
      salesChannel: { channelName: 'AMAZON', marketplaceId: US },
      buyer: { buyerName: 'Zoë Peña' },
      recipient: { deliveryAddress: { name: 'Zoë Peña', city: 'Austin', countryCode: 'US' } },
      fulfillment: { fulfillmentStatus: 'SHIPPED', fulfilledBy: 'AMAZON' },
      orderItems: [],
    };
    await t.admin.addOrders(s.sellerId, [order]);
    const served = (await getOrder(order.orderId, { includedData: ['BUYER', 'RECIPIENT'] }, s)).json.order;
    expect(served.buyer).toBeUndefined();
    expect(served.recipient.deliveryAddress).toEqual({ city: 'Austin', countryCode: 'US' });
  });
});

describe('getOrder', () => {
  test('answers the order in the 200 schema, with the requested datasets', async () => {
    const res = await getOrder(orderIds[0], { includedData: ALL_DATA });
    expect(res.status).toBe(200);
    expectModel(FILE, GET, 'get', res);
    expect(res.json.order.orderId).toBe(orderIds[0]);
    expect(res.json.order.proceeds.grandTotal.amount).toMatch(/^\d+\.\d{2}$/);
    expect(res.headers['x-amzn-ratelimit-limit']).toBe('0.5');
  });

  test('an unknown order or another seller’s is a 404 NotFound; an id not in the 3-7-7 format is a 400', async () => {
    const other = await newSeller(t, { marketplaceIds: [US] });
    for (const res of [await getOrder('111-9999999-9999999'), await getOrder(orderIds[0], {}, other)]) {
      expectError(res, 404, 'NotFound');
      expectModel(FILE, GET, 'get', res);
    }
    const bad = await getOrder('TEST_CASE_400');
    expectError(bad, 400, 'InvalidInput');
    expectModel(FILE, GET, 'get', bad);
  });
});
