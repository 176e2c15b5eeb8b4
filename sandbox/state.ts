import fs from 'node:fs';
import path from 'node:path';
import { FinanceLedger } from './finances/ledger';

/**
 * Everything the sandbox holds for Amazon: sellers, orders, listings, FBA stock, feeds and documents, credentials,
 * notification destinations and subscriptions.
 */

export interface Seller {
  sellerId: string;
  marketplaceIds: string[];
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** The app has the PII role for this seller: BUYER and RECIPIENT are served. */
  piiAccess: boolean;
  storeName: string;
}

/** An Orders 2026-01-01 `Order`, kept exactly as generated or given (it may be malformed on purpose). */
export type OrderJson = Record<string, any>;

export interface StoredOrder {
  sellerId: string;
  order: OrderJson;
}

export interface Listing {
  sellerId: string;
  sku: string;
  productType: string;
  marketplaceIds: string[];
  /** DEFAULT (seller-fulfilled) or AMAZON_NA / AMAZON_EU / ... (FBA). */
  fulfillmentChannelCode: string;
  quantity?: number;
  asin?: string;
  fnSku?: string;
  itemName?: string;
  conditionType: string;
  status: string[];
  price?: { amount: string; currencyCode: string };
  /** Listing attributes other than fulfillment_availability, which is derived from the two fields above. */
  attributes: Record<string, unknown>;
  createdDate: string;
  lastUpdatedDate: string;
}

export interface FbaInventoryItem {
  sellerSku: string;
  asin?: string;
  fnSku?: string;
  productName?: string;
  condition: string;
  fulfillableQuantity: number;
  inboundWorkingQuantity: number;
  inboundShippedQuantity: number;
  inboundReceivingQuantity: number;
  reservedQuantity: number;
  unfulfillableQuantity: number;
  researchingQuantity: number;
  lastUpdatedTime: string;
}

export interface FeedDocument {
  feedDocumentId: string;
  sellerId: string;
  contentType: string;
  region: string;
  createdAt: number;
  content?: Buffer;
  compressionAlgorithm?: 'GZIP';
}

export type ProcessingStatus = 'CANCELLED' | 'DONE' | 'FATAL' | 'IN_PROGRESS' | 'IN_QUEUE';

export interface Feed {
  feedId: string;
  sellerId: string;
  feedType: string;
  marketplaceIds: string[];
  inputFeedDocumentId: string;
  feedOptions?: Record<string, string>;
  createdTime: number;
  /** When processing starts and ends (epoch ms), fixed at creation from the configured durations. */
  startAt: number;
  endAt: number;
  /** Set once processed (DONE/FATAL) or cancelled; before that the status follows the clock. */
  finalStatus?: ProcessingStatus;
  resultFeedDocumentId?: string;
  messages?: number;
}

export interface AccessToken {
  sellerId: string | null;
  clientId: string;
  expiresAt: number;
  scope?: string;
}

/** A Notifications API destination: it belongs to the application (client id) that created it, not to a seller. */
export interface Destination {
  destinationId: string;
  name: string;
  clientId: string;
  resource: { sqs: { arn: string } };
}

/** A Notifications API subscription: one per (seller, application, notification type). */
export interface Subscription {
  subscriptionId: string;
  sellerId: string;
  clientId: string;
  notificationType: string;
  payloadVersion: string;
  destinationId: string;
  processingDirective?: Record<string, any>;
}

/** An app's (client id's) secret times: Amazon refuses a secret once expired, and an old one after its grace. */
export interface AppSecretTimes {
  /** Epoch ms the current secret expires; none: never, as before any rotation. */
  expiresAt?: number;
  /** Secrets replaced by a rotation, still accepted until their time. */
  retired: Array<{ secret: string; until: number }>;
}

export interface AuthorizationCode {
  sellerId: string;
  expiresAt: number;
}

export class SandboxState {
  sellers = new Map<string, Seller>();
  orders = new Map<string, StoredOrder>();
  /** Order ids per seller, in insertion order. */
  ordersBySeller = new Map<string, string[]>();
  /** Finances: transactions, what each order was charged, settlement groups (finances/ledger.ts). */
  finances = new FinanceLedger();
  /** key: sellerId \u0000 sku */
  listings = new Map<string, Listing>();
  /** key: sellerId \u0000 marketplaceId → sku → item */
  fbaInventory = new Map<string, Map<string, FbaInventoryItem>>();
  documents = new Map<string, FeedDocument>();
  feeds = new Map<string, Feed>();
  accessTokens = new Map<string, AccessToken>();
  /** Refresh tokens issued by authorization-code exchanges, beside each seller's configured one. */
  refreshTokens = new Map<string, { sellerId: string; clientId: string }>();
  authorizationCodes = new Map<string, AuthorizationCode>();
  /** key: LWA client id (routes/lwa.ts). */
  appSecrets = new Map<string, AppSecretTimes>();
  destinations = new Map<string, Destination>();
  subscriptions = new Map<string, Subscription>();
  nextFeedId = 50_001_000_000;

