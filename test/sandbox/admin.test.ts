import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { SandboxAdmin, SandboxAdminError } from '../../sandbox/admin-client';
import { startSandbox } from '../../sandbox';
import { accessToken, DE, newSeller, sellerSpec, startTestSandbox, TestSandbox, US } from './support';

/** The admin API (/_sandbox/) that tests, the demo and benchmarks drive Amazon's side with. */

let t: TestSandbox;
beforeAll(async () => {
  t = await startTestSandbox();
});
afterAll(() => t.close());

const rejects = async (p: Promise<unknown>, status: number, message?: RegExp) => {
  const err: SandboxAdminError = await p.then(
    () => {
      throw new Error('expected the admin call to fail');
    },
    (e) => e,
  );
  expect(err).toBeInstanceOf(SandboxAdminError);
  expect({ status: err.status, message: message ? message.test(err.message) : true }).toEqual({
    status,
    message: true,
  });
};

describe('sellers', () => {
  test('POST /_sandbox/sellers is 201 for a new seller, 200 when it updates one; bad input is a 400 naming the field', async () => {
    const spec = sellerSpec();
    const res = await fetch(`${t.url}/_sandbox/sellers`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(spec),
    });
    expect(res.status).toBe(201);
    expect(await t.admin.createSeller({ ...spec, piiAccess: false })).toMatchObject({
      sellerId: spec.sellerId,
      piiAccess: false,
    });
    await rejects(t.admin.createSeller({ ...sellerSpec(), marketplaceIds: ['XX'] }), 400, /marketplace XX/);
    await rejects(t.admin.createSeller({ ...sellerSpec(), clientSecret: '' }), 400, /clientSecret/);
    await rejects(t.admin.createSeller({ ...sellerSpec(), refreshToken: spec.refreshToken }), 409, /refreshToken/);
  });
});

