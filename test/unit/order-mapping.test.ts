import fs from 'fs';
import path from 'path';
import Ajv from 'ajv';
import addFormats from 'ajv-formats';
import {
  isPending,
  mapOrder,
  orderHeader,
  OrderMappingError,
  type MappedLine,
  type MappedOrder,
  type MarketplaceInfo,
} from '../../activities/spapi/order-mapping';
import type { Order } from '../../activities/spapi/orders-2026-types';
import { definition, expectValid, loadModel } from '../support/models';
import { createHash } from 'crypto';

/** A contact is keyed by a hash of Amazon's anonymised buyer e-mail, never the e-mail itself. */
const buyerKey = (email: string) => `buyer:${createHash('sha256').update(email, 'utf8').digest('hex')}`;

const MODEL = 'orders_2026-01-01.json';
const FIXTURES = path.resolve(__dirname, '../fixtures/orders');

const US: MarketplaceInfo = { id: 'ATVPDKIKX0DER', code: 'US', currency: 'USD', region: 'na', countryCode: 'US' };
const DE: MarketplaceInfo = { id: 'A1PA6795UKMFR9', code: 'DE', currency: 'EUR', region: 'eu', countryCode: 'DE' };
const FR: MarketplaceInfo = { id: 'A13V1IB3VIYZZH', code: 'FR', currency: 'EUR', region: 'eu', countryCode: 'FR' };
const UK: MarketplaceInfo = { id: 'A1F83G8C2ARO7P', code: 'UK', currency: 'GBP', region: 'eu', countryCode: 'GB' };
const JP: MarketplaceInfo = { id: 'A1VC38T7YXB528', code: 'JP', currency: 'JPY', region: 'fe', countryCode: 'JP' };

/** Amazon's model declares no additionalProperties: this copy forbids them, so a misspelt fixture field fails too. */
const strictOrder = (() => {
  const definitions = structuredClone(loadModel(MODEL).definitions) as Record<string, Record<string, unknown>>;
  for (const def of Object.values(definitions)) if (def.properties) def.additionalProperties = false;
  const ajv = new Ajv({ strict: false, allErrors: true });
  addFormats(ajv);
  return ajv.compile({ definitions, $ref: '#/definitions/Order' });
})();

function fixture(name: string): Order {
  const order = JSON.parse(fs.readFileSync(path.join(FIXTURES, `${name}.json`), 'utf8'));
  expectValid(definition(MODEL, 'Order'), order, `fixture ${name}`);
  expectValid(strictOrder, order, `fixture ${name} (no fields beyond the model)`);
  return order;
}

/** Amazon's own example orders, from the responses of getOrder and searchOrders in the model. */
function modelExample(operationPath: string): Order {
  const body = loadModel(MODEL).paths[operationPath].get.responses['200'].examples['application/json'];
  return body.order ?? body.orders[0];
}

/** A line as [lineKey, kind, quantity, unitPrice, tax, subtotal]: the money of an order at a glance. */
const money = (lines: MappedLine[]) =>
  lines.map((l) => [l.lineKey, l.kind, l.quantity, l.unitPrice, l.tax, l.subtotal]);

function mappingError(run: () => unknown): OrderMappingError {
  try {
    run();
  } catch (err) {
    if (err instanceof OrderMappingError) return err;
    throw err;
  }
  throw new Error('expected an OrderMappingError, but the order mapped');
}

describe('fixtures', () => {
  it.each(fs.readdirSync(FIXTURES).map((f) => f.replace(/\.json$/, '')))('%s is an Orders 2026-01-01 Order', (name) => {
    expect(() => fixture(name)).not.toThrow();
  });
});

describe('orderHeader', () => {
  it('is slim and carries no PII: only what the order workflow is signalled with', () => {
    expect(orderHeader(fixture('us-fbm-gift-promotions'))).toEqual({
      amazonOrderId: '113-4817265-3390641',
      marketplaceId: 'ATVPDKIKX0DER',
      channel: 'FBM',
      amazonStatus: 'UNSHIPPED',
      lastUpdatedTime: '2026-11-24T19:15:33Z',
    });
    expect(orderHeader(fixture('us-fba-no-pii')).channel).toBe('FBA');
  });

  it('tells a pending order, which is not imported yet', () => {
    expect(isPending(orderHeader(fixture('us-pending')))).toBe(true);
    expect(isPending({ amazonStatus: 'PENDING_AVAILABILITY' })).toBe(true);
    expect(isPending(orderHeader(fixture('us-fbm-gift-promotions')))).toBe(false);
  });

  it('names the missing fulfillment data instead of guessing a status', () => {
    const order = fixture('us-fbm-gift-promotions');
    delete order.fulfillment;
    expect(mappingError(() => orderHeader(order)).field).toBe('fulfillment.fulfillmentStatus');
  });
});

