import { MAX_FEED_MESSAGES } from '../../lib/amazon-facts';
import type { ListingFacts } from '../../book/stock-sync';
import type { ReportOutcome } from '../../book/stock-outcomes';

export type { ListingFacts, ReportOutcome };

/**
 * The JSON_LISTINGS_FEED document we send (listings-feed-schema-v2.json) and the processing report Amazon returns
 * (listings-feed-processing-report-schema-v2.json). Data in, data out: no I/O.
 */

export const LISTINGS_FEED_TYPE = 'JSON_LISTINGS_FEED';
export const LISTINGS_FEED_CONTENT_TYPE = 'application/json; charset=UTF-8';

/** The seller-fulfilled channel: the only one whose quantity is ours to set. */
export const SELLER_FULFILLED = 'DEFAULT';

/** AMAZON_NA, AMAZON_EU, AMAZON_FE...: the offer is fulfilled by Amazon and its quantity is Amazon's. */
export const isAmazonChannel = (code: string | null | undefined): boolean => Boolean(code?.startsWith('AMAZON_'));

export interface QuantityMessage {
  messageId: number;
  sku: string;
  productType: string;
  quantity: number;
}

/** The JSON patch setting a seller-fulfilled quantity: the same in a feed message and in patchListingsItem. */
export function fulfillmentPatch(quantity: number) {
  if (!Number.isInteger(quantity) || quantity < 0)
    throw new RangeError(`quantity ${quantity} is not a whole number ≥ 0`);
  return [
    {
      op: 'replace' as const,
      path: '/attributes/fulfillment_availability',
      value: [{ fulfillment_channel_code: SELLER_FULFILLED, quantity }],
    },
  ];
}

/** The feed document for up to 25,000 quantity updates. */
export function buildQuantityFeed(sellerId: string, messages: QuantityMessage[]): string {
  if (messages.length === 0 || messages.length > MAX_FEED_MESSAGES) {
    throw new RangeError(`a listings feed holds 1 to ${MAX_FEED_MESSAGES} messages, not ${messages.length}`);
  }
  // Built as text: 25,000 small objects through one JSON.stringify allocate more than the string they make.
  const parts = messages.map(
    (m) =>
      `{"messageId":${m.messageId},"sku":${JSON.stringify(m.sku)},"operationType":"PATCH","productType":${JSON.stringify(m.productType)},` +
      `"patches":${JSON.stringify(fulfillmentPatch(m.quantity))}}`,
  );
  return `{"header":${JSON.stringify({ sellerId, version: '2.0', issueLocale: 'en_US' })},"messages":[${parts.join(',')}]}`;
}

export interface ReportIssue {
  messageId?: number;
  sku?: string;
  code?: string;
  severity: 'ERROR' | 'WARNING' | 'INFO';
  message: string;
  attributeName?: string;
}

export interface ProcessingReport {
  header?: { sellerId?: string; feedId?: string };
  issues?: ReportIssue[];
  summary?: {
    errors?: number;
    warnings?: number;
    messagesProcessed?: number;
    messagesAccepted?: number;
    messagesInvalid?: number;
  };
}

/** Reads a processing report: which messages Amazon refused, and why. Warnings and infos do not reject a message. */
export function readProcessingReport(report: ProcessingReport): ReportOutcome {
  const rejected = new Map<number, string>();
  const documentErrors: string[] = [];
  for (const issue of report.issues ?? []) {
    if (issue.severity !== 'ERROR') continue;
    const text = issue.code ? `${issue.message} [${issue.code}]` : issue.message;
    if (typeof issue.messageId !== 'number') {
      documentErrors.push(text);
      continue;
    }
    const previous = rejected.get(issue.messageId);
    rejected.set(issue.messageId, previous ? `${previous}; ${text}` : text);
  }
  return { rejected, documentErrors, messagesAccepted: report.summary?.messagesAccepted ?? null };
}

/** What a Listings Items API `Item` tells the stock sync: product type, ASIN and fulfillment channel per SKU. */
export function listingFacts(item: any, marketplaceId: string): ListingFacts {
  const summaries: any[] = Array.isArray(item?.summaries) ? item.summaries : [];
  const summary = summaries.find((s) => s?.marketplaceId === marketplaceId) ?? summaries[0];
  const availability: any[] = Array.isArray(item?.fulfillmentAvailability) ? item.fulfillmentAvailability : [];
  // An offer both fulfilled by Amazon and by the seller counts as Amazon's: never overwrite it with a DEFAULT quantity.
  const amazon = availability.find((a) => isAmazonChannel(a?.fulfillmentChannelCode));
  const chosen = amazon ?? availability.find((a) => a?.fulfillmentChannelCode === SELLER_FULFILLED) ?? availability[0];
  return {
    sku: String(item?.sku ?? ''),
    productType: summary?.productType ?? null,
    asin: summary?.asin ?? null,
    channelCode: chosen?.fulfillmentChannelCode ?? null,
    quantity: typeof chosen?.quantity === 'number' ? chosen.quantity : null,
  };
}
