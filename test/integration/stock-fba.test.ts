import pino from 'pino';
import { accountLocations, postMove } from '../../book/locations';
import { callSpApi } from '../../activities/spapi/call';
import { SpApiClients } from '../../activities/spapi/clients';
import { fbaDrift } from '../../book/stock';
import { keyringFromEnv } from '../../lib/secrets';
import { fbaStockSync, FbaStockSyncResult } from '../../workflows/fba-stock-sync';
import { response, expectValid } from '../support/models';
import { Harness, startHarness } from '../support/harness';
import { DE, FR, product } from '../fixtures/stock/book';

const ACCOUNT = { id: 'fba-eu', sellerId: 'A3FBASELLER001', region: 'eu' as const, marketplaceIds: [DE, FR] };
let h: Harness;
let runs = 0;
/** What the worker logged, one parsed JSON line each. */
const logLines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  const logger = pino({ level: 'info' }, { write: (line: string) => logLines.push(JSON.parse(line)) });
  h = await startHarness({ accounts: [ACCOUNT], logger });
});
afterAll(async () => h?.close());

const db = () => h.testDb.db;
const sku = (i: number) => `FBA-${String(i).padStart(4, '0')}`;

function sync(): Promise<FbaStockSyncResult> {
  return h.client.workflow.execute(fbaStockSync, {
    taskQueue: h.taskQueue,
    workflowId: `fba-stock-sync:${ACCOUNT.id}:test:${runs++}`,
    args: [{ accountId: ACCOUNT.id }],
  });
}

async function fbaQuant(productSku: string): Promise<number | undefined> {
  const { fbaId } = await accountLocations(db(), ACCOUNT.id);
  const row = await db()('stock_quants as q')
    .join('products as p', 'p.id', 'q.product_id')
    .where({ 'q.location_id': fbaId, 'p.sku': productSku })
    .first('q.quantity');
  return row?.quantity;
}

describe('fbaStockSync: FBA inventory mirrored into the FBA location', () => {
  it("reads every page of every marketplace and sets the FBA location to Amazon's fulfillable quantity", async () => {
    for (let i = 1; i <= 120; i++) await product(db(), sku(i), 0);
    await product(db(), 'FBA-WH-ONLY', 30);
    const de = Array.from({ length: 120 }, (_, i) => ({
      sellerSku: sku(i + 1),
      fulfillableQuantity: i + 1,
      inboundShippedQuantity: 2,
    }));
    await h.admin.putFbaInventory(ACCOUNT.sellerId, DE, [...de, { sellerSku: 'FBA-STRAY', fulfillableQuantity: 4 }]);
    // Pan-EU: the same pool reported in France too; it is one pool, not two.
    await h.admin.putFbaInventory(ACCOUNT.sellerId, FR, [{ sellerSku: sku(1), fulfillableQuantity: 1 }]);

    const result = await sync();
    expect(result).toMatchObject({
      marketplaces: 2,
      skus: 121,
      products: 120,
      unmatchedSkus: 1,
      baseline: true,
      drifted: 0,
    });
    expect(result.pages).toBe(3 + 1); // 121 summaries at 50 a page in DE, one page in FR
    expect(await fbaQuant(sku(7))).toBe(7);
    expect(await fbaQuant(sku(1))).toBe(1);
    expect(await fbaQuant('FBA-WH-ONLY')).toBeUndefined();
    const row = await db()('fba_inventory')
      .where({ account_id: ACCOUNT.id, marketplace_id: DE, seller_sku: sku(7) })
      .first();
    expect(row).toMatchObject({ fulfillable_quantity: 7, total_quantity: 9 });
    // The catalog's FBA SKUs get FBA offers: stockSync never sends them a quantity.
    expect(
      await db()('offers')
        .where({ account_id: ACCOUNT.id, seller_sku: sku(7) })
        .select('marketplace_id', 'channel'),
    ).toEqual([{ marketplace_id: DE, channel: 'FBA' }]);
    expect(await fbaDrift(db(), { accountId: ACCOUNT.id })).toEqual([]);
  });

  it('lists as drift what differs from our moves, then follows Amazon', async () => {
    const p7 = (
      await db()('products')
        .where({ sku: sku(7) })
        .first('id')
    ).id;
    const { fbaId, customersId } = await accountLocations(db(), ACCOUNT.id);
    // An FBA order shipped 2: our moves predict 5. Amazon says 4 (one damaged), and no longer reports FBA-0120.
    await postMove(db(), {
      reference: 'test:fba-order:1',
      productId: p7,
      fromId: fbaId,
      toId: customersId,
      quantity: 2,
      origin: '305-0000000-0000001',
    });
    const de = Array.from({ length: 119 }, (_, i) => ({
      sellerSku: sku(i + 1),
      fulfillableQuantity: i + 1 === 7 ? 4 : i + 1,
    }));
    await h.admin.putFbaInventory(ACCOUNT.sellerId, DE, de);

    const result = await sync();
    expect(result).toMatchObject({ baseline: false, drifted: 2, skus: 119 });
    // The warning leads to the run: it names the workflow, which the activity's input does not carry.
    expect(logLines.filter((l) => l.msg === 'FBA stock differs from what our moves predicted')).toEqual([
      expect.objectContaining({
        account: ACCOUNT.id,
        drifted: 2,
        workflowId: `fba-stock-sync:${ACCOUNT.id}:test:${runs - 1}`,
      }),
    ]);
    const drift = await fbaDrift(db(), { accountId: ACCOUNT.id });
    expect(drift.map((d) => [d.sku, d.predicted, d.amazon, d.drift])).toEqual([
      [sku(7), 5, 4, -1],
      [sku(120), 120, 0, -120],
    ]);
    expect(await fbaQuant(sku(7))).toBe(4);
    expect(await fbaQuant(sku(120))).toBe(0);
    expect(
      await db()('fba_inventory').where({ account_id: ACCOUNT.id, seller_sku: 'FBA-STRAY' }).first(),
    ).toBeUndefined();
    // The warehouse is not Amazon's business.
    const wh = await db()('stock_quants as q')
      .join('stock_locations as l', 'l.id', 'q.location_id')
      .join('products as p', 'p.id', 'q.product_id')
      .where({ 'l.code': 'WH', 'p.sku': 'FBA-WH-ONLY' })
      .first('q.quantity');
    expect(wh.quantity).toBe(30);
  });

  it("reads getInventorySummaries in Amazon's model shape", async () => {
    const { sp } = await new SpApiClients(db(), keyringFromEnv()).forAccount(ACCOUNT.id);
    const body = await callSpApi(sp, {
      operation: 'getInventorySummaries',
      endpoint: 'fbaInventory',
      query: { details: true, granularityType: 'Marketplace', granularityId: DE, marketplaceIds: [DE] },
    });
    expectValid(
      response('fbaInventory.json', '/fba/inventory/v1/summaries', 'GET', 200),
      body,
      'getInventorySummaries',
    );
  });
});
