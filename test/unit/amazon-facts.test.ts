import { FULFILLMENT_STATUSES, INCLUDED_DATA, ORDER_INCLUDED_DATA } from '../../lib/amazon-facts';
import { parameterEnum, spApiModel } from '../../lib/sp-api-models';

/** lib/amazon-facts.ts is the one copy of Amazon's facts in code: where Amazon's model states a fact, the two agree. */
describe("lib/amazon-facts.ts agrees with Amazon's models", () => {
  const ORDERS = 'orders_2026-01-01.json';

  it.each(['/orders/2026-01-01/orders', '/orders/2026-01-01/orders/{orderId}'])(
    'INCLUDED_DATA is the includedData of GET %s',
    (apiPath) => {
      expect([...INCLUDED_DATA]).toEqual(parameterEnum(ORDERS, apiPath, 'get', 'includedData'));
    },
  );

  it('the connector asks only for datasets Amazon offers, and never for TAX, PAYMENT or FULFILLMENT_ORDERS', () => {
    const offered = parameterEnum(ORDERS, '/orders/2026-01-01/orders', 'get', 'includedData');
    expect(ORDER_INCLUDED_DATA.every((d) => offered.includes(d))).toBe(true);
    expect(ORDER_INCLUDED_DATA.filter((d) => ['TAX', 'PAYMENT', 'FULFILLMENT_ORDERS'].includes(d))).toEqual([]);
  });

  it("FULFILLMENT_STATUSES is the model's FulfillmentStatus and searchOrders' fulfillmentStatuses", () => {
    const model = spApiModel(ORDERS);
    expect([...FULFILLMENT_STATUSES]).toEqual(model.definitions.FulfillmentStatus.enum);
    expect([...FULFILLMENT_STATUSES]).toEqual(
      parameterEnum(ORDERS, '/orders/2026-01-01/orders', 'get', 'fulfillmentStatuses'),
    );
  });

  it('names the parameter and the file when a model has no such enum', () => {
    expect(() => parameterEnum(ORDERS, '/orders/2026-01-01/orders', 'get', 'nope')).toThrow(
      'orders_2026-01-01.json has no enum for GET /orders/2026-01-01/orders nope',
    );
  });
});
