import crypto from 'node:crypto';
import zlib from 'node:zlib';
import type { Sandbox } from './context';
import {
  applyPatches,
  attributesAsPatches,
  checkPatches,
  listingItemView,
  ListingIssue,
  Patch,
} from './listing-changes';
import { iso } from './http';
import { listingsFeedValidator } from './models';
import type { Feed, Listing } from './state';

/**
 * Processing of a JSON_LISTINGS_FEED: the document is validated against Amazon's listings-feed-schema-v2.json (an
 * invalid one ends FATAL), each message is checked and the accepted ones applied to the listings, and the processing
 * report (listings-feed-processing-report-schema-v2.json) is stored gzipped as the result document.
 */

/** The parts of a (schema-valid) listings feed document the sandbox reads. */
interface ListingsFeedDocument {
  header: { sellerId: string; report?: { includedData: string[] } };
  messages: Array<Record<string, any>>;
}

/** An issue of the processing report (its schema has no categories). */
interface ReportIssue {
  messageId?: number;
  sku?: string;
  code: string;
  severity: ListingIssue['severity'];
  message: string;
  attributeName?: string;
}

const reportIssue = (
  messageId: number,
  sku: string,
  { categories: _categories, ...issue }: ListingIssue,
): ReportIssue => ({ messageId, sku, ...issue });

export function newDocumentId(region: string): string {
  return `amzn1.tortuga.4.${region}.${crypto.randomUUID()}.T${crypto.randomBytes(6).toString('hex').toUpperCase()}`;
}

/** Processes a feed whose time has come (called by a timer, or by getFeed when the timer has not run yet). */
export function processFeed(sb: Sandbox, feed: Feed): void {
  if (feed.finalStatus) return;
  const input = sb.state.documents.get(feed.inputFeedDocumentId);
  const header = { sellerId: feed.sellerId, version: '2.0', feedId: feed.feedId };
  const fatal = (message: string, code = 'INVALID_FEED_DOCUMENT') => {
    finish(sb, feed, 'FATAL', {
      header,
      issues: [{ code, severity: 'ERROR', message }],
      summary: { errors: 1, warnings: 0, messagesProcessed: 0, messagesAccepted: 0, messagesInvalid: 0 },
    });
  };
  if (!input?.content) return fatal('The feed document was never uploaded to its URL.');
  let parsed: unknown;
  try {
    parsed = JSON.parse(input.content.toString('utf8'));
  } catch (err) {
    return fatal(`The feed document is not valid JSON: ${(err as Error).message}`);
  }
  const validate = listingsFeedValidator();
  if (!validate(parsed)) {
    const errors = (validate.errors ?? []).slice(0, 5).map((e) => `${e.instancePath || '/'} ${e.message}`);
    return fatal(`The feed document does not match the JSON_LISTINGS_FEED schema (v2.0): ${errors.join('; ')}`);
  }
  const doc = parsed as ListingsFeedDocument;
  if (doc.header.sellerId !== feed.sellerId) {
    return fatal(
      `header.sellerId ${doc.header.sellerId} is not the seller that submitted the feed (${feed.sellerId}).`,
      'SELLER_ID_MISMATCH',
    );
  }

  const issues: ReportIssue[] = [];
  const touched = new Map<string, Listing>();
  const seen = new Set<number>();
  let accepted = 0;
  const now = sb.now();
  for (const m of doc.messages) {
    const own: ListingIssue[] = [];
    if (seen.has(m.messageId))
      own.push({
        code: 'DUPLICATE_MESSAGE_ID',
        severity: 'ERROR',
        message: `messageId ${m.messageId} is used twice.`,
        categories: [],
      });
    seen.add(m.messageId);
    const listing = sb.state.listing(feed.sellerId, m.sku);
    let apply: (() => void) | undefined;
    if (m.operationType === 'DELETE') {
      if (!listing) own.push(...checkPatches(undefined, m.sku, []));
      else apply = () => sb.state.deleteListing(feed.sellerId, m.sku);
    } else if (m.operationType === 'UPDATE') {
      const target = listing ?? newListing(feed, m, now);
      const patches = attributesAsPatches(m.attributes);
      own.push(...checkPatches(target, m.sku, patches));
      apply = () => {
        target.productType = m.productType;
        target.attributes = {};
        applyPatches(target, patches, now);
        sb.state.putListing(target);
        touched.set(m.sku, target);
      };
    } else {
      const patches: Patch[] = m.operationType === 'PATCH' ? m.patches : attributesAsPatches(m.attributes);
      own.push(...checkPatches(listing, m.sku, patches));
      if (listing) {
        apply = () => {
          applyPatches(listing, patches, now);
          touched.set(m.sku, listing);
        };
      }
    }
    issues.push(...own.map((i) => reportIssue(m.messageId, m.sku, i)));
    if (!own.some((i) => i.severity === 'ERROR') && apply) {
      apply();
      accepted++;
    }
  }
  const processed = doc.messages.length;
  const report: Record<string, unknown> = {
    header: { ...header, ...(doc.header.report ? { report: doc.header.report } : {}) },
    issues,
    summary: {
      errors: issues.filter((i) => i.severity === 'ERROR').length,
      warnings: issues.filter((i) => i.severity === 'WARNING').length,
      messagesProcessed: processed,
      messagesAccepted: accepted,
      messagesInvalid: processed - accepted,
      ...(doc.header.report ? { itemSummary: { items: touched.size, errors: 0, warnings: 0 } } : {}),
    },
  };
  if (doc.header.report) {
    const included = new Set<string>(doc.header.report.includedData);
    report.items = [...touched.values()].map((l) => listingItemView(l, feed.marketplaceIds, included));
  }
  sb.feedStats.messages += processed;
  feed.messages = processed;
  finish(sb, feed, 'DONE', report);
}

function newListing(feed: Feed, m: Record<string, any>, now: number): Listing {
  return {
    sellerId: feed.sellerId,
    sku: m.sku,
    productType: m.productType,
    marketplaceIds: [...feed.marketplaceIds],
    fulfillmentChannelCode: 'DEFAULT',
    conditionType: 'new_new',
    status: ['DISCOVERABLE'],
    attributes: {},
    createdDate: iso(now),
    lastUpdatedDate: iso(now),
  };
}

function finish(sb: Sandbox, feed: Feed, status: 'DONE' | 'FATAL', report: unknown): void {
  const id = newDocumentId(sb.state.documents.get(feed.inputFeedDocumentId)?.region ?? 'na');
  sb.state.documents.set(id, {
    feedDocumentId: id,
    sellerId: feed.sellerId,
    contentType: 'application/json; charset=UTF-8',
    region: sb.state.documents.get(feed.inputFeedDocumentId)?.region ?? 'na',
    createdAt: sb.now(),
    content: zlib.gzipSync(Buffer.from(JSON.stringify(report), 'utf8')),
    compressionAlgorithm: 'GZIP',
  });
  feed.finalStatus = status;
  feed.resultFeedDocumentId = id;
  sb.feedStats.processed++;
  sb.changed();
}
