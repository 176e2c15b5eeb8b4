import type { Ctx, Route } from '../context';
import { HttpError, invalidInput, ok, Reply } from '../http';
import { decodePageToken, encodePageToken } from '../page-tokens';
import type { FbaInventoryItem } from '../state';

/** FBA Inventory API v1: getInventorySummaries (50 per page; nextToken expires after 30 seconds). */

const PAGE_SIZE = 50;
const TOKEN_LIFETIME_MS = 30_000;

interface InventoryPageToken {
  s: string;
  m: string;
  o: number;
  t: number;
  f: string;
}

function summary(item: FbaInventoryItem, details: boolean) {
  const total =
    item.fulfillableQuantity +
    item.inboundWorkingQuantity +
    item.inboundShippedQuantity +
    item.inboundReceivingQuantity +
    item.reservedQuantity +
    item.unfulfillableQuantity +
    item.researchingQuantity;
  return {
    ...(item.asin ? { asin: item.asin } : {}),
    ...(item.fnSku ? { fnSku: item.fnSku } : {}),
    sellerSku: item.sellerSku,
    condition: item.condition,
    ...(details
      ? {
          inventoryDetails: {
            fulfillableQuantity: item.fulfillableQuantity,
            inboundWorkingQuantity: item.inboundWorkingQuantity,
            inboundShippedQuantity: item.inboundShippedQuantity,
            inboundReceivingQuantity: item.inboundReceivingQuantity,
            reservedQuantity: {
              totalReservedQuantity: item.reservedQuantity,
              pendingCustomerOrderQuantity: item.reservedQuantity,
              pendingTransshipmentQuantity: 0,
              fcProcessingQuantity: 0,
            },
            researchingQuantity: {
              totalResearchingQuantity: item.researchingQuantity,
              researchingQuantityBreakdown: [],
            },
            unfulfillableQuantity: {
              totalUnfulfillableQuantity: item.unfulfillableQuantity,
              customerDamagedQuantity: item.unfulfillableQuantity,
              warehouseDamagedQuantity: 0,
              distributorDamagedQuantity: 0,
              carrierDamagedQuantity: 0,
              defectiveQuantity: 0,
              expiredQuantity: 0,
            },
          },
        }
      : {}),
    lastUpdatedTime: item.lastUpdatedTime,
    ...(item.productName ? { productName: item.productName } : {}),
    totalQuantity: total,
  };
}

function getInventorySummaries(ctx: Ctx): Reply {
  const q = ctx.query;
  const granularityType = q.get('granularityType');
  const granularityId = q.get('granularityId');
  const marketplaceIds = q.list('marketplaceIds');
  if (granularityType !== 'Marketplace') throw invalidInput('granularityType is required and must be Marketplace.');
  if (!granularityId) throw invalidInput('granularityId is required.');
  if (!marketplaceIds || marketplaceIds.length !== 1)
    throw invalidInput('marketplaceIds must list exactly one marketplace.');
  if (marketplaceIds[0] !== granularityId)
    throw invalidInput('granularityId must be the marketplace of marketplaceIds.');
  const seller = ctx.sb.state.sellers.get(ctx.sellerId)!;
  if (!seller.marketplaceIds.includes(granularityId))
    throw invalidInput(`Invalid marketplaceIds: ${granularityId} is not a marketplace of this seller.`);
  const detailsText = q.get('details') ?? 'false';
  if (detailsText !== 'true' && detailsText !== 'false') throw invalidInput('details must be true or false.');
  const startDateTime = q.time('startDateTime');
  const sellerSkus = q.list('sellerSkus');
  if (sellerSkus && sellerSkus.length > 50) throw invalidInput('sellerSkus can list at most 50 SKUs.');
  const sellerSku = q.get('sellerSku');

  const filter = JSON.stringify([
    granularityId,
    startDateTime ?? null,
    startDateTime === undefined ? (sellerSkus ?? sellerSku ?? null) : null,
  ]);
  const now = ctx.sb.now();
  let offset = 0;
  const tokenText = q.get('nextToken');
  if (tokenText !== undefined) {
    const token = decodePageToken<InventoryPageToken>(tokenText);
    if (!token || token.s !== ctx.sellerId || token.f !== filter) throw invalidInput('Invalid nextToken.');
    if (now - token.t > TOKEN_LIFETIME_MS) {
      throw new HttpError(400, [
        { code: 'InvalidInput', message: 'The nextToken has expired: it is valid for 30 seconds.' },
      ]);
    }
    offset = token.o;
  }

  // Amazon's precedence: startDateTime, else sellerSkus, else sellerSku.
  const items = [...ctx.sb.state.inventory(ctx.sellerId, granularityId).values()]
    .filter((i) =>
      startDateTime !== undefined
        ? Date.parse(i.lastUpdatedTime) > startDateTime
        : sellerSkus
          ? sellerSkus.includes(i.sellerSku)
          : sellerSku
            ? i.sellerSku === sellerSku
            : true,
    )
    .sort((a, b) => a.sellerSku.localeCompare(b.sellerSku));
  const page = items.slice(offset, offset + PAGE_SIZE);
  const more = offset + PAGE_SIZE < items.length;
  return ok({
    ...(more
      ? {
          pagination: {
            nextToken: encodePageToken({
              s: ctx.sellerId,
              m: granularityId,
              o: offset + PAGE_SIZE,
              t: now,
              f: filter,
            } satisfies InventoryPageToken),
          },
        }
      : {}),
    payload: {
      granularity: { granularityType, granularityId },
      inventorySummaries: page.map((i) => summary(i, detailsText === 'true')),
    },
  });
}

export const fbaInventoryRoutes: Route[] = [
  {
    method: 'GET',
    path: '/fba/inventory/v1/summaries',
    kind: 'spapi',
    operation: 'getInventorySummaries',
    handler: getInventorySummaries,
  },
];
