import {
  expectError,
  expectModel,
  HttpResult,
  newSeller,
  startTestSandbox,
  TestSandbox,
  TestSeller,
  US,
} from './support';

/** Orders v0 confirmShipment: validated as ordersV0.json says, and visible in Orders 2026-01-01 afterwards. */

const PATH = '/orders/v0/orders/{orderId}/shipmentConfirmation';
let t: TestSandbox;
let seller: TestSeller;
let n = 0;
/** After the test orders are placed (an hour ago): Amazon refuses a ship date before the order. */
const SHIP_DATE = new Date(Date.now() - 60_000).toISOString();

beforeAll(async () => {
  t = await startTestSandbox();
  seller = await newSeller(t, { marketplaceIds: [US] });
});
afterAll(() => t.close());

/** An unshipped FBM order with two items: A (2 units) and B (1 unit). */
async function fbmOrder(overrides: Record<string, any> = {}) {
  const orderId = `113-${String(++n).padStart(7, '0')}-4242424`;
  const time = new Date(Date.now() - 3_600_000).toISOString();
  const item = (orderItemId: string, sku: string, quantityOrdered: number) => ({
    orderItemId,
    quantityOrdered,
    product: { sellerSku: sku, price: { unitPrice: { amount: '10.00', currencyCode: 'USD' } } },
    fulfillment: { quantityFulfilled: 0, quantityUnfulfilled: quantityOrdered },
  });
  await t.admin.addOrders(seller.sellerId, [
    {
      orderId,
      createdTime: time,
      lastUpdatedTime: time,
      salesChannel: { channelName: 'AMAZON', marketplaceId: US, marketplaceName: 'Amazon.com' },
      fulfillment: { fulfillmentStatus: 'UNSHIPPED', fulfilledBy: 'MERCHANT' },
      orderItems: [
        item(`${orderId.replace(/-/g, '').slice(0, 12)}01`, 'DEMO-SKU-1', 2),
        item(`${orderId.replace(/-/g, '').slice(0, 12)}02`, 'DEMO-SKU-2', 1),
      ],
      ...overrides,
    },
  ]);
  const [a, b] = (await t.admin.getOrder(orderId))!.orderItems.map((i: any) => i.orderItemId);
  return { orderId, a, b };
}

const confirm = (orderId: string, packageDetail: Record<string, any>, marketplaceId = US) =>
  seller.call('POST', `/orders/v0/orders/${orderId}/shipmentConfirmation`, { body: { marketplaceId, packageDetail } });

const pkg = (items: Array<[string, number]>, extra: Record<string, any> = {}) => ({
  packageReferenceId: '1',
  carrierCode: 'UPS',
  shippingMethod: 'UPS Ground',
  trackingNumber: '1Z999AA10123456784',
  shipDate: SHIP_DATE,
  orderItems: items.map(([orderItemId, quantity]) => ({ orderItemId, quantity })),
  ...extra,
});

const view = async (orderId: string) =>
  (
    await seller.call('GET', `/orders/2026-01-01/orders/${orderId}`, {
      query: { includedData: ['FULFILLMENT', 'PACKAGES'] },
    })
  ).json.order;

function expect204(res: HttpResult) {
  expect([res.status, res.text]).toEqual([204, '']);
  expect(res.headers['x-amzn-ratelimit-limit']).toBe('2');
  expect(res.headers['x-amzn-requestid']).toBeTruthy();
}

test('a confirmation is 204, and getOrder (2026-01-01) shows the package and PARTIALLY_SHIPPED', async () => {
  const { orderId, a } = await fbmOrder();
  expect204(await confirm(orderId, pkg([[a, 1]])));
  const order = await view(orderId);
  expect(order.fulfillment.fulfillmentStatus).toBe('PARTIALLY_SHIPPED');
  expect(order.packages).toEqual([
    {
      packageReferenceId: '1',
      createdTime: expect.any(String),
      packageStatus: { status: 'SHIPPED' },
      carrier: 'UPS',
      shipTime: SHIP_DATE,
      shippingService: 'UPS Ground',
      trackingNumber: '1Z999AA10123456784',
      packageItems: [{ orderItemId: a, quantity: 1 }],
    },
  ]);
  expect(order.orderItems[0].fulfillment).toMatchObject({ quantityFulfilled: 1, quantityUnfulfilled: 1 });
  expect(Date.parse(order.lastUpdatedTime)).toBeGreaterThan(Date.now() - 5000);
});

test('a second package with the rest makes the order SHIPPED', async () => {
  const { orderId, a, b } = await fbmOrder();
  expect204(await confirm(orderId, pkg([[a, 1]])));
  expect204(
    await confirm(
      orderId,
      pkg(
        [
          [a, 1],
          [b, 1],
        ],
        { packageReferenceId: '2', trackingNumber: '1Z999AA10123456785' },
      ),
    ),
  );
  const order = await view(orderId);
  expect(order.fulfillment.fulfillmentStatus).toBe('SHIPPED');
  expect(order.packages.map((p: any) => p.packageReferenceId)).toEqual(['1', '2']);
  expect(order.orderItems.map((i: any) => i.fulfillment.quantityUnfulfilled)).toEqual([0, 0]);
});