describe('orders', () => {
  test('raw orders are stored exactly as given, even malformed ones, and served without breaking the API', async () => {
    const seller = await newSeller(t, { marketplaceIds: [US] });
    const odd = {
      orderId: '111-2222222-3333333',
      orderItems: null,
      proceeds: { grandTotal: { amount: '1.005', currencyCode: 'EUR' } },
      buyer: { buyerName: '‏مرحبا 👋' },
    };
    expect(await t.admin.addOrders(seller.sellerId, [odd])).toEqual({ orderIds: [odd.orderId] });
    expect(await t.admin.getOrder(odd.orderId)).toEqual(odd);
    const served = await seller.call('GET', `/orders/2026-01-01/orders/${odd.orderId}`, {
      query: { includedData: ['BUYER', 'PROCEEDS'] },
    });
    expect(served.json.order).toEqual(odd);
    await rejects(t.admin.addOrders(seller.sellerId, [{ buyer: {} }]), 400, /orderId/);
    const other = await newSeller(t, { marketplaceIds: [US] });
    await rejects(t.admin.addOrders(other.sellerId, [odd]), 409);
    await rejects(t.admin.addOrders('NOBODY', [odd]), 404);
    expect(await t.admin.getOrder('000-0000000-0000000')).toBeNull();
  });

  test('generate answers the new order ids; a bad spec is a 400', async () => {
    const seller = await newSeller(t, { marketplaceIds: [US, DE] });
    const { orderIds } = await t.admin.generateOrders(seller.sellerId, { count: 25, seed: 1 });
    expect(orderIds).toHaveLength(25);
    const markets = new Set(
      await Promise.all(orderIds.map(async (id) => (await t.admin.getOrder(id))!.salesChannel.marketplaceId)),
    );
    expect(markets).toEqual(new Set([US, DE]));
    await rejects(t.admin.generateOrders(seller.sellerId, { count: 5, promotionShare: 3 }), 400, /promotionShare/);
  });

  describe('POST /_sandbox/orders/{id}/status', () => {
    const one = async (spec: Record<string, unknown>) => {
      const seller = await newSeller(t, { marketplaceIds: [US] });
      const [id] = (
        await t.admin.generateOrders(seller.sellerId, {
          count: 1,
          seed: 21,
          cancelledShare: 0,
          pendingShare: 0,
          ...spec,
        })
      ).orderIds;
      return { seller, id, order: (await t.admin.getOrder(id))! };
    };

    test('confirming a pending order moves it to UNSHIPPED and lastUpdatedTime to `at` (or now)', async () => {
      const { id } = await one({ pendingShare: 1 });
      const at = new Date(Date.now() - 150_000).toISOString();
      const order = await t.admin.setOrderStatus(id, 'UNSHIPPED', { at });
      expect([order.fulfillment.fulfillmentStatus, order.lastUpdatedTime]).toEqual(['UNSHIPPED', at]);
      const later = await t.admin.setOrderStatus(id, 'UNSHIPPED');
      expect(Date.parse(later.lastUpdatedTime)).toBeGreaterThan(Date.now() - 5000);
    });

    test('shipping an FBA order fulfils every unit, without packages (Amazon shows none for FBA)', async () => {
      const { id } = await one({ fbaShare: 1, pendingShare: 1 });
      const order = await t.admin.setOrderStatus(id, 'SHIPPED');
      expect(order.fulfillment.fulfillmentStatus).toBe('SHIPPED');
      expect(
        order.orderItems.every(
          (i: any) => i.fulfillment.quantityFulfilled === i.quantityOrdered && i.fulfillment.quantityUnfulfilled === 0,
        ),
      ).toBe(true);
      expect(order.packages).toBeUndefined();
    });

    test('shipping an FBM order here records a package, as Seller Central does', async () => {
      const { id } = await one({ fbaShare: 0, pendingShare: 1 });
      await t.admin.setOrderStatus(id, 'UNSHIPPED');
      const order = await t.admin.setOrderStatus(id, 'SHIPPED', {
        carrier: 'Royal Mail',
        trackingNumber: 'RR123456789GB',
      });
      expect(order.packages).toEqual([
        expect.objectContaining({ packageReferenceId: '1', carrier: 'Royal Mail', trackingNumber: 'RR123456789GB' }),
      ]);
    });

    test('cancelling marks every item cancelled; a shipped order cannot be cancelled; an unknown status is a 400', async () => {
      const { id } = await one({ fbaShare: 0, pendingShare: 1 });
      const cancelled = await t.admin.setOrderStatus(id, 'CANCELLED', {
        cancelledBy: 'BUYER',
        cancelReason: 'No longer needed',
      });
      expect(cancelled.orderItems[0].cancellation).toEqual({
        cancellationExecution: { cancelledBy: 'BUYER', cancelReason: 'No longer needed' },
      });
      const shipped = await one({ fbaShare: 1, pendingShare: 1 });
      await t.admin.setOrderStatus(shipped.id, 'SHIPPED');
      await rejects(t.admin.setOrderStatus(shipped.id, 'CANCELLED'), 409, /cannot go from SHIPPED to CANCELLED/);
      await rejects(t.admin.setOrderStatus(shipped.id, 'Shipped'), 400);
      await rejects(t.admin.setOrderStatus(shipped.id, 'SHIPPED', { at: 'yesterday' }), 400);
    });
  });
});

