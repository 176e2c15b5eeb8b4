import { CA, expectError, expectModel, newSeller, startTestSandbox, TestSandbox, TestSeller, US } from './support';
import { parameterEnum } from '../../lib/sp-api-models';

/** Listings Items API 2021-08-01: getListingsItem, patchListingsItem (applied shortly after ACCEPTED), searchListingsItems. */

const FILE = 'listingsItems_2021-08-01.json';
const ITEM = '/listings/2021-08-01/items/{sellerId}/{sku}';
const SEARCH = '/listings/2021-08-01/items/{sellerId}';
let t: TestSandbox;
let seller: TestSeller;

beforeAll(async () => {
  t = await startTestSandbox({ listingApplyDelayMs: 300 });
  seller = await newSeller(t, { marketplaceIds: [US, CA] });
  const put = (sku: string, fulfillmentChannelCode: string, quantity?: number) =>
    t.admin.putListing(seller.sellerId, sku, {
      marketplaceId: US,
      productType: 'LUGGAGE',
      fulfillmentChannelCode,
      quantity,
      asin: 'B071VG5N9D',
      itemName: 'Hardside Carry-On Spinner Suitcase Luggage',
      price: '100.00',
    });
  await put('GM-ZDPI-9B4E', 'DEFAULT', 100);
  await put('HW-ZDPI-9B4E', 'DEFAULT', 4);
  await put('TC-ZDPI-9B4E', 'AMAZON_NA');
  await put('SKU/with (special) chars!', 'DEFAULT', 1);
});
afterAll(() => t.close());

const item = (sku: string, query: Record<string, any> = { marketplaceIds: [US] }, sellerId = seller.sellerId) =>
  seller.call('GET', `/listings/2021-08-01/items/${sellerId}/${encodeURIComponent(sku)}`, { query });
const patch = (sku: string, body: unknown, query: Record<string, any> = { marketplaceIds: [US] }) =>
  seller.call('PATCH', `/listings/2021-08-01/items/${seller.sellerId}/${encodeURIComponent(sku)}`, { query, body });
const availability = (code: string, quantity: number, op = 'replace') => ({
  productType: 'LUGGAGE',
  patches: [
    { op, path: '/attributes/fulfillment_availability', value: [{ fulfillment_channel_code: code, quantity }] },
  ],
});

describe('getListingsItem', () => {
  test('answers summaries by default, and every requested dataset, in the `Item` shape', async () => {
    const summaries = await item('GM-ZDPI-9B4E');
    expectModel(FILE, ITEM, 'get', summaries);
    expect(Object.keys(summaries.json).sort()).toEqual(['sku', 'summaries']);
    expect(summaries.json.summaries[0]).toMatchObject({
      marketplaceId: US,
      asin: 'B071VG5N9D',
      productType: 'LUGGAGE',
      conditionType: 'new_new',
      status: ['BUYABLE', 'DISCOVERABLE'],
    });
    const all = await item('GM-ZDPI-9B4E', {
      marketplaceIds: [US],
      includedData: parameterEnum(FILE, ITEM, 'get', 'includedData'),
    });
    expectModel(FILE, ITEM, 'get', all);
    expect(all.json.fulfillmentAvailability).toEqual([{ fulfillmentChannelCode: 'DEFAULT', quantity: 100 }]);
    expect(all.json.attributes.fulfillment_availability).toEqual([
      { fulfillment_channel_code: 'DEFAULT', quantity: 100 },
    ]);
    expect(all.json.offers).toEqual([
      { marketplaceId: US, offerType: 'B2C', price: { amount: '100.00', currencyCode: 'USD' } },
    ]);
    expect(all.json.productTypes).toEqual([{ marketplaceId: US, productType: 'LUGGAGE' }]);
  });

  test('an FBA listing shows its Amazon channel', async () => {
    expect(
      (await item('TC-ZDPI-9B4E', { marketplaceIds: [US], includedData: ['fulfillmentAvailability'] })).json
        .fulfillmentAvailability,
    ).toEqual([{ fulfillmentChannelCode: 'AMAZON_NA' }]);
  });

  test('a SKU with reserved URL characters is found (the client encodes it once)', async () => {
    expect((await item('SKU/with (special) chars!')).json.sku).toBe('SKU/with (special) chars!');
  });

  test('an unknown SKU, or one not offered in the marketplace, is a 404; no marketplaceIds is a 400; another seller’s id is a 403', async () => {
    for (const res of [await item('NOPE'), await item('GM-ZDPI-9B4E', { marketplaceIds: [CA] })]) {
      expectError(res, 404, 'NOT_FOUND');
      expectModel(FILE, ITEM, 'get', res);
    }
    const bad = await item('GM-ZDPI-9B4E', {});
    expectError(bad, 400, 'BAD_REQUEST');
    expectModel(FILE, ITEM, 'get', bad);
    expectError(await item('GM-ZDPI-9B4E', { marketplaceIds: [US] }, 'A0THERSELLER'), 403, 'Unauthorized');
  });
});