test('confirming the same packageReferenceId again replaces that package, never duplicates it', async () => {
  const { orderId, a } = await fbmOrder();
  expect204(await confirm(orderId, pkg([[a, 2]])));
  expect204(await confirm(orderId, pkg([[a, 2]], { trackingNumber: '1ZCORRECTED0000001' })));
  const order = await view(orderId);
  expect(order.packages).toHaveLength(1);
  expect(order.packages[0].trackingNumber).toBe('1ZCORRECTED0000001');
  expect(order.orderItems[0].fulfillment.quantityFulfilled).toBe(2);
});

test('carrierCode "Other" takes its carrierName, which becomes the package carrier', async () => {
  const { orderId, b } = await fbmOrder();
  expect204(await confirm(orderId, pkg([[b, 1]], { carrierCode: 'Other', carrierName: 'Kuehne + Nagel' })));
  expect((await view(orderId)).packages[0].carrier).toBe('Kuehne + Nagel');
});

describe('a request the model does not allow is a 400 in ConfirmShipmentErrorResponse shape', () => {
  const cases: Array<[string, (ids: { a: string; b: string }) => { detail: any; marketplaceId?: string }]> = [
    ['no marketplaceId', ({ a }) => ({ detail: pkg([[a, 1]]), marketplaceId: '' })],
    ['another marketplace than the order’s', ({ a }) => ({ detail: pkg([[a, 1]]), marketplaceId: 'A2EUQ1WTGCTBG2' })],
    ['no packageDetail', () => ({ detail: undefined })],
    [
      'a packageReferenceId that is not numeric',
      ({ a }) => ({ detail: pkg([[a, 1]], { packageReferenceId: 'PKG-1' }) }),
    ],
    ['packageReferenceId 0', ({ a }) => ({ detail: pkg([[a, 1]], { packageReferenceId: '0' }) })],
    ['a packageReferenceId given as a number', ({ a }) => ({ detail: pkg([[a, 1]], { packageReferenceId: 1 }) })],
    ['no carrierCode', ({ a }) => ({ detail: pkg([[a, 1]], { carrierCode: undefined }) })],
    ['carrierCode Other without carrierName', ({ a }) => ({ detail: pkg([[a, 1]], { carrierCode: 'Other' }) })],
    ['no trackingNumber', ({ a }) => ({ detail: pkg([[a, 1]], { trackingNumber: '' }) })],
    ['a shipDate that is not ISO 8601', ({ a }) => ({ detail: pkg([[a, 1]], { shipDate: '02/21/2022' }) })],
    ['no orderItems', () => ({ detail: pkg([]) })],
    ['an orderItemId of another order', () => ({ detail: pkg([['99999999999999', 1]]) })],
    ['quantity 0', ({ a }) => ({ detail: pkg([[a, 0]]) })],
    ['more units than unshipped', ({ a }) => ({ detail: pkg([[a, 3]]) })],
    [
      'the same item twice',
      ({ a }) => ({
        detail: pkg([
          [a, 1],
          [a, 1],
        ]),
      }),
    ],
  ];
  test.each(cases)('%s', async (_name, make) => {
    const { orderId, a, b } = await fbmOrder();
    const { detail, marketplaceId } = make({ a, b });
    const res = await confirm(orderId, detail, marketplaceId ?? US);
    expectError(res, 400, 'InvalidInput');
    expectModel('ordersV0.json', PATH, 'post', res);
    expect((await view(orderId)).packages).toBeUndefined();
  });

  test('units already in another package count: a third unit of a 2-unit item is refused', async () => {
    const { orderId, a } = await fbmOrder();
    expect204(await confirm(orderId, pkg([[a, 2]])));
    expectError(await confirm(orderId, pkg([[a, 1]], { packageReferenceId: '2' })), 400, 'InvalidInput');
  });

  test.each([
    ['FBA', { fulfillment: { fulfillmentStatus: 'UNSHIPPED', fulfilledBy: 'AMAZON' } }],
    ['cancelled', { fulfillment: { fulfillmentStatus: 'CANCELLED', fulfilledBy: 'MERCHANT' } }],
    ['pending', { fulfillment: { fulfillmentStatus: 'PENDING', fulfilledBy: 'MERCHANT' } }],
  ])('a %s order cannot be confirmed', async (_kind, overrides) => {
    const { orderId, a } = await fbmOrder(overrides);
    expectError(await confirm(orderId, pkg([[a, 1]])), 400, 'InvalidInput');
  });

  test('a ship date before the order was placed is refused, naming both dates', async () => {
    const { orderId, a } = await fbmOrder();
    const res = await confirm(orderId, pkg([[a, 1]], { shipDate: '2020-01-01T10:00:00Z' }));
    expectError(res, 400, 'InvalidInput');
    expect(JSON.stringify(res.json)).toContain('shipDate 2020-01-01T10:00:00Z is before the order was placed');
  });
});

test('an unknown order, or another seller’s, is a 404', async () => {
  const other = await newSeller(t, { marketplaceIds: [US] });
  const { orderId, a } = await fbmOrder();
  const res = await other.call('POST', `/orders/v0/orders/${orderId}/shipmentConfirmation`, {
    body: { marketplaceId: US, packageDetail: pkg([[a, 1]]) },
  });
  expectError(res, 404, 'NotFound');
  expectModel('ordersV0.json', PATH, 'post', res);
  expectError(await confirm('114-0000000-0000000', pkg([[a, 1]])), 404, 'NotFound');
});