  putOrder(sellerId: string, order: OrderJson): void {
    const id = String(order.orderId);
    if (!this.orders.has(id)) {
      const list = this.ordersBySeller.get(sellerId) ?? [];
      list.push(id);
      this.ordersBySeller.set(sellerId, list);
    }
    this.orders.set(id, { sellerId, order });
  }

  sellerOrders(sellerId: string): StoredOrder[] {
    return (this.ordersBySeller.get(sellerId) ?? []).map((id) => this.orders.get(id)!);
  }

  listing(sellerId: string, sku: string): Listing | undefined {
    return this.listings.get(`${sellerId}\u0000${sku}`);
  }

  putListing(listing: Listing): void {
    this.listings.set(`${listing.sellerId}\u0000${listing.sku}`, listing);
  }

  deleteListing(sellerId: string, sku: string): void {
    this.listings.delete(`${sellerId}\u0000${sku}`);
  }

  sellerListings(sellerId: string): Listing[] {
    return [...this.listings.values()].filter((l) => l.sellerId === sellerId);
  }

  inventory(sellerId: string, marketplaceId: string): Map<string, FbaInventoryItem> {
    const key = `${sellerId}\u0000${marketplaceId}`;
    let map = this.fbaInventory.get(key);
    if (!map) {
      map = new Map();
      this.fbaInventory.set(key, map);
    }
    return map;
  }

  /** The seller and app client of a configured or issued refresh token. */
  refreshTokenOwner(token: string): { seller: Seller; clientId: string } | undefined {
    const issued = this.refreshTokens.get(token);
    const seller = issued
      ? this.sellers.get(issued.sellerId)
      : [...this.sellers.values()].find((s) => s.refreshToken === token);
    return seller ? { seller, clientId: issued?.clientId ?? seller.clientId } : undefined;
  }

  toJSON(): unknown {
    return {
      version: 1,
      sellers: [...this.sellers.values()],
      orders: [...this.orders.values()],
      finances: this.finances.toJSON(),
      listings: [...this.listings.values()],
      fbaInventory: [...this.fbaInventory.entries()].map(([key, items]) => ({ key, items: [...items.values()] })),
      documents: [...this.documents.values()].map((d) => ({ ...d, content: d.content?.toString('base64') })),
      feeds: [...this.feeds.values()],
      accessTokens: [...this.accessTokens.entries()],
      refreshTokens: [...this.refreshTokens.entries()],
      appSecrets: [...this.appSecrets.entries()],
      nextFeedId: this.nextFeedId,
      destinations: [...this.destinations.values()],
      subscriptions: [...this.subscriptions.values()],
    };
  }

  static fromJSON(json: any): SandboxState {
    const state = new SandboxState();
    for (const s of json.sellers ?? []) state.sellers.set(s.sellerId, s);
    for (const o of json.orders ?? []) state.putOrder(o.sellerId, o.order);
    state.finances = FinanceLedger.fromJSON(json.finances);
    for (const l of json.listings ?? []) state.putListing(l);
    for (const { key, items } of json.fbaInventory ?? []) {
      state.fbaInventory.set(key, new Map((items as FbaInventoryItem[]).map((i) => [i.sellerSku, i])));
    }
    for (const d of json.documents ?? []) {
      state.documents.set(d.feedDocumentId, {
        ...d,
        content: d.content ? Buffer.from(d.content, 'base64') : undefined,
      });
    }
    for (const f of json.feeds ?? []) state.feeds.set(f.feedId, f);
    state.accessTokens = new Map(json.accessTokens ?? []);
    state.refreshTokens = new Map(json.refreshTokens ?? []);
    state.appSecrets = new Map(json.appSecrets ?? []);
    state.nextFeedId = json.nextFeedId ?? state.nextFeedId;
    for (const d of json.destinations ?? []) state.destinations.set(d.destinationId, d);
    for (const s of json.subscriptions ?? []) state.subscriptions.set(s.subscriptionId, s);
    return state;
  }
}

/** Loads state from a JSON file, or starts empty when it does not exist yet. */
export function loadState(file: string): SandboxState {
  if (!fs.existsSync(file)) return new SandboxState();
  return SandboxState.fromJSON(JSON.parse(fs.readFileSync(file, 'utf8')));
}

/** Writes atomically (temp file + rename) so a crash never leaves half a file. */
export function saveState(state: SandboxState, file: string): void {
  fs.mkdirSync(path.dirname(path.resolve(file)), { recursive: true });
  const tmp = `${file}.${process.pid}.tmp`;
  fs.writeFileSync(tmp, JSON.stringify(state));
  fs.renameSync(tmp, file);
}