describe('patchListingsItem', () => {
  test('replace of fulfillment_availability is ACCEPTED at once and applied shortly after', async () => {
    const res = await patch('HW-ZDPI-9B4E', availability('DEFAULT', 17));
    expectModel(FILE, ITEM, 'patch', res);
    expect(res.json).toEqual({ sku: 'HW-ZDPI-9B4E', status: 'ACCEPTED', submissionId: expect.any(String), issues: [] });
    expect((await t.admin.getListing(seller.sellerId, 'HW-ZDPI-9B4E'))!.quantity).toBe(4);
    await t.admin.settled('listing');
    expect((await t.admin.getListing(seller.sellerId, 'HW-ZDPI-9B4E'))!.quantity).toBe(17);
  });

  test('merge works the same for the one DEFAULT entry', async () => {
    expect((await patch('HW-ZDPI-9B4E', availability('DEFAULT', 0, 'merge'))).json.status).toBe('ACCEPTED');
    await t.admin.settled('listing');
    expect((await t.admin.getListing(seller.sellerId, 'HW-ZDPI-9B4E'))!.quantity).toBe(0);
  });

  test.each([
    ['a DEFAULT quantity for an FBA offer', 'TC-ZDPI-9B4E', availability('DEFAULT', 5), 'FULFILLMENT_CHANNEL_MISMATCH'],
    ['a negative quantity', 'GM-ZDPI-9B4E', availability('DEFAULT', -2), 'INVALID_QUANTITY'],
    ['an unknown SKU', 'NOPE', availability('DEFAULT', 1), 'SKU_NOT_FOUND'],
    [
      'a nested path',
      'GM-ZDPI-9B4E',
      {
        productType: 'LUGGAGE',
        patches: [{ op: 'replace', path: '/attributes/fulfillment_availability/0/quantity', value: [1] }],
      },
      'INVALID_ATTRIBUTE',
    ],
  ])('%s is INVALID with an issue, and nothing changes', async (_case, sku, body, code) => {
    const before = await t.admin.getListing(seller.sellerId, sku);
    const res = await patch(sku, body);
    expectModel(FILE, ITEM, 'patch', res);
    expect(res.json).toMatchObject({
      sku,
      status: 'INVALID',
      issues: [expect.objectContaining({ code, severity: 'ERROR' })],
    });
    await t.admin.settled('listing'); // had it scheduled a change, this would wait for it
    expect(await t.admin.getListing(seller.sellerId, sku)).toEqual(before);
  });

  test('VALIDATION_PREVIEW answers VALID and changes nothing', async () => {
    const res = await patch('GM-ZDPI-9B4E', availability('DEFAULT', 55), {
      marketplaceIds: [US],
      mode: 'VALIDATION_PREVIEW',
    });
    expect(res.json.status).toBe('VALID');
    await t.admin.settled('listing'); // had it scheduled a change, this would wait for it
    expect((await t.admin.getListing(seller.sellerId, 'GM-ZDPI-9B4E'))!.quantity).toBe(100);
  });

  test('a body without patches, or without marketplaceIds, is a 400 BAD_REQUEST', async () => {
    for (const res of [
      await patch('GM-ZDPI-9B4E', { productType: 'LUGGAGE', patches: [] }),
      await patch('GM-ZDPI-9B4E', availability('DEFAULT', 1), {}),
    ]) {
      expectError(res, 400, 'BAD_REQUEST');
      expectModel(FILE, ITEM, 'patch', res);
    }
  });
});

describe('searchListingsItems', () => {
  const search = (query: Record<string, any>) =>
    seller.call('GET', `/listings/2021-08-01/items/${seller.sellerId}`, { query });

  test('pages through SKUs by identifiers with nextToken and previousToken', async () => {
    const query = {
      marketplaceIds: [US],
      identifiersType: 'SKU',
      identifiers: ['GM-ZDPI-9B4E', 'HW-ZDPI-9B4E', 'TC-ZDPI-9B4E'],
      includedData: ['summaries', 'fulfillmentAvailability'],
      pageSize: 1,
      sortBy: 'sku',
      sortOrder: 'ASC',
    };
    const first = await search(query);
    expectModel(FILE, SEARCH, 'get', first);
    expect(first.json.numberOfResults).toBe(3);
    expect(first.json.items.map((i: any) => i.sku)).toEqual(['GM-ZDPI-9B4E']);
    const second = await search({ ...query, pageToken: first.json.pagination.nextToken });
    expect(second.json.items.map((i: any) => i.sku)).toEqual(['HW-ZDPI-9B4E']);
    expect(second.json.pagination).toEqual({ nextToken: expect.any(String), previousToken: expect.any(String) });
    const back = await search({ ...query, pageToken: second.json.pagination.previousToken });
    expect(back.json.items.map((i: any) => i.sku)).toEqual(['GM-ZDPI-9B4E']);
  });

  test('without identifiers it lists the seller’s listings in the marketplace', async () => {
    const res = await search({ marketplaceIds: [US], pageSize: 20 });
    expect(res.json.numberOfResults).toBe(4);
  });

  test.each([
    ['an invalid marketplace', { marketplaceIds: ['invalid'] }],
    ['no marketplaceIds', {}],
    [
      '21 identifiers',
      { marketplaceIds: [US], identifiersType: 'SKU', identifiers: Array.from({ length: 21 }, (_, i) => `S${i}`) },
    ],
    ['identifiers without identifiersType', { marketplaceIds: [US], identifiers: ['A'] }],
    ['pageSize 21', { marketplaceIds: [US], pageSize: 21 }],
  ])('%s is a 400 BAD_REQUEST', async (_case, query) => {
    const res = await search(query);
    expectError(res, 400, 'BAD_REQUEST');
    expectModel(FILE, SEARCH, 'get', res);
  });
});
