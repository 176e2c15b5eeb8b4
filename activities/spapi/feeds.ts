import { AmazonUnavailable } from '../../lib/errors';
import type { AccountClientSource, SpApi } from './gateway';
import { LISTINGS_FEED_CONTENT_TYPE, LISTINGS_FEED_TYPE, ProcessingReport } from './listings-feed';
import type { RateLimiter } from './rate-limiter';

/**
 * Feeds API 2021-06-30 for JSON_LISTINGS_FEED. The SP-API operations go through the gateway (rate limiter, typed
 * errors); the document upload and download go to the document store's URLs with the account's client, which are not
 * SP-API operations and have no usage plan.
 */

/** Our bucket for Amazon's extra limit on listings feeds (5 per 5 minutes), beside createFeed's own usage plan. */
export const LISTINGS_FEED_BUCKET = 'JSON_LISTINGS_FEED';

export type ProcessingStatus = 'IN_QUEUE' | 'IN_PROGRESS' | 'DONE' | 'FATAL' | 'CANCELLED';
export const isFinished = (s: string): boolean => s === 'DONE' || s === 'FATAL' || s === 'CANCELLED';

export interface FeedTransport {
  spapi: SpApi;
  clients: AccountClientSource;
  /** When given, the listings-feed bucket is taken before createFeed. */
  limiter?: RateLimiter;
}

async function documentStore<T>(what: string, fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err: any) {
    // S3 errors and resets are transient from our side: the activity retries with a fresh document URL.
    throw new AmazonUnavailable(`${what}: ${err?.code ?? 'error'}: ${String(err?.message ?? err).slice(0, 300)}`, what);
  }
}

/** createFeedDocument → upload → createFeed. Returns Amazon's feed id. */
export async function submitListingsFeed(
  t: FeedTransport,
  accountId: string,
  marketplaceIds: string[],
  content: string,
): Promise<string> {
  const doc = await t.spapi.call<{ feedDocumentId: string; url: string }>(accountId, {
    operation: 'createFeedDocument',
    endpoint: 'feeds',
    body: { contentType: LISTINGS_FEED_CONTENT_TYPE },
  });
  const { sp, account } = await t.clients.forAccount(accountId);
  await documentStore('uploadFeedDocument', () =>
    sp.upload<Promise<unknown>>({ url: doc.url }, { content, contentType: LISTINGS_FEED_CONTENT_TYPE }),
  );
  await t.limiter?.acquire(account.sellerId, LISTINGS_FEED_BUCKET);
  const feed = await t.spapi.call<{ feedId: string }>(accountId, {
    operation: 'createFeed',
    endpoint: 'feeds',
    body: { feedType: LISTINGS_FEED_TYPE, marketplaceIds, inputFeedDocumentId: doc.feedDocumentId },
  });
  return String(feed.feedId);
}

export async function getFeed(
  t: FeedTransport,
  accountId: string,
  feedId: string,
): Promise<{ processingStatus: ProcessingStatus; resultFeedDocumentId?: string }> {
  return t.spapi.call(accountId, { operation: 'getFeed', endpoint: 'feeds', path: { feedId } });
}

/** getFeedDocument → download (gunzipped) → the processing report. */
export async function downloadProcessingReport(
  t: FeedTransport,
  accountId: string,
  feedDocumentId: string,
): Promise<ProcessingReport> {
  const details = await t.spapi.call<{ url: string; compressionAlgorithm?: 'GZIP' }>(accountId, {
    operation: 'getFeedDocument',
    endpoint: 'feeds',
    path: { feedDocumentId },
  });
  const { sp } = await t.clients.forAccount(accountId);
  const text = await documentStore('downloadFeedDocument', async () =>
    String(await (sp.download(details, { unzip: true }) as unknown as Promise<unknown>)),
  );
  try {
    return JSON.parse(text) as ProcessingReport;
  } catch {
    throw new AmazonUnavailable(
      `processing report ${feedDocumentId} is not JSON (${text.length} bytes)`,
      'downloadFeedDocument',
    );
  }
}