describe('a US FBM order with promotions, gift wrap and gift messages', () => {
  const mapped = mapOrder(fixture('us-fbm-gift-promotions'), US);

  it("totals Amazon's grand total, with sales tax added on top", () => {
    expect(mapped.totals).toEqual({ untaxed: '66.95', tax: '6.92', total: '73.87' });
    expect(mapped.amazonGrandTotal).toBe('73.87');
    expect(mapped.pricesIncludeTax).toBe(false);
    expect(mapped.taxCollectionModel).toBe('MARKETPLACE_FACILITATOR');
  });

  it('has a product, shipping, gift-wrap, promotion and note line per item, each with its own tax', () => {
    expect(money(mapped.lines)).toEqual([
      ['item:41925837261054', 'product', 3, '14.99', '4.65', '44.97'],
      ['shipping:41925837261054', 'shipping', 1, '5.99', '0.62', '5.99'],
      ['gift_wrap:41925837261054', 'gift_wrap', 1, '3.99', '0.41', '3.99'],
      ['discount:item:41925837261054', 'discount', 1, '-5.00', '-0.52', '-5.00'],
      ['discount:shipping:41925837261054', 'discount', 1, '-5.99', '-0.62', '-5.99'],
      ['note:gift:41925837261054', 'note', 0, '0.00', '0.00', '0.00'],
      ['item:41925837261178', 'product', 1, '19.50', '2.02', '19.50'],
      ['shipping:41925837261178', 'shipping', 1, '3.49', '0.36', '3.49'],
      ['note:gift:41925837261178', 'note', 0, '0.00', '0.00', '0.00'],
    ]);
  });

  it('keeps the product’s SKU and title, and names the promotions on their lines', () => {
    const byKey = Object.fromEntries(mapped.lines.map((l) => [l.lineKey, l]));
    expect(byKey['item:41925837261054']).toEqual({
      lineKey: 'item:41925837261054',
      kind: 'product',
      amazonOrderItemId: '41925837261054',
      sku: 'MUG-CER-12OZ-BLU',
      name: 'Ceramic Coffee Mug 12 oz, Cobalt Blue',
      quantity: 3,
      unitPrice: '14.99',
      discount: '0.00',
      tax: '4.65',
      subtotal: '44.97',
      note: null,
    });
    expect(byKey['discount:shipping:41925837261054'].note).toBe('Amazon promotions: US-MUG3-5OFF-2026, US-FREESHIP-35');
    expect(byKey['gift_wrap:41925837261054'].name).toBe('Gift wrap (Classic) for MUG-CER-12OZ-BLU');
    expect(byKey['note:gift:41925837261054'].note).toBe('Happy birthday, Dan! Love, Em');
  });

  it('carries the header, every gift message, and what the delivery must ship', () => {
    expect(mapped).toMatchObject({
      channel: 'FBM',
      state: 'confirmed',
      currency: 'USD',
      purchaseDate: '2026-11-24T18:42:07Z',
      latestShipDate: '2026-11-27T07:59:59Z',
      isPrime: true,
      isBusiness: false,
      giftMessage: 'Happy birthday, Dan! Love, Em\nCoasters for the new table.',
    });
    const delivery = mapped.deliveryItems.map((d) => [
      d.lineKey,
      d.amazonOrderItemId,
      d.sku,
      d.quantity,
      d.quantityFulfilled,
    ]);
    expect(delivery).toEqual([
      ['item:41925837261054', '41925837261054', 'MUG-CER-12OZ-BLU', 3, 0],
      ['item:41925837261178', '41925837261178', 'COASTER-SLATE-4PK', 1, 0],
    ]);
    expect(mapped.buyerCancellationRequests).toEqual([]);
    expect(mapped.amazonPackages).toEqual([]);
  });

  it('makes the buyer the contact and the gift recipient the delivery address', () => {
    expect(mapped.customer).toEqual({
      matchKey: buyerKey('4xk2mz9q7wr1t5b@marketplace.amazon.com'),
      name: 'Emily Carter',
      company: null,
      email: '4xk2mz9q7wr1t5b@marketplace.amazon.com',
      phone: null, // the phone on the address is the recipient's, not the buyer's
    });
    expect(mapped.deliveryAddress).toMatchObject({
      name: 'Daniel Carter',
      street: '2217 NE 65th St',
      street2: 'Apt 3B',
      street3: null,
      city: 'Seattle',
      district: 'King',
      stateOrRegion: 'WA',
      postalCode: '98115-6432',
      countryCode: 'US',
      phone: '+1 206-555-0148',
    });
    expect(mapped.deliveryAddress?.matchKey).toMatch(/^addr:[0-9a-f]{64}$/);
  });

  it('gives every line a unique key, and the same payload the same result', () => {
    const keys = mapped.lines.map((l) => l.lineKey);
    expect(new Set(keys).size).toBe(keys.length);
    expect(mapOrder(fixture('us-fbm-gift-promotions'), US)).toEqual(mapped);
  });

  it('leaves the payload untouched', () => {
    const order = fixture('us-fbm-gift-promotions');
    const before = structuredClone(order);
    mapOrder(order, US);
    expect(order).toEqual(before);
  });
});

