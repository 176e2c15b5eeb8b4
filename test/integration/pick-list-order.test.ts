import { fixtureImporter, insertBareAccount } from '../../bench/support/book';
import { pickList } from '../../book/pick-list';
import { hoursFromNow } from '../support/orders';
import { createTestDatabase, TestDatabase } from '../support/db';

/**
 * The pick list sorts by the delivery's copy of its order's latest ship date (migration 016): the order import writes
 * it with the delivery and moves it when a re-import moves the order's date, so the list keeps the order's order.
 */
let t: TestDatabase;
let importOrders: ReturnType<typeof fixtureImporter>;
beforeAll(async () => {
  t = await createTestDatabase();
  await insertBareAccount(t.db, 'pick', 'A0PICKLIST01');
  importOrders = fixtureImporter(t.db, 'pick');
});
afterAll(async () => {
  await t?.drop();
});

/** Imports (or re-imports) each order with the latest ship date given, in hours from now. */
async function importWithLatest(latest: Record<string, number>) {
  const ids = Object.keys(latest);
  await t.db('amazon_order_snapshots').whereIn('amazon_order_id', ids).delete();
  await importOrders(ids, (order, i) => {
    order.fulfillment.shipByWindow = {
      earliestDateTime: hoursFromNow(-1),
      latestDateTime: hoursFromNow(latest[ids[i]]),
    };
    return order;
  });
}

/** The whole list walked one delivery a page, through the cursor. */
async function walk(): Promise<string[]> {
  const seen: string[] = [];
  let cursor: string | undefined;
  do {
    const page = await pickList(t.db, { limit: 1, cursor });
    seen.push(...page.items.map((d) => d.amazonOrderId));
    cursor = page.nextCursor ?? undefined;
  } while (cursor);
  return seen;
}

it('lists open deliveries by their order latest ship date, and follows a re-import that moves it', async () => {
  await importWithLatest({ '114-0000001-0000001': 30, '114-0000002-0000001': 10, '114-0000003-0000001': 20 });
  expect(await walk()).toEqual(['114-0000002-0000001', '114-0000003-0000001', '114-0000001-0000001']);

  await importWithLatest({ '114-0000001-0000001': 5 });
  expect(await walk()).toEqual(['114-0000001-0000001', '114-0000002-0000001', '114-0000003-0000001']);
  const copies = await t
    .db('deliveries as d')
    .join('sale_orders as o', 'o.id', 'd.order_id')
    .select('o.latest_ship_date as order', 'd.latest_ship_date as delivery');
  expect(copies).toHaveLength(3);
  for (const c of copies) expect(c.delivery).toEqual(c.order);
  const first = (await pickList(t.db, { limit: 1 })).items[0];
  expect(Date.parse(first.latestShipDate!)).toBeCloseTo(Date.parse(hoursFromNow(5)), -5);
});
