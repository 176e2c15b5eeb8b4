import { AmazonRejected } from '../../lib/errors';
import type { SpApi } from './gateway';
import { fulfillmentPatch, listingFacts, ListingFacts } from './listings-feed';

/** Listings Items API 2021-08-01: what Amazon shows for our SKUs, and single quantity updates. */

/** searchListingsItems takes at most 20 identifiers a call. */
export const SEARCH_BATCH = 20;
const INCLUDED = ['summaries', 'fulfillmentAvailability'];

/**
 * The listings of up to 20 SKUs in one marketplace (absent SKUs are missing from the map). Identifiers travel
 * comma-separated, so a SKU containing a comma is asked for alone with getListingsItem.
 */
export async function lookupListings(
  spapi: SpApi,
  accountId: string,
  sellerId: string,
  marketplaceId: string,
  skus: string[],
): Promise<Map<string, ListingFacts>> {
  if (skus.length > SEARCH_BATCH) throw new RangeError(`at most ${SEARCH_BATCH} SKUs per lookup`);
  const found = new Map<string, ListingFacts>();
  const plain = skus.filter((s) => !s.includes(','));
  if (plain.length) {
    const page = await spapi.call<{ items?: unknown[] }>(accountId, {
      operation: 'searchListingsItems',
      endpoint: 'listingsItems',
      path: { sellerId },
      query: {
        marketplaceIds: [marketplaceId],
        identifiers: plain,
        identifiersType: 'SKU',
        includedData: INCLUDED,
        pageSize: SEARCH_BATCH,
      },
    });
    for (const item of page.items ?? []) {
      const facts = listingFacts(item, marketplaceId);
      if (plain.includes(facts.sku)) found.set(facts.sku, facts);
    }
  }
  for (const sku of skus.filter((s) => s.includes(','))) {
    try {
      const item = await spapi.call(accountId, {
        operation: 'getListingsItem',
        endpoint: 'listingsItems',
        path: { sellerId, sku },
        query: { marketplaceIds: [marketplaceId], includedData: INCLUDED },
      });
      found.set(sku, listingFacts(item, marketplaceId));
    } catch (err) {
      if (!(err instanceof AmazonRejected && err.status === 404)) throw err;
    }
  }
  return found;
}

export interface PatchOutcome {
  accepted: boolean;
  /** Amazon's errors when not accepted. */
  error: string | null;
}

/** Sets one seller-fulfilled quantity now. ACCEPTED means Amazon took it (it applies it shortly after). */
export async function patchQuantity(
  spapi: SpApi,
  accountId: string,
  sellerId: string,
  item: { marketplaceId: string; sku: string; productType: string; quantity: number },
): Promise<PatchOutcome> {
  try {
    const res = await spapi.call<{
      status?: string;
      issues?: Array<{ severity?: string; message?: string; code?: string }>;
    }>(accountId, {
      operation: 'patchListingsItem',
      endpoint: 'listingsItems',
      path: { sellerId, sku: item.sku },
      query: { marketplaceIds: [item.marketplaceId], issueLocale: 'en_US' },
      body: { productType: item.productType, patches: fulfillmentPatch(item.quantity) },
    });
    if (res.status === 'ACCEPTED') return { accepted: true, error: null };
    const errors = (res.issues ?? [])
      .filter((i) => i.severity === 'ERROR')
      .map((i) => (i.code ? `${i.message} [${i.code}]` : i.message));
    return { accepted: false, error: errors.join('; ') || `patchListingsItem answered ${res.status ?? 'no status'}` };
  } catch (err) {
    // A refusal of this one SKU (404, 400) is its outcome; throttling and outages are retried by the caller.
    if (err instanceof AmazonRejected) return { accepted: false, error: err.amazonMessage };
    throw err;
  }
}