describe('a DE order in EUR with VAT-inclusive prices', () => {
  const mapped = mapOrder(fixture('de-fbm-vat'), DE);

  it("totals Amazon's grand total, the VAT taken out of the prices", () => {
    expect(mapped.pricesIncludeTax).toBe(true);
    expect(mapped.totals).toEqual({ untaxed: '71.30', tax: '13.55', total: '84.85' });
    expect(mapped.amazonGrandTotal).toBe('84.85');
  });

  it('puts net prices on the lines; a unit price that does not divide evenly keeps six decimals', () => {
    expect(money(mapped.lines)).toEqual([
      ['item:54019377264118', 'product', 2, '21.00', '7.98', '42.00'],
      ['shipping:54019377264118', 'shipping', 1, '4.12', '0.78', '4.12'],
      ['item:54019377264230', 'product', 3, '8.393333', '4.79', '25.18'],
    ]);
  });

  it('falls back to the marketplace’s custom when Amazon gives no proceedsTotal to tell', () => {
    const order = fixture('de-fbm-vat');
    for (const item of order.orderItems) delete item.proceeds!.proceedsTotal;
    expect(money(mapOrder(order, DE).lines)).toEqual(money(mapped.lines));
  });
});

describe('a UK business order', () => {
  const mapped = mapOrder(fixture('uk-business-company'), UK);

  it('keeps the company name on the contact and the address', () => {
    expect(mapped.isBusiness).toBe(true);
    expect(mapped.customer).toEqual({
      matchKey: buyerKey('d8v3n6k1q9p2x7c@marketplace.amazon.co.uk'),
      name: 'Priya Natarajan',
      company: 'Harbour Lane Studio Ltd',
      email: 'd8v3n6k1q9p2x7c@marketplace.amazon.co.uk',
      phone: '+44 151 496 0732', // the buyer receives the parcel
    });
    expect(mapped.deliveryAddress).toMatchObject({
      company: 'Harbour Lane Studio Ltd',
      street: 'Unit 7, Baltic Works',
    });
  });

  it("totals Amazon's grand total in GBP with 20% VAT inside", () => {
    expect(money(mapped.lines)).toEqual([
      ['item:63218840177502', 'product', 5, '9.50', '9.50', '47.50'],
      ['shipping:63218840177502', 'shipping', 1, '3.00', '0.60', '3.00'],
      ['item:63218840177614', 'product', 2, '7.49', '3.00', '14.98'],
    ]);
    expect(mapped.totals).toEqual({ untaxed: '65.48', tax: '13.10', total: '78.58' });
  });
});

