import {
  accessToken,
  CA,
  DE,
  EU_HOST,
  expectError,
  expectModel,
  newSeller,
  startTestSandbox,
  TestSandbox,
  TestSeller,
  UK,
  US,
} from './support';

/** Sellers API getMarketplaceParticipations and FBA Inventory getInventorySummaries. */

let clock = Date.now();
let t: TestSandbox;
let seller: TestSeller;

beforeAll(async () => {
  t = await startTestSandbox({ now: () => clock });
  seller = await newSeller(t, { marketplaceIds: [US, CA, DE, UK], storeName: 'BestSellerStore' });
});
afterAll(() => t.close());

describe('getMarketplaceParticipations', () => {
  const PATH = '/sellers/v1/marketplaceParticipations';

  test('lists the seller’s marketplaces of the region called, in the model’s shape', async () => {
    const na = await seller.call('GET', PATH);
    expectModel('sellers.json', PATH, 'get', na);
    expect(na.headers['x-amzn-ratelimit-limit']).toBe('0.016');
    expect(na.json.payload.map((p: any) => p.marketplace.id)).toEqual([US, CA]);
    expect(na.json.payload[0]).toEqual({
      marketplace: {
        id: US,
        countryCode: 'US',
        name: 'Amazon.com',
        defaultCurrencyCode: 'USD',
        defaultLanguageCode: 'en_US',
        domainName: 'www.amazon.com',
      },
      storeName: 'BestSellerStore',
      participation: { isParticipating: true, hasSuspendedListings: false },
    });
    const eu = await seller.call('GET', PATH, { host: EU_HOST });
    expect(eu.json.payload.map((p: any) => p.marketplace.id)).toEqual([DE, UK]);
  });
});

describe('getInventorySummaries', () => {
  const PATH = '/fba/inventory/v1/summaries';
  const base = { granularityType: 'Marketplace', granularityId: US, marketplaceIds: [US] };
  const summaries = (query: Record<string, any>, s = seller) => s.call('GET', PATH, { query });

  const stock = (i: number) => ({
    sellerSku: `FBA-${String(i).padStart(3, '0')}`,
    asin: `B0TEST${String(i).padStart(4, '0')}`,
    fnSku: `X00TEST${String(i).padStart(3, '0')}`,
    productName: `Produkt ${i} – Größe M`,
    fulfillableQuantity: i,
    inboundShippedQuantity: 2,
    reservedQuantity: 1,
    unfulfillableQuantity: 1,
  });

  beforeAll(async () => {
    await t.admin.putFbaInventory(
      seller.sellerId,
      US,
      Array.from({ length: 120 }, (_, i) => stock(i)),
    );
  });

  test('details=true gives inventoryDetails, and totalQuantity counts every part', async () => {
    const res = await summaries({ ...base, details: true, sellerSkus: ['FBA-007'] });
    expectModel('fbaInventory.json', PATH, 'get', res);
    const [s] = res.json.payload.inventorySummaries;
    expect(res.json.payload.granularity).toEqual({ granularityType: 'Marketplace', granularityId: US });
    expect(s).toMatchObject({
      sellerSku: 'FBA-007',
      asin: 'B0TEST0007',
      fnSku: 'X00TEST007',
      condition: 'NewItem',
      productName: 'Produkt 7 – Größe M',
      totalQuantity: 7 + 2 + 1 + 1,
    });
    expect(s.inventoryDetails).toMatchObject({
      fulfillableQuantity: 7,
      inboundShippedQuantity: 2,
      reservedQuantity: { totalReservedQuantity: 1 },
      unfulfillableQuantity: { totalUnfulfillableQuantity: 1 },
    });
    const plain = await summaries({ ...base, sellerSku: 'FBA-007' });
    expect(plain.json.payload.inventorySummaries[0].inventoryDetails).toBeUndefined();
  });

  test('pages by 50 with a top-level pagination.nextToken to the end', async () => {
    const skus: string[] = [];
    let token: string | undefined;
    do {
      const res = await summaries({ ...base, details: true, ...(token ? { nextToken: token } : {}) });
      expectModel('fbaInventory.json', PATH, 'get', res);
      skus.push(...res.json.payload.inventorySummaries.map((s: any) => s.sellerSku));
      token = res.json.pagination?.nextToken;
    } while (token);
    expect(skus).toHaveLength(120);
    expect(new Set(skus).size).toBe(120);
  });

  test('a nextToken expires after 30 seconds', async () => {
    const token = (await summaries(base)).json.pagination.nextToken;
    clock += 31_000;
    try {
      const res = await seller.call('GET', PATH, {
        token: await accessToken(t.url, seller.spec),
        query: { ...base, nextToken: token },
      });
      expectError(res, 400, 'InvalidInput');
      expect(res.json.errors[0].message).toMatch(/expired/);
      expectModel('fbaInventory.json', PATH, 'get', res);
    } finally {
      clock -= 31_000;
    }
  });

  test('startDateTime returns only what changed since; sellerSkus only those SKUs', async () => {
    const since = new Date(clock).toISOString();
    clock += 1000;
    const items = (
      await t.admin.putFbaInventory(seller.sellerId, US, [stock(0), { ...stock(1), fulfillableQuantity: 99 }])
    ).items;
    clock -= 1000;
    expect(items.map((i) => i.sellerSku)).toEqual(['FBA-000', 'FBA-001']);
    const changed = await summaries({ ...base, startDateTime: since });
    expect(changed.json.payload.inventorySummaries.map((s: any) => s.sellerSku)).toEqual(['FBA-001']);
    const some = await summaries({ ...base, sellerSkus: ['FBA-000', 'NOPE'] });
    expect(some.json.payload.inventorySummaries.map((s: any) => s.sellerSku)).toEqual(['FBA-000']);
  });

  test('shipping an FBA order takes its units out of fulfillable stock', async () => {
    const s = await newSeller(t, { marketplaceIds: [US] });
    const [id] = (
      await t.admin.generateOrders(s.sellerId, { count: 1, seed: 4, fbaShare: 1, pendingShare: 1, cancelledShare: 0 })
    ).orderIds;
    const order = (await t.admin.getOrder(id))!;
    const sku = order.orderItems[0].product.sellerSku;
    await t.admin.putFbaInventory(s.sellerId, US, [{ sellerSku: sku, fulfillableQuantity: 10 }]);
    await t.admin.setOrderStatus(id, 'SHIPPED');
    const res = await summaries({ ...base, details: true, sellerSku: sku }, s);
    expect(res.json.payload.inventorySummaries[0].inventoryDetails.fulfillableQuantity).toBe(
      10 - order.orderItems[0].quantityOrdered,
    );
  });

  test.each([
    ['no granularityType', { granularityId: US, marketplaceIds: [US] }],
    ['a granularityId other than the marketplace', { ...base, granularityId: CA }],
    ['two marketplaceIds', { ...base, marketplaceIds: [US, CA] }],
    [
      'a marketplace of another seller',
      { granularityType: 'Marketplace', granularityId: 'A1RKKUPIHCS9HS', marketplaceIds: ['A1RKKUPIHCS9HS'] },
    ],
    ['51 sellerSkus', { ...base, sellerSkus: Array.from({ length: 51 }, (_, i) => `S${i}`) }],
    ['a nextToken that is not one', { ...base, nextToken: 'nope' }],
  ])('%s is a 400 in the model’s shape', async (_case, query) => {
    const res = await summaries(query);
    expectError(res, 400, 'InvalidInput');
    expectModel('fbaInventory.json', PATH, 'get', res);
  });
});
