import type { Ctx, Route, Sandbox } from '../context';
import { HttpError, invalidInput, iso, notFound, ok, Reply } from '../http';
import { newDocumentId, processFeed } from '../listings-feed';
import { LISTINGS_FEED_PLAN } from '../rate-limits';
import type { Feed, ProcessingStatus } from '../state';
import { presignedUrl } from './documents';

/** Feeds API 2021-06-30: feed documents, feeds and their processing (JSON_LISTINGS_FEED). */

const SUPPORTED_FEED_TYPES = ['JSON_LISTINGS_FEED'];
const FEED_ID = /^\d{1,20}$/;
/** Amazon's document ids (amzn1.tortuga...), or a UUID as in the model's examples. */
const DOCUMENT_ID =
  /^(amzn1\.tortuga\.\d\.(na|eu|fe)\.[\w.-]+|[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12})$/;
const PROCESSING_STATUSES = ['CANCELLED', 'DONE', 'FATAL', 'IN_PROGRESS', 'IN_QUEUE'];
const isObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The feed's status now: it follows the clock until processed, and processes itself when its time has come. */
export function statusOf(sb: Sandbox, feed: Feed): ProcessingStatus {
  if (feed.finalStatus) return feed.finalStatus;
  const now = sb.now();
  if (now >= feed.endAt) {
    processFeed(sb, feed);
    return feed.finalStatus!;
  }
  return now >= feed.startAt ? 'IN_PROGRESS' : 'IN_QUEUE';
}

function feedView(sb: Sandbox, feed: Feed): Record<string, unknown> {
  const status = statusOf(sb, feed);
  return {
    feedId: feed.feedId,
    feedType: feed.feedType,
    marketplaceIds: feed.marketplaceIds,
    createdTime: iso(feed.createdTime),
    processingStatus: status,
    ...(status !== 'IN_QUEUE' && status !== 'CANCELLED' ? { processingStartTime: iso(feed.startAt) } : {}),
    ...(status === 'DONE' || status === 'FATAL' ? { processingEndTime: iso(feed.endAt) } : {}),
    ...(feed.resultFeedDocumentId ? { resultFeedDocumentId: feed.resultFeedDocumentId } : {}),
  };
}

async function createFeedDocument(ctx: Ctx): Promise<Reply> {
  const body = await ctx.jsonBody();
  if (!isObject(body) || typeof body.contentType !== 'string' || body.contentType.trim() === '') {
    throw invalidInput('contentType is required.');
  }
  const region = ctx.region ?? 'na';
  const doc = {
    feedDocumentId: newDocumentId(region),
    sellerId: ctx.sellerId,
    contentType: body.contentType,
    region,
    createdAt: ctx.sb.now(),
  };
  ctx.sb.state.documents.set(doc.feedDocumentId, doc);
  ctx.sb.changed();
  return ok({ feedDocumentId: doc.feedDocumentId, url: presignedUrl(ctx.sb, doc, 'PUT') }, 201);
}

async function createFeed(ctx: Ctx): Promise<Reply> {
  const { sb } = ctx;
  const body = await ctx.jsonBody();
  if (!isObject(body)) throw invalidInput('The request body must be a CreateFeedSpecification.');
  const { feedType, marketplaceIds, inputFeedDocumentId, feedOptions } = body;
  if (typeof feedType !== 'string' || !feedType) throw invalidInput('feedType is required.');
  if (!SUPPORTED_FEED_TYPES.includes(feedType))
    throw invalidInput(`feedType ${feedType} is not supported by this sandbox: use JSON_LISTINGS_FEED.`);
  if (!Array.isArray(marketplaceIds) || marketplaceIds.length < 1 || marketplaceIds.length > 25) {
    throw invalidInput('marketplaceIds must list 1 to 25 marketplaces.');
  }
  const seller = sb.state.sellers.get(ctx.sellerId)!;
  const foreign = marketplaceIds.find((id) => typeof id !== 'string' || !seller.marketplaceIds.includes(id));
  if (foreign !== undefined)
    throw invalidInput(`Invalid marketplaceIds: ${foreign} is not a marketplace of this seller.`);
  if (
    feedOptions !== undefined &&
    !(isObject(feedOptions) && Object.values(feedOptions).every((v) => typeof v === 'string'))
  ) {
    throw invalidInput('feedOptions must map names to strings.');
  }
  const doc = typeof inputFeedDocumentId === 'string' ? sb.state.documents.get(inputFeedDocumentId) : undefined;
  if (!doc || doc.sellerId !== ctx.sellerId || doc.compressionAlgorithm)
    throw invalidInput(`Invalid inputFeedDocumentId: ${inputFeedDocumentId}.`);
  // Amazon's own limit on listings feeds, beside the operation's usage plan.
  if (!sb.limiter.take(`${ctx.sellerId}\u0000${doc.region}\u0000JSON_LISTINGS_FEED`, LISTINGS_FEED_PLAN)) {
    throw new HttpError(429, [
      {
        code: 'QuotaExceeded',
        message: 'You exceeded your quota for the requested resource.',
        details: 'JSON_LISTINGS_FEED: at most 5 feeds per 5 minutes.',
      },
    ]);
  }
  const now = sb.now();
  const feed: Feed = {
    feedId: String(sb.state.nextFeedId++),
    sellerId: ctx.sellerId,
    feedType,
    marketplaceIds,
    inputFeedDocumentId,
    ...(feedOptions ? { feedOptions } : {}),
    createdTime: now,
    startAt: now + sb.config.feedQueueMs,
    endAt: now + sb.config.feedQueueMs + sb.config.feedProcessingMs,
  };
  sb.state.feeds.set(feed.feedId, feed);
  sb.feedStats.created++;
  sb.schedule(() => statusOf(sb, feed), feed.endAt - now, 'feed');
  sb.changed();
  return ok({ feedId: feed.feedId }, 202);
}