describe('a North-American FBA order without buyer name', () => {
  const mapped = mapOrder(fixture('us-fba-no-pii'), US);

  it('is imported shipped, with a contact of its own named after the order', () => {
    expect(mapped).toMatchObject({ channel: 'FBA', state: 'shipped', amazonStatus: 'SHIPPED' });
    expect(mapped.customer).toEqual({
      matchKey: 'order:114-9083372-5561802',
      name: 'Amazon Customer #114-9083372-5561802',
      company: null,
      email: null,
      phone: null,
    });
  });

  it('keeps the city-level address Amazon gives, and asks no delivery of us', () => {
    expect(mapped.deliveryAddress).toMatchObject({
      name: 'Amazon Customer #114-9083372-5561802',
      street: null,
      city: 'AUSTIN',
      stateOrRegion: 'TX',
      postalCode: '78745-1234',
      countryCode: 'US',
    });
    expect(mapped.deliveryItems).toEqual([]);
  });

  it("totals Amazon's grand total with the tax Amazon collects", () => {
    expect(money(mapped.lines)).toEqual([['item:70281946655310', 'product', 2, '27.99', '4.62', '55.98']]);
    expect(mapped.totals).toEqual({ untaxed: '55.98', tax: '4.62', total: '60.60' });
  });
});

describe('a FR order with a three-line address', () => {
  const mapped = mapOrder(fixture('fr-three-line-address'), FR);

  it('keeps every address line and every accent', () => {
    expect(mapped.deliveryAddress).toMatchObject({
      name: 'Hélène Lefèvre-Dubois',
      street: 'Résidence Les Glycines, Bât. C',
      street2: 'Escalier 2, 3ᵉ étage, porte 12',
      street3: '12 rue de l’Église',
      city: 'Saint-Étienne',
      postalCode: '42000',
      countryCode: 'FR',
    });
    expect(mapped.lines[0].name).toBe('Théière en fonte « Jardin zen », 1,2 L, noir mat');
  });

  it('finds the same address however its Unicode, blanks or case are written', () => {
    const order = fixture('fr-three-line-address');
    const a = order.recipient!.deliveryAddress!;
    a.name = a.name!.normalize('NFD');
    a.city = ` ${a.city!.normalize('NFD').toUpperCase()} `;
    a.addressLine2 = a.addressLine2!.replace(/ /g, '  ');
    a.phone = undefined;
    expect(mapOrder(order, FR).deliveryAddress!.matchKey).toBe(mapped.deliveryAddress!.matchKey);
  });

  it('tells a different street, or the same street of another buyer, apart', () => {
    const moved = fixture('fr-three-line-address');
    moved.recipient!.deliveryAddress!.addressLine3 = '14 rue de l’Église';
    const otherBuyer = fixture('fr-three-line-address');
    otherBuyer.buyer!.buyerEmail = 'k3j8w1r6t9m2x5q@marketplace.amazon.fr';
    const keys = [mapped, mapOrder(moved, FR), mapOrder(otherBuyer, FR)].map((m) => m.deliveryAddress!.matchKey);
    expect(new Set(keys).size).toBe(3);
  });

  it("totals Amazon's grand total", () => {
    expect(money(mapped.lines)).toEqual([
      ['item:38815520394471', 'product', 1, '33.25', '6.65', '33.25'],
      ['shipping:38815520394471', 'shipping', 1, '4.92', '0.98', '4.92'],
    ]);
    expect(mapped.totals).toEqual({ untaxed: '38.17', tax: '7.63', total: '45.80' });
  });
});

