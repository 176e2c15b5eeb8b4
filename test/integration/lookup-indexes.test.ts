import { createTestDatabase, TestDatabase } from '../support/db';

/**
 * The lookups that scanned sale_orders at 200,000 orders (bench/order-lookup.ts) have an index of their own
 * (migration 007), and the pick list's page has one (016). With sequential scans priced out, the planner names the index: without it, it still scans.
 */
let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => {
  await t?.drop();
});

/** The plan with sequential scans priced out. */
const planOf = (sql: string, bindings: unknown[]) =>
  t.db.transaction(async (trx) => {
    await trx.raw('SET LOCAL enable_seqscan = off');
    const { rows } = await trx.raw(`EXPLAIN ${sql}`, bindings as any[]);
    return rows.map((r: any) => r['QUERY PLAN']).join('\n') as string;
  });

it.each([
  [
    'an order by its Amazon id alone',
    'SELECT id FROM sale_orders WHERE amazon_order_id = ? LIMIT 2',
    ['113-1'],
    /Index Cond: \(amazon_order_id = /,
  ],
  [
    'orders list, newest first',
    'SELECT * FROM sale_orders ORDER BY purchase_date DESC, id DESC LIMIT 100',
    [],
    /sale_orders_purchase_date_index/,
  ],
  [
    "the PII purge's is-this-contact-still-used check",
    'SELECT id FROM sale_orders WHERE pii_purged_at IS NULL AND (partner_id = ? OR delivery_address_id = ?) LIMIT 1',
    [1, 1],
    /sale_orders_(partner|address)_unpurged_index/,
  ],
  [
    'delivery lines of an order line',
    'SELECT id FROM delivery_lines WHERE order_line_id = ? LIMIT 1',
    [1],
    /delivery_lines_order_line_id_index/,
  ],
  [
    'snapshots by age (the PII sweep)',
    'SELECT amazon_order_id FROM amazon_order_snapshots WHERE last_updated_time < now() LIMIT 1',
    [],
    /amazon_order_snapshots_last_updated_time_index/,
  ],
  [
    'the pick list, a page of open deliveries from its cursor (migration 016)',
    `SELECT d.id FROM deliveries d JOIN sale_orders o ON o.id = d.order_id
     WHERE o.channel = 'FBM' AND d.state = 'open'
       AND (COALESCE(d.latest_ship_date, 'infinity'::timestamptz), d.id) > (?::timestamptz, ?)
     ORDER BY COALESCE(d.latest_ship_date, 'infinity'::timestamptz), d.id LIMIT 101`,
    ['2026-12-03T00:00:00Z', 1],
    /Index Scan using deliveries_open_ship_key_index[\s\S]*Index Cond: \(ROW\(COALESCE/,
  ],
])('%s uses its index', async (_name, sql, bindings, index) => {
  const plan = await planOf(sql, bindings);
  expect(plan).toMatch(index);
  expect(plan).not.toMatch(/Seq Scan/);
});
