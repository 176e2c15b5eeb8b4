import { SandboxAdmin } from './admin-client';
import { CATALOG } from './catalog';
import { amazonChannelOf, marketplace } from './marketplaces';
import { Random } from './random';

/** The demo sellers `connector sandbox` (and the demo) start with: fixed credentials, the demo catalog listed, some orders. */

export interface DemoSeller {
  name: string;
  sellerId: string;
  region: 'na' | 'eu';
  marketplaceIds: string[];
  clientId: string;
  clientSecret: string;
  refreshToken: string;
}

const CLIENT = {
  clientId: 'amzn1.application-oa2-client.sandboxdemo0000000000000001',
  clientSecret: 'amzn1.oa2-cs.v1.sandboxdemosecret000000000000000001',
};

export const DEMO_SELLERS: readonly DemoSeller[] = [
  {
    name: 'demo-na',
    sellerId: 'A1DEMOSELLERNA',
    region: 'na',
    marketplaceIds: ['ATVPDKIKX0DER', 'A2EUQ1WTGCTBG2', 'A1AM78C64UM0Y8'],
    ...CLIENT,
    refreshToken: 'Atzr|sandbox-demo-na-refresh-token',
  },
  {
    name: 'demo-eu',
    sellerId: 'A2DEMOSELLEREU',
    region: 'eu',
    marketplaceIds: [
      'A1PA6795UKMFR9',
      'A1RKKUPIHCS9HS',
      'A13V1IB3VIYZZH',
      'A1F83G8C2ARO7P',
      'APJ6JRA9NG5V4',
      'A1805IZSGTT6HS',
    ],
    ...CLIENT,
    refreshToken: 'Atzr|sandbox-demo-eu-refresh-token',
  },
];

/**
 * Creates the demo sellers with the catalog listed in all their marketplaces (DEMO-SKU-1..28 seller-fulfilled,
 * 29..40 FBA with FBA stock) and `orders` generated orders each. A seller that already exists (a --state file) is left
 * as it is.
 */
export async function seedDemo(baseUrl: string, opts: { seed: number; orders: number }): Promise<DemoSeller[]> {
  const admin = new SandboxAdmin(baseUrl);
  const r = new Random(opts.seed);
  for (const seller of DEMO_SELLERS) {
    if (await admin.getSeller(seller.sellerId)) continue;
    const { name: _name, region: _region, ...spec } = seller;
    await admin.createSeller({ ...spec, storeName: `Demo Store ${seller.region.toUpperCase()}` });
    for (const item of CATALOG) {
      const fba = item.fulfilledBy === 'AMAZON';
      await admin.putListing(seller.sellerId, item.sku, {
        marketplaceIds: seller.marketplaceIds,
        productType: item.productType,
        fulfillmentChannelCode: fba ? amazonChannelOf(seller.marketplaceIds[0]) : 'DEFAULT',
        ...(fba ? {} : { quantity: r.int(5, 60) }),
        asin: item.asin,
        itemName:
          item.title[marketplace(seller.marketplaceIds[0])!.defaultLanguageCode.slice(0, 2) as 'en'] ?? item.title.en,
      });
    }
    for (const marketplaceId of seller.marketplaceIds) {
      const fbaItems = CATALOG.filter((c) => c.fulfilledBy === 'AMAZON').map((c) => ({
        sellerSku: c.sku,
        asin: c.asin,
        fnSku: `X00${c.asin.slice(3)}`,
        productName: c.title.en,
        fulfillableQuantity: r.int(0, 120),
        inboundShippedQuantity: r.int(0, 20),
        reservedQuantity: r.int(0, 5),
      }));
      await admin.putFbaInventory(seller.sellerId, marketplaceId, fbaItems);
    }
    if (opts.orders > 0) await admin.generateOrders(seller.sellerId, { count: opts.orders, seed: opts.seed });
  }
  return [...DEMO_SELLERS];
}
