import type { FbaSummary } from '../../book/fba-stock';
import type { SpApi } from './gateway';

/** FBA Inventory getInventorySummaries, and Amazon's InventorySummary → ours (pure). */

/** Fulfillable is what can be sold now; total adds inbound, reserved, unfulfillable. */
export function fbaSummary(s: any): FbaSummary | undefined {
  if (!s?.sellerSku) return undefined;
  const whole = (v: unknown) => (Number.isInteger(v) && (v as number) >= 0 ? (v as number) : 0);
  return {
    sellerSku: String(s.sellerSku),
    ...(s.asin ? { asin: String(s.asin) } : {}),
    ...(s.fnSku ? { fnSku: String(s.fnSku) } : {}),
    fulfillableQuantity: whole(s.inventoryDetails?.fulfillableQuantity),
    totalQuantity: whole(s.totalQuantity),
  };
}

/** One page of a marketplace's FBA inventory (Amazon's nextToken expires after 30 seconds: read pages back to back). */
export async function inventoryPage(
  spapi: SpApi,
  accountId: string,
  marketplaceId: string,
  nextToken?: string,
): Promise<{ summaries: FbaSummary[]; nextToken?: string }> {
  const res = await spapi.call<{ payload?: { inventorySummaries?: unknown[] }; pagination?: { nextToken?: string } }>(
    accountId,
    {
      operation: 'getInventorySummaries',
      endpoint: 'fbaInventory',
      query: {
        details: true,
        granularityType: 'Marketplace',
        granularityId: marketplaceId,
        marketplaceIds: [marketplaceId],
        ...(nextToken ? { nextToken } : {}),
      },
    },
  );
  return {
    summaries: (res.payload?.inventorySummaries ?? []).map(fbaSummary).filter((s) => s !== undefined),
    nextToken: res.pagination?.nextToken,
  };
}