function ownFeed(ctx: Ctx): Feed {
  const { feedId } = ctx.params;
  if (!FEED_ID.test(feedId)) throw invalidInput(`Invalid feedId: ${feedId}.`);
  const feed = ctx.sb.state.feeds.get(feedId);
  if (!feed || feed.sellerId !== ctx.sellerId) throw notFound('NotFound', `Feed ${feedId} was not found.`);
  return feed;
}

function getFeed(ctx: Ctx): Reply {
  return ok(feedView(ctx.sb, ownFeed(ctx)));
}

function cancelFeed(ctx: Ctx): Reply {
  const feed = ownFeed(ctx);
  if (statusOf(ctx.sb, feed) !== 'IN_QUEUE')
    throw invalidInput(`Feed ${feed.feedId} is no longer IN_QUEUE: only queued feeds can be cancelled.`);
  feed.finalStatus = 'CANCELLED';
  ctx.sb.changed();
  return { status: 200 };
}

function getFeeds(ctx: Ctx): Reply {
  const q = ctx.query;
  const token = q.get('nextToken');
  let offset = 0;
  let filter = {
    feedTypes: q.list('feedTypes'),
    marketplaceIds: q.list('marketplaceIds'),
    statuses: q.list('processingStatuses'),
    since: q.time('createdSince'),
    until: q.time('createdUntil'),
    pageSize: q.int('pageSize', { min: 1, max: 100 }, 10),
  };
  if (token !== undefined) {
    if ([...q.params.keys()].some((k) => k !== 'nextToken'))
      throw invalidInput('nextToken must be the only parameter.');
    try {
      ({ offset, filter } = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')));
    } catch {
      throw invalidInput('Invalid nextToken.');
    }
  } else if (!filter.feedTypes) {
    throw invalidInput('Either feedTypes or nextToken is required.');
  } else {
    if (filter.feedTypes.length > 10) throw invalidInput('feedTypes can list at most 10 feed types.');
    if (filter.marketplaceIds && filter.marketplaceIds.length > 10)
      throw invalidInput('marketplaceIds can list at most 10 marketplaces.');
    const bad = filter.statuses?.find((s) => !PROCESSING_STATUSES.includes(s));
    if (bad) throw invalidInput(`Invalid processingStatuses value: ${bad}.`);
  }
  const now = ctx.sb.now();
  const since = filter.since ?? now - 90 * 86_400_000;
  const until = filter.until ?? now;
  const all = [...ctx.sb.state.feeds.values()]
    .filter((f) => f.sellerId === ctx.sellerId && f.createdTime >= since && f.createdTime <= until)
    .filter((f) => !filter.feedTypes || filter.feedTypes.includes(f.feedType))
    .filter((f) => !filter.marketplaceIds || f.marketplaceIds.some((m) => filter.marketplaceIds!.includes(m)))
    .filter((f) => !filter.statuses || filter.statuses.includes(statusOf(ctx.sb, f)))
    .sort((a, b) => b.createdTime - a.createdTime);
  const page = all.slice(offset, offset + filter.pageSize);
  const next =
    offset + filter.pageSize < all.length
      ? Buffer.from(JSON.stringify({ offset: offset + filter.pageSize, filter })).toString('base64url')
      : undefined;
  return ok({ feeds: page.map((f) => feedView(ctx.sb, f)), ...(next ? { nextToken: next } : {}) });
}

function getFeedDocument(ctx: Ctx): Reply {
  const { feedDocumentId } = ctx.params;
  if (!DOCUMENT_ID.test(feedDocumentId)) throw invalidInput(`Invalid feedDocumentId: ${feedDocumentId}.`);
  const doc = ctx.sb.state.documents.get(feedDocumentId);
  if (!doc || doc.sellerId !== ctx.sellerId)
    throw notFound('NotFound', `Feed document ${feedDocumentId} was not found.`);
  const gzip = ctx.query.get('enableContentEncodingUrlHeader') === 'true' && doc.compressionAlgorithm === 'GZIP';
  return ok({
    feedDocumentId,
    url: presignedUrl(ctx.sb, doc, 'GET', gzip),
    ...(doc.compressionAlgorithm ? { compressionAlgorithm: doc.compressionAlgorithm } : {}),
  });
}

export const feedRoutes: Route[] = [
  { method: 'GET', path: '/feeds/2021-06-30/feeds', kind: 'spapi', operation: 'getFeeds', handler: getFeeds },
  { method: 'POST', path: '/feeds/2021-06-30/feeds', kind: 'spapi', operation: 'createFeed', handler: createFeed },
  { method: 'GET', path: '/feeds/2021-06-30/feeds/{feedId}', kind: 'spapi', operation: 'getFeed', handler: getFeed },
  {
    method: 'DELETE',
    path: '/feeds/2021-06-30/feeds/{feedId}',
    kind: 'spapi',
    operation: 'cancelFeed',
    handler: cancelFeed,
  },
  {
    method: 'POST',
    path: '/feeds/2021-06-30/documents',
    kind: 'spapi',
    operation: 'createFeedDocument',
    handler: createFeedDocument,
  },
  {
    method: 'GET',
    path: '/feeds/2021-06-30/documents/{feedDocumentId}',
    kind: 'spapi',
    operation: 'getFeedDocument',
    handler: getFeedDocument,
  },
];
