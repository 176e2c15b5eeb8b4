import type { Ctx, Route } from '../context';
import { ok, Reply } from '../http';
import { marketplace } from '../marketplaces';

/** Sellers API v1: getMarketplaceParticipations. */

function getMarketplaceParticipations(ctx: Ctx): Reply {
  const seller = ctx.sb.state.sellers.get(ctx.sellerId)!;
  const payload = seller.marketplaceIds.flatMap((id) => {
    const m = marketplace(id);
    // Each regional endpoint answers with the marketplaces of its region.
    if (!m || (ctx.region && m.region !== ctx.region)) return [];
    const { region: _region, ...description } = m;
    return [
      {
        marketplace: description,
        storeName: seller.storeName,
        participation: { isParticipating: true, hasSuspendedListings: false },
      },
    ];
  });
  return ok({ payload });
}

export const sellerRoutes: Route[] = [
  {
    method: 'GET',
    path: '/sellers/v1/marketplaceParticipations',
    kind: 'spapi',
    operation: 'getMarketplaceParticipations',
    handler: getMarketplaceParticipations,
  },
];