test('listings: PUT creates (201) or updates (200, marketplaces add up); GET shows what the sandbox holds, or null', async () => {
  const seller = await newSeller(t, { marketplaceIds: [US, 'A2EUQ1WTGCTBG2'] });
  const created = await t.admin.putListing(seller.sellerId, 'SKU-1', {
    marketplaceId: US,
    productType: 'PRODUCT',
    fulfillmentChannelCode: 'DEFAULT',
    quantity: 3,
  });
  expect(created).toMatchObject({ sku: 'SKU-1', marketplaceIds: [US], fulfillmentChannelCode: 'DEFAULT', quantity: 3 });
  const updated = await t.admin.putListing(seller.sellerId, 'SKU-1', {
    marketplaceId: 'A2EUQ1WTGCTBG2',
    productType: 'PRODUCT',
    fulfillmentChannelCode: 'AMAZON_NA',
  });
  expect(updated).toMatchObject({
    marketplaceIds: [US, 'A2EUQ1WTGCTBG2'],
    fulfillmentChannelCode: 'AMAZON_NA',
    quantity: 3,
  });
  expect(await t.admin.getListing(seller.sellerId, 'SKU-1')).toEqual(updated);
  expect(await t.admin.getListing(seller.sellerId, 'NOPE')).toBeNull();
  await rejects(
    t.admin.putListing(seller.sellerId, 'SKU-2', { marketplaceId: DE, productType: 'P' }),
    400,
    /not one of/,
  );
  await rejects(
    t.admin.putListing(seller.sellerId, 'SKU-2', {
      marketplaceId: US,
      productType: 'P',
      fulfillmentChannelCode: 'MFN',
    }),
    400,
  );
});

test('config: rate limits and faults change at runtime; a bad value is a 400', async () => {
  expect(await t.admin.setConfig({ rateLimits: 'x60', faults: { getOrder: { status503: 0.5 } } })).toMatchObject({
    rateLimits: 'x60',
    faults: { getOrder: { status503: 0.5 } },
  });
  await rejects(t.admin.setConfig({ rateLimits: 'fast' as any }), 400, /real, off, x<K>/);
  await rejects(t.admin.setConfig({ faults: { '*': { status500: 7 } } }), 400);
  await t.admin.setConfig({ rateLimits: 'off', faults: {} });
});

test('stats count calls per operation by outcome; DELETE clears them; reset empties the sandbox', async () => {
  const seller = await newSeller(t, { marketplaceIds: [US] });
  await t.admin.clearStats();
  await seller.call('GET', '/orders/2026-01-01/orders/111-0000000-0000001');
  await seller.call('GET', '/sellers/v1/marketplaceParticipations');
  const { operations } = await t.admin.stats();
  expect(operations.getOrder).toEqual({ calls: 1, '2xx': 0, '4xx': 1, '429': 0, '5xx': 0, faults: 0 });
  expect(operations.getMarketplaceParticipations).toMatchObject({ calls: 1, '2xx': 1 });

  const scratch = await startTestSandbox();
  const admin = new SandboxAdmin(scratch.url);
  const spec = sellerSpec();
  await admin.createSeller(spec);
  expect(await admin.getSeller(spec.sellerId)).not.toBeNull();
  await admin.reset();
  expect(await admin.getSeller(spec.sellerId)).toBeNull();
  expect((await admin.stats()).operations).toEqual({});
  await scratch.close();
});

test('--state: the sandbox comes back with its sellers, orders, listings and valid tokens', async () => {
  const file = path.join(fs.mkdtempSync(path.join(os.tmpdir(), 'sandbox-state-')), 'state.json');
  const first = await startSandbox({ statePath: file, rateLimits: 'off' });
  const admin = new SandboxAdmin(first.url);
  const spec = sellerSpec({ marketplaceIds: [US] });
  await admin.createSeller(spec);
  const { orderIds } = await admin.generateOrders(spec.sellerId, { count: 10, seed: 2 });
  await admin.putListing(spec.sellerId, 'SKU-S', { marketplaceId: US, productType: 'P', quantity: 4 });
  const token = await accessToken(first.url, spec);
  await first.close();
  expect(fs.existsSync(file)).toBe(true);

  const second = await startSandbox({ statePath: file, rateLimits: 'off' });
  try {
    const again = new SandboxAdmin(second.url);
    expect((await again.getOrder(orderIds[9]))!.orderId).toBe(orderIds[9]);
    expect((await again.getListing(spec.sellerId, 'SKU-S'))!.quantity).toBe(4);
    const res = await fetch(`${second.url}/sellers/v1/marketplaceParticipations`, {
      headers: { 'x-amz-access-token': token },
    });
    expect(res.status).toBe(200);
  } finally {
    await second.close();
  }
});