describe("Amazon's own example orders in the model", () => {
  it('getOrder (UK): tax on top, as its proceedsTotal says; the package Amazon reports', () => {
    const mapped = mapOrder(modelExample('/orders/2026-01-01/orders/{orderId}'), UK);
    expect(mapped.pricesIncludeTax).toBe(false);
    expect(money(mapped.lines)).toEqual([
      ['item:20212345678901', 'product', 3, '29.99', '3.00', '89.97'],
      ['shipping:20212345678901', 'shipping', 1, '10.00', '1.00', '10.00'],
      ['note:gift:20212345678901', 'note', 0, '0.00', '0.00', '0.00'],
    ]);
    expect(mapped.totals).toEqual({ untaxed: '99.97', tax: '4.00', total: '103.97' });
    expect(mapped.state).toBe('shipped');
    expect(mapped.amazonPackages).toEqual([
      {
        packageReferenceId: 'UK-PKG-2024-001',
        status: 'IN_TRANSIT',
        carrier: 'Royal Mail',
        shippingService: 'Royal Mail Tracked 48',
        trackingNumber: 'RR123456789GB',
        shipTime: '2024-12-26T14:00:00Z',
        items: [{ amazonOrderItemId: '20212345678901', quantity: 3 }],
      },
    ]);
  });

  it('searchOrders (US): the order-level delivery tip is a line, so the total still equals grandTotal', () => {
    const mapped = mapOrder(modelExample('/orders/2026-01-01/orders'), US);
    expect(money(mapped.lines).filter(([, kind]) => kind !== 'note')).toEqual([
      ['item:12345678901234', 'product', 2, '49.99', '0.02', '99.98'],
      ['item:12345678901235', 'product', 1, '49.99', '0.00', '49.99'],
      ['delivery_tip', 'shipping', 1, '5.00', '0.00', '5.00'],
    ]);
    expect(mapped.totals).toEqual({ untaxed: '154.97', tax: '0.02', total: '154.99' });
    expect(mapped.customer.company).toBe('Smith Industries LLC');
    expect(mapped.buyerCancellationRequests).toEqual([]); // the buyer's request was already executed
  });
});

describe('other currencies and states', () => {
  it('maps JPY without decimals', () => {
    const order = fixture('us-fba-no-pii');
    order.salesChannel.marketplaceId = JP.id;
    const yen = (amount: string) => ({ amount, currencyCode: 'JPY' });
    const item = order.orderItems[0];
    item.product.price = { unitPrice: yen('1980') };
    item.proceeds = {
      proceedsTotal: yen('3960'),
      breakdowns: [
        { type: 'ITEM', subtotal: yen('3960') },
        { type: 'TAX', subtotal: yen('360'), detailedBreakdowns: [{ subtype: 'ITEM', value: yen('360') }] },
      ],
    };
    order.proceeds = { grandTotal: yen('3960') };
    const mapped = mapOrder(order, JP);
    expect(money(mapped.lines)).toEqual([['item:70281946655310', 'product', 2, '1800', '360', '3600']]);
    expect(mapped.totals).toEqual({ untaxed: '3600', tax: '360', total: '3960' });
  });

  it('maps a cancelled order whose money Amazon no longer gives, with nothing to ship', () => {
    const order = fixture('us-fbm-gift-promotions');
    order.fulfillment!.fulfillmentStatus = 'CANCELLED';
    delete order.proceeds;
    for (const item of order.orderItems) {
      delete item.proceeds;
      item.quantityOrdered = 0;
    }
    const mapped = mapOrder(order, US);
    expect(mapped).toMatchObject({ state: 'cancelled', amazonGrandTotal: null, deliveryItems: [] });
    expect(mapped.totals).toEqual({ untaxed: '0.00', tax: '0.00', total: '0.00' });
  });

  it('can still map a pending order, which has no buyer and no money yet', () => {
    const mapped = mapOrder(fixture('us-pending'), US);
    expect(mapped).toMatchObject({ state: 'pending', amazonGrandTotal: null, deliveryAddress: null });
    expect(mapped.customer.name).toBe('Amazon Customer #112-3390581-7720316');
    expect(mapped.totals.total).toBe('0.00');
  });

  it("lists a buyer's open cancellation request", () => {
    const order = fixture('us-fbm-gift-promotions');
    order.orderItems[1].cancellation = {
      cancellationRequest: { requester: 'BUYER', cancelReason: 'Ordered by mistake' },
    };
    expect(mapOrder(order, US).buyerCancellationRequests).toEqual([
      { amazonOrderItemId: '41925837261178', sku: 'COASTER-SLATE-4PK', reason: 'Ordered by mistake' },
    ]);
  });

  it('matches a buyer by the lowercased anonymised e-mail', () => {
    const order = fixture('us-fbm-gift-promotions');
    order.buyer!.buyerEmail = '4XK2MZ9Q7WR1T5B@Marketplace.Amazon.com';
    expect(mapOrder(order, US).customer.matchKey).toBe(buyerKey('4xk2mz9q7wr1t5b@marketplace.amazon.com'));
  });
});

