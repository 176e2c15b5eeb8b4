import { checkOrderChange, orderChangeHeader } from '../../activities/spapi/order-change';
import { spApiModel } from '../../lib/sp-api-models';
import { nextCarryingSearchInMs, SEARCH_LAG_MS } from '../../workers/notification-handlers';
import { GetOrderBacklog } from '../../workers/notification-quota';

/** The pure parts of the notification consumer: Amazon's message → our header, and the getOrder backlog rule. */

/** Amazon's own example of an ORDER_CHANGE message, from the schema it publishes. */
const amazonExample = () => structuredClone(spApiModel('OrderChangeNotification.json').examples[0]);

describe('an ORDER_CHANGE message', () => {
  it('Amazon’s example passes Amazon’s schema and becomes the header an order workflow is signalled with', () => {
    const checked = checkOrderChange(amazonExample());
    expect(checked.ok).toBe(true);
    if (!checked.ok) return;
    expect(orderChangeHeader(checked.value)).toEqual({
      ok: true,
      value: {
        amazonOrderId: '903-8868176-2219830',
        marketplaceId: 'ATVPDKIKX0DER',
        channel: 'FBM',
        amazonStatus: 'UNSHIPPED',
        // TimeOfOrderChange, not EventTime: the order's own update time, what the book and a search compare.
        lastUpdatedTime: '2022-11-29T19:42:04.284Z',
      },
    });
  });

  it.each([
    ['Canceled', 'CANCELLED'],
    ['Pending', 'PENDING'],
    ['PendingAvailability', 'PENDING_AVAILABILITY'],
    ['PartiallyShipped', 'PARTIALLY_SHIPPED'],
    ['Shipped', 'SHIPPED'],
    ['InvoiceUnconfirmed', 'SHIPPED'],
    ['Unfulfillable', 'UNFULFILLABLE'],
  ])('OrderStatus %s is the fulfillment status %s; AFN is FBA', (status, expected) => {
    const message = amazonExample();
    message.Payload.OrderChangeNotification.Summary.OrderStatus = status;
    message.Payload.OrderChangeNotification.Summary.FulfillmentType = 'AFN';
    const checked = checkOrderChange(message);
    if (!checked.ok) throw new Error(checked.reason);
    const header = orderChangeHeader(checked.value);
    expect(header.ok && header.value).toMatchObject({ amazonStatus: expected, channel: 'FBA' });
  });

  it('a null TimeOfOrderChange falls back to the EventTime', () => {
    const message = amazonExample();
    message.Payload.OrderChangeNotification.OrderChangeTrigger.TimeOfOrderChange = null;
    const checked = checkOrderChange(message);
    if (!checked.ok) throw new Error(checked.reason);
    const header = orderChangeHeader(checked.value);
    expect(header.ok && header.value.lastUpdatedTime).toBe('2020-01-11T00:09:53.109Z');
  });

  it('a message missing what Amazon always sends is refused, naming the path', () => {
    const message = amazonExample();
    delete message.Payload.OrderChangeNotification.AmazonOrderId;
    const checked = checkOrderChange(message);
    expect(checked).toEqual({
      ok: false,
      reason: expect.stringContaining("/Payload/OrderChangeNotification must have required property 'AmazonOrderId'"),
    });
  });

  it('an unknown OrderStatus is refused by the schema', () => {
    const message = amazonExample();
    message.Payload.OrderChangeNotification.Summary.OrderStatus = 'Teleported';
    expect(checkOrderChange(message)).toEqual({
      ok: false,
      reason: expect.stringContaining('/Payload/OrderChangeNotification/Summary/OrderStatus'),
    });
  });

  it('another notification type in a valid envelope is not taken for an ORDER_CHANGE', () => {
    const message = amazonExample();
    message.NotificationType = 'ORDER_STATUS_CHANGE';
    expect(checkOrderChange(message)).toEqual({
      ok: false,
      reason: 'NotificationType ORDER_STATUS_CHANGE is not ORDER_CHANGE',
    });
  });
});

describe('the getOrder backlog: signal now, or let the next search carry the order', () => {
  const t0 = 1_000_000;

  it('a burst within getOrder’s 30 tokens is signalled; beyond, orders go to a search due sooner than their token', () => {
    const backlog = new GetOrderBacklog();
    const decisions = Array.from({ length: 40 }, () => backlog.decide('acct', t0, 60_000));
    // 30 tokens, then one per 2 s: the 31st order waits 2 s for its getOrder, the 40th 20 s, all sooner than the search.
    expect(decisions.filter((d) => d === 'signal')).toHaveLength(40);
    const more = Array.from({ length: 40 }, () => backlog.decide('acct', t0, 60_000));
    // The 41st to 60th wait 22 to 60 s; from the 61st (62 s) the search in a minute is sooner.
    expect(more.filter((d) => d === 'signal')).toHaveLength(20);
    expect(more.slice(20).every((d) => d === 'leave_to_search')).toBe(true);
  });

  it('orders left to the search cost no token, and tokens come back at 0.5/s', () => {
    const backlog = new GetOrderBacklog();
    for (let i = 0; i < 30; i++) backlog.decide('acct', t0, 1_000);
    expect(backlog.decide('acct', t0, 1_000)).toBe('leave_to_search');
    expect(backlog.waitMs('acct', t0)).toBe(2_000);
    expect(backlog.decide('acct', t0 + 2_000, 1_000)).toBe('signal');
  });

  it('without a scheduled search every order is signalled; accounts have their own buckets', () => {
    const backlog = new GetOrderBacklog();
    expect(Array.from({ length: 100 }, () => backlog.decide('a', t0, undefined)).every((d) => d === 'signal')).toBe(
      true,
    );
    expect(backlog.waitMs('b', t0)).toBe(0);
  });

  it('a speed-up (a sandbox in x60 mode) multiplies the rate', () => {
    const backlog = new GetOrderBacklog({ speedup: 60 });
    for (let i = 0; i < 30; i++) backlog.decide('acct', t0, undefined);
    expect(backlog.waitMs('acct', t0)).toBe(34); // 1 token at 30/s
  });

  it('the search that carries a change is the first one at least 2 minutes after it (Amazon’s search lag)', () => {
    const searches = [t0 + 60_000, t0 + 360_000];
    expect(nextCarryingSearchInMs(searches, t0, t0)).toBe(360_000);
    expect(nextCarryingSearchInMs(searches, t0 - SEARCH_LAG_MS, t0)).toBe(60_000);
    expect(nextCarryingSearchInMs(undefined, t0, t0)).toBeUndefined();
    expect(nextCarryingSearchInMs([t0 + 60_000], t0, t0)).toBeUndefined();
    // A run already past (the schedule's times are cached) carries nothing more.
    expect(nextCarryingSearchInMs(searches, t0 - 5 * SEARCH_LAG_MS, t0 + 100_000)).toBe(260_000);
  });
});
