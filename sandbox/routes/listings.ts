import crypto from 'node:crypto';
import type { Ctx, Route } from '../context';
import { HttpError, ok, Query, Reply } from '../http';
import { applyPatches, checkPatches, listingItemView, Patch } from '../listing-changes';
import { decodePageToken, encodePageToken } from '../page-tokens';
import type { Listing } from '../state';
import { parameterEnum } from '../../lib/sp-api-models';

/** Listings Items API 2021-08-01: getListingsItem, patchListingsItem (applied shortly after ACCEPTED), searchListingsItems. */

/** getListingsItem's and searchListingsItems' includedData, as Amazon's model lists them. */
const ITEM_DATA = parameterEnum(
  'listingsItems_2021-08-01.json',
  '/listings/2021-08-01/items/{sellerId}/{sku}',
  'get',
  'includedData',
);
const isObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The Listings API's 400: code BAD_REQUEST, as its static examples show. */
const badRequest = (message: string) => new HttpError(400, [{ code: 'BAD_REQUEST', message }]);

function ownSeller(ctx: Ctx): void {
  if (ctx.params.sellerId !== ctx.sellerId) {
    throw new HttpError(403, [
      { code: 'Unauthorized', message: 'Access to requested resource is denied.', details: '' },
    ]);
  }
}

function marketplaceIdsOf(ctx: Ctx): string[] {
  const ids = ctx.query.list('marketplaceIds');
  if (!ids || ids.length === 0) throw badRequest("Missing required parameter 'marketplaceIds'.");
  const seller = ctx.sb.state.sellers.get(ctx.sellerId)!;
  const bad = ids.find((id) => !seller.marketplaceIds.includes(id));
  if (bad) throw badRequest(`Invalid marketplaceIds: ${bad} is not a marketplace of this seller.`);
  return ids;
}

function includedOf(ctx: Ctx, allowed: string[], fallback: string[]): Set<string> {
  const values = ctx.query.list('includedData') ?? fallback;
  const bad = values.find((v) => !allowed.includes(v));
  if (bad) throw badRequest(`Invalid includedData value: ${bad}.`);
  return new Set(values);
}

function getListingsItem(ctx: Ctx): Reply {
  ownSeller(ctx);
  const marketplaceIds = marketplaceIdsOf(ctx);
  const included = includedOf(ctx, ITEM_DATA, ['summaries']);
  const listing = ctx.sb.state.listing(ctx.sellerId, ctx.params.sku);
  if (!listing || !listing.marketplaceIds.some((m) => marketplaceIds.includes(m))) {
    throw new HttpError(404, [
      { code: 'NOT_FOUND', message: `SKU '${ctx.params.sku}' not found in marketplace ${marketplaceIds.join(',')}` },
    ]);
  }
  return ok(listingItemView(listing, marketplaceIds, included));
}

async function patchListingsItem(ctx: Ctx): Promise<Reply> {
  ownSeller(ctx);
  const marketplaceIds = marketplaceIdsOf(ctx);
  const included = includedOf(ctx, ['identifiers', 'issues'], ['issues']);
  const mode = ctx.query.get('mode');
  if (mode !== undefined && mode !== 'VALIDATION_PREVIEW') throw badRequest(`Invalid mode: ${mode}.`);
  const body = await ctx.jsonBody();
  if (
    !isObject(body) ||
    typeof body.productType !== 'string' ||
    !Array.isArray(body.patches) ||
    body.patches.length === 0
  ) {
    throw badRequest('The body must be a ListingsItemPatchRequest: productType and at least one patch.');
  }
  const patches = body.patches as Patch[];
  if (patches.some((p) => !isObject(p) || typeof p.op !== 'string' || typeof p.path !== 'string')) {
    throw badRequest('Each patch needs op and path.');
  }
  const { sb } = ctx;
  const sku = ctx.params.sku;
  const issues = checkPatches(sb.state.listing(ctx.sellerId, sku), sku, patches);
  const valid = !issues.some((i) => i.severity === 'ERROR');
  const submissionId = crypto.randomUUID().replace(/-/g, '');
  if (valid && mode !== 'VALIDATION_PREVIEW') {
    // Amazon accepts now and applies a little later: a read right after the PATCH may still show the old value.
    sb.schedule(
      () => {
        const listing = sb.state.listing(ctx.sellerId, sku);
        if (listing && checkPatches(listing, sku, patches).length === 0) {
          applyPatches(listing, patches, sb.now());
          sb.changed();
        }
      },
      sb.config.listingApplyDelayMs,
      'listing',
    );
  }
  const status = !valid ? 'INVALID' : mode === 'VALIDATION_PREVIEW' ? 'VALID' : 'ACCEPTED';
  const listing = sb.state.listing(ctx.sellerId, sku);
  // Identifiers come with VALIDATION_PREVIEW only, as the model says.
  const identifiers =
    mode === 'VALIDATION_PREVIEW' && included.has('identifiers')
      ? {
          identifiers: listing?.asin
            ? marketplaceIds
                .filter((m) => listing.marketplaceIds.includes(m))
                .map((marketplaceId) => ({ marketplaceId, asin: listing.asin }))
            : [],
        }
      : {};
  return ok({ sku, status, submissionId, ...identifiers, ...(included.has('issues') ? { issues } : {}) });
}

