import { iso } from './http';
import type { Listing } from './state';

/**
 * Changes to a listing, shared by patchListingsItem and the JSON_LISTINGS_FEED: JSON-patch style operations on top-level
 * attributes, with Amazon's rules for `fulfillment_availability` (quantity an integer ≥ 0; no DEFAULT quantity on an
 * offer fulfilled by Amazon).
 */

export interface ListingIssue {
  code: string;
  message: string;
  severity: 'ERROR' | 'WARNING' | 'INFO';
  /** The Listings API's issue categories, like INVALID_ATTRIBUTE. */
  categories: string[];
  attributeName?: string;
}

export interface Patch {
  op: string;
  path: string;
  value?: unknown;
}

/** Codes of the issues the sandbox reports (Amazon's own numeric codes for these cases are not published). */
export const ISSUE_CODES = {
  skuNotFound: 'SKU_NOT_FOUND',
  invalidQuantity: 'INVALID_QUANTITY',
  channelMismatch: 'FULFILLMENT_CHANNEL_MISMATCH',
  invalidAttribute: 'INVALID_ATTRIBUTE',
} as const;

const isObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);
export const isAmazonChannel = (code: string) => code.startsWith('AMAZON_');

/** Issues of a set of patches against a listing; empty means the patches can be applied. */
export function checkPatches(listing: Listing | undefined, sku: string, patches: Patch[]): ListingIssue[] {
  if (!listing)
    return [
      {
        code: ISSUE_CODES.skuNotFound,
        message: `The SKU '${sku}' does not exist for this seller.`,
        severity: 'ERROR',
        categories: ['INVALID_ATTRIBUTE'],
      },
    ];
  const issues: ListingIssue[] = [];
  for (const patch of patches) {
    const name = attributeOf(patch.path);
    if (!name || !['add', 'replace', 'merge', 'delete'].includes(patch.op)) {
      issues.push({
        code: ISSUE_CODES.invalidAttribute,
        message: `'${patch.op} ${patch.path}' is not supported: patch a top-level attribute, like /attributes/fulfillment_availability.`,
        severity: 'ERROR',
        categories: ['INVALID_ATTRIBUTE'],
      });
      continue;
    }
    if (name !== 'fulfillment_availability' || patch.op === 'delete') continue;
    if (!Array.isArray(patch.value) || patch.value.length === 0) {
      issues.push({
        code: ISSUE_CODES.invalidAttribute,
        message: "'fulfillment_availability' needs at least one value.",
        severity: 'ERROR',
        categories: ['MISSING_ATTRIBUTE'],
        attributeName: name,
      });
      continue;
    }
    for (const entry of patch.value) {
      if (!isObject(entry) || typeof entry.fulfillment_channel_code !== 'string') {
        issues.push({
          code: ISSUE_CODES.invalidAttribute,
          message: "Each 'fulfillment_availability' value needs a 'fulfillment_channel_code'.",
          severity: 'ERROR',
          categories: ['MISSING_ATTRIBUTE'],
          attributeName: name,
        });
        continue;
      }
      const q = entry.quantity;
      if (q !== undefined && !(Number.isInteger(q) && q >= 0)) {
        issues.push({
          code: ISSUE_CODES.invalidQuantity,
          message: `The value '${JSON.stringify(q)}' for 'fulfillment_availability.quantity' is invalid: it must be a whole number of 0 or more.`,
          severity: 'ERROR',
          categories: ['INVALID_ATTRIBUTE'],
          attributeName: name,
        });
      }
      if (entry.fulfillment_channel_code === 'DEFAULT' && isAmazonChannel(listing.fulfillmentChannelCode)) {
        issues.push({
          code: ISSUE_CODES.channelMismatch,
          message: `The SKU '${sku}' is fulfilled by Amazon (${listing.fulfillmentChannelCode}): a quantity for fulfillment channel DEFAULT cannot be set.`,
          severity: 'ERROR',
          categories: ['CONFLICTING_ATTRIBUTE'],
          attributeName: name,
        });
      }
    }
  }
  return issues;
}

function attributeOf(path: string): string | undefined {
  const match = /^\/attributes\/([A-Za-z0-9_]+)$/.exec(path ?? '');
  return match?.[1];
}

/** Applies patches already checked by checkPatches. */
export function applyPatches(listing: Listing, patches: Patch[], now: number): void {
  for (const patch of patches) {
    const name = attributeOf(patch.path)!;
    if (name === 'fulfillment_availability') {
      if (patch.op === 'delete') {
        delete listing.quantity;
        continue;
      }
      for (const entry of patch.value as Array<Record<string, any>>) {
        const code = String(entry.fulfillment_channel_code);
        if (isAmazonChannel(code)) listing.fulfillmentChannelCode = code;
        else {
          listing.fulfillmentChannelCode = code;
          if (entry.quantity !== undefined) listing.quantity = entry.quantity;
        }
      }
      continue;
    }
    if (patch.op === 'delete') delete listing.attributes[name];
    else listing.attributes[name] = patch.value;
    if (name === 'item_name' && Array.isArray(patch.value) && typeof patch.value[0]?.value === 'string')
      listing.itemName = patch.value[0].value;
  }
  listing.lastUpdatedDate = iso(now);
}

/** Attributes (UPDATE, PARTIAL_UPDATE) as the equivalent "replace" patches. */
export function attributesAsPatches(attributes: Record<string, unknown>): Patch[] {
  return Object.entries(attributes).map(([name, value]) => ({ op: 'replace', path: `/attributes/${name}`, value }));
}

/** The listing as the Listings Items API 2021-08-01 `Item` shows it, with the requested datasets. */
export function listingItemView(
  l: Listing,
  marketplaceIds: string[],
  included: ReadonlySet<string>,
): Record<string, unknown> {
  const mps = l.marketplaceIds.filter((m) => marketplaceIds.includes(m));
  const availability = {
    fulfillmentChannelCode: l.fulfillmentChannelCode,
    ...(l.quantity !== undefined ? { quantity: l.quantity } : {}),
  };
  const item: Record<string, unknown> = { sku: l.sku };
  if (included.has('summaries')) {
    item.summaries = mps.map((marketplaceId) => ({
      marketplaceId,
      ...(l.asin ? { asin: l.asin } : {}),
      productType: l.productType,
      conditionType: l.conditionType,
      status: l.status,
      ...(l.fnSku ? { fnSku: l.fnSku } : {}),
      ...(l.itemName ? { itemName: l.itemName } : {}),
      createdDate: l.createdDate,
      lastUpdatedDate: l.lastUpdatedDate,
    }));
  }
  if (included.has('attributes')) {
    item.attributes = {
      ...l.attributes,
      fulfillment_availability: [
        {
          fulfillment_channel_code: l.fulfillmentChannelCode,
          ...(l.quantity !== undefined ? { quantity: l.quantity } : {}),
        },
      ],
    };
  }
  if (included.has('issues')) item.issues = [];
  if (included.has('offers'))
    item.offers = l.price ? mps.map((marketplaceId) => ({ marketplaceId, offerType: 'B2C', price: l.price })) : [];
  if (included.has('fulfillmentAvailability')) item.fulfillmentAvailability = [availability];
  if (included.has('procurement')) item.procurement = [];
  if (included.has('relationships'))
    item.relationships = mps.map((marketplaceId) => ({ marketplaceId, relationships: [] }));
  if (included.has('productTypes'))
    item.productTypes = mps.map((marketplaceId) => ({ marketplaceId, productType: l.productType }));
  return item;
}