describe('a payload whose numbers do not hold is refused, naming the field', () => {
  const usItem = (i: number) => (o: Order) => o.orderItems[i].proceeds!;
  // prettier-ignore
  const cases: [string, () => MappedOrder, string, string][] = [
    ['a 3-decimal amount', () => mapOrder(fixture('malformed-three-decimals'), US),
      'orderItems[0].proceeds.breakdowns[1].subtotal.amount', '4.948 has more decimals than USD allows (2)'],
    ['an item price in another currency', () => mapOrder(fixture('malformed-foreign-currency'), DE),
      'orderItems[0].product.price.unitPrice.currencyCode', "USD differs from the order's currency EUR"],
    ['a duplicated orderItemId', () => mapOrder(fixture('malformed-duplicate-item-id'), US),
      'orderItems[1].orderItemId', '29103847561102 appears twice'],
    ['an item without price', () => withUs((o) => delete o.orderItems[1].proceeds),
      'orderItems[1].proceeds.breakdowns', 'no ITEM amount'],
    ['a zero quantity', () => withUs((o) => (o.orderItems[0].quantityOrdered = 0)),
      'orderItems[0].quantityOrdered', '0 is not a positive whole number'],
    ['a negative quantity', () => withUs((o) => (o.orderItems[1].quantityOrdered = -1)),
      'orderItems[1].quantityOrdered', '-1 is not a positive whole number'],
    ['a grandTotal a cent off', () => withUs((o) => (o.proceeds!.grandTotal!.amount = '73.88')),
      'proceeds.grandTotal.amount', "grandTotal is 73.88 USD but the order's lines add up to 73.87"],
    ['an item total that is not its breakdowns', () => withUs((o) => (usItem(0)(o).proceedsTotal!.amount = '48.51')),
      'orderItems[0].proceeds.proceedsTotal', 'is 48.51: neither the charges (43.96) nor charges plus TAX (48.50)'],
    ['a positive discount', () => withUs(flipDiscount),
      'orderItems[0].proceeds.breakdowns[3].detailedBreakdowns[0].value.amount', 'must be negative or zero'],
    ['tax details that do not add up', () => withUs((o) => (usItem(0)(o).breakdowns![4].subtotal.amount = '4.55')),
      'orderItems[0].proceeds.breakdowns[4].detailedBreakdowns', 'add up to 4.54 but the TAX subtotal is 4.55'],
    ['an order aggregate that is not its items', () => withUs((o) => (o.proceeds!.breakdowns![0].subtotal.amount = '64.48')),
      'proceeds.breakdowns[0].subtotal.amount', "ITEM is 64.48 but the items' ITEM add up to 64.47"],
    ['a charge our lines cannot hold', () => withUs((o) => usItem(1)(o).breakdowns!.push({ type: 'OTHER', subtotal: { amount: '1.00', currencyCode: 'USD' } })),
      'orderItems[1].proceeds.breakdowns[3].type', 'OTHER is not a charge'],
    ['a package with an unknown item', () => withUs((o) => (o.packages = [{ packageReferenceId: '1', packageItems: [{ orderItemId: '999', quantity: 1 }] }])),
      'packages[0].packageItems[0].orderItemId', '999 is not an item of the order'],
    ['an order of another marketplace', () => mapOrder(fixture('us-fbm-gift-promotions'), DE),
      'salesChannel.marketplaceId', 'ATVPDKIKX0DER is not marketplace DE'],
    ['tax on top in one item and inside in another', () => withDe((o) => (o.orderItems[0].proceeds!.proceedsTotal!.amount = '63.64')),
      'orderItems[1].proceeds.proceedsTotal', 'tax is added on top in orderItems[0] but included in orderItems[1]'],
  ];

  it.each(cases)('%s', (_what, run, field, message) => {
    const err = mappingError(run);
    expect(err.field).toBe(field);
    expect(err.message).toContain(message);
  });
});

function withUs(change: (order: Order) => unknown): MappedOrder {
  const order = fixture('us-fbm-gift-promotions');
  change(order);
  return mapOrder(order, US);
}

function withDe(change: (order: Order) => unknown): MappedOrder {
  const order = fixture('de-fbm-vat');
  change(order);
  return mapOrder(order, DE);
}

function flipDiscount(order: Order): void {
  const discount = order.orderItems[0].proceeds!.breakdowns![3];
  discount.subtotal.amount = '10.99';
  discount.detailedBreakdowns![0].value!.amount = '5.00';
  discount.detailedBreakdowns![1].value!.amount = '5.99';
}