interface ListingsPageToken {
  s: string;
  o: number;
  f: string;
}

function searchListingsItems(ctx: Ctx): Reply {
  ownSeller(ctx);
  const q = new Query(ctx.query.params, 'BAD_REQUEST');
  const marketplaceIds = marketplaceIdsOf(ctx);
  const included = includedOf(ctx, ITEM_DATA, ['summaries']);
  const identifiers = q.list('identifiers');
  const identifiersType = q.get('identifiersType');
  if (identifiers && identifiers.length > 20) throw badRequest('identifiers can list at most 20 values.');
  if (identifiers && !identifiersType) throw badRequest('identifiersType is required with identifiers.');
  if (identifiers && (q.has('variationParentSku') || q.has('packageHierarchySku')))
    throw badRequest('identifiers cannot be combined with variationParentSku or packageHierarchySku.');
  const pageSize = q.int('pageSize', { min: 1, max: 20 }, 10);
  const sortBy = q.get('sortBy') ?? 'lastUpdatedDate';
  const sortOrder = q.get('sortOrder') ?? 'DESC';
  if (!['sku', 'createdDate', 'lastUpdatedDate'].includes(sortBy)) throw badRequest(`Invalid sortBy: ${sortBy}.`);
  if (!['ASC', 'DESC'].includes(sortOrder)) throw badRequest(`Invalid sortOrder: ${sortOrder}.`);
  const times = {
    createdAfter: q.time('createdAfter'),
    createdBefore: q.time('createdBefore'),
    lastUpdatedAfter: q.time('lastUpdatedAfter'),
    lastUpdatedBefore: q.time('lastUpdatedBefore'),
  };
  const withStatus = q.list('withStatus');
  const withoutStatus = q.list('withoutStatus');

  const key = (l: Listing) => ({ ASIN: l.asin, SKU: l.sku, FNSKU: l.fnSku })[identifiersType ?? 'SKU'];
  const inRange = (t: string, after?: number, before?: number) =>
    (after === undefined || Date.parse(t) >= after) && (before === undefined || Date.parse(t) <= before);
  const matches = ctx.sb.state
    .sellerListings(ctx.sellerId)
    .filter((l) => l.marketplaceIds.some((m) => marketplaceIds.includes(m)))
    .filter((l) => !identifiers || identifiers.includes(String(key(l))))
    .filter(
      (l) =>
        inRange(l.createdDate, times.createdAfter, times.createdBefore) &&
        inRange(l.lastUpdatedDate, times.lastUpdatedAfter, times.lastUpdatedBefore),
    )
    .filter((l) => !withStatus || withStatus.some((s) => l.status.includes(s)))
    .filter((l) => !withoutStatus || !withoutStatus.some((s) => l.status.includes(s)))
    .sort((a, b) => {
      const field = sortBy === 'sku' ? 'sku' : sortBy;
      const cmp =
        String(a[field as keyof Listing]).localeCompare(String(b[field as keyof Listing])) ||
        a.sku.localeCompare(b.sku);
      return sortOrder === 'ASC' ? cmp : -cmp;
    });

  const filterKey = JSON.stringify([
    marketplaceIds,
    identifiers,
    identifiersType,
    sortBy,
    sortOrder,
    times,
    withStatus,
    withoutStatus,
  ]);
  let offset = 0;
  const token = q.get('pageToken');
  if (token !== undefined) {
    const t = decodePageToken<ListingsPageToken>(token);
    if (!t || t.s !== ctx.sellerId || t.f !== filterKey) throw badRequest('Invalid pageToken.');
    offset = t.o;
  }
  const page = matches.slice(offset, offset + pageSize);
  const tokenAt = (o: number) => encodePageToken({ s: ctx.sellerId, o, f: filterKey } satisfies ListingsPageToken);
  const pagination = {
    ...(offset + pageSize < matches.length ? { nextToken: tokenAt(offset + pageSize) } : {}),
    ...(offset > 0 ? { previousToken: tokenAt(Math.max(0, offset - pageSize)) } : {}),
  };
  return ok({
    numberOfResults: matches.length,
    ...(Object.keys(pagination).length ? { pagination } : {}),
    items: page.map((l) => listingItemView(l, marketplaceIds, included)),
  });
}

export const listingRoutes: Route[] = [
  {
    method: 'GET',
    path: '/listings/2021-08-01/items/{sellerId}/{sku}',
    kind: 'spapi',
    operation: 'getListingsItem',
    handler: getListingsItem,
  },
  {
    method: 'PATCH',
    path: '/listings/2021-08-01/items/{sellerId}/{sku}',
    kind: 'spapi',
    operation: 'patchListingsItem',
    handler: patchListingsItem,
  },
  {
    method: 'GET',
    path: '/listings/2021-08-01/items/{sellerId}',
    kind: 'spapi',
    operation: 'searchListingsItems',
    handler: searchListingsItems,
  },
];
