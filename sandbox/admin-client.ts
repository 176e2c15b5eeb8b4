import type { OperationStats, SandboxConfig, ScheduledKind } from './context';
import type { FaultConfig } from './faults';
import type { Transaction } from './finances/transactions';
import type { GenerateSpec } from './generator';
import type { NotificationStats, Switches } from './notification-publisher';
import type { RateLimitMode } from './rate-limits';
import type { FbaInventoryItem, Listing, OrderJson, Seller } from './state';

/** A typed client of the sandbox's admin API (/_sandbox/), for tests, the demo and benchmarks. */

export type { GenerateSpec } from './generator';
export type { FbaInventoryItem, Listing, OrderJson, Seller } from './state';
export type { Transaction } from './finances/transactions';
export type { NotificationStats, Switches as NotificationSwitches } from './notification-publisher';

export class SandboxAdminError extends Error {
  override name = 'SandboxAdminError';
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export interface SellerSpec {
  sellerId: string;
  marketplaceIds: string[];
  clientId: string;
  clientSecret: string;
  refreshToken: string;
  /** Default true: the app may read BUYER and RECIPIENT. */
  piiAccess?: boolean;
  storeName?: string;
}

export interface ListingSpec {
  marketplaceId?: string;
  marketplaceIds?: string[];
  productType: string;
  /** DEFAULT (seller-fulfilled, the default) or AMAZON_NA, AMAZON_EU, ... */
  fulfillmentChannelCode?: string;
  quantity?: number;
  asin?: string;
  fnSku?: string;
  itemName?: string;
  /** "19.99" in the marketplace's currency, or a Money. */
  price?: string | { amount: string; currencyCode: string };
  status?: string[];
  attributes?: Record<string, unknown>;
}

export interface FbaInventorySpec {
  sellerSku: string;
  fulfillableQuantity: number;
  asin?: string;
  fnSku?: string;
  productName?: string;
  condition?: string;
  inboundWorkingQuantity?: number;
  inboundShippedQuantity?: number;
  inboundReceivingQuantity?: number;
  reservedQuantity?: number;
  unfulfillableQuantity?: number;
  researchingQuantity?: number;
  lastUpdatedTime?: string;
}

export interface StatusOptions {
  /** Backdates lastUpdatedTime (searchOrders only sees updates at least 2 minutes old). */
  at?: string | Date;
  cancelledBy?: 'BUYER' | 'MERCHANT' | 'AMAZON';
  cancelReason?: string;
  /** For an FBM order shipped here (as in Seller Central): the package's carrier and tracking number. */
  carrier?: string;
  trackingNumber?: string;
}

export interface ConfigPatch {
  rateLimits?: RateLimitMode;
  faults?: FaultConfig;
  tokenLifetimeSeconds?: number;
  minBeforeLagSeconds?: number;
  feedQueueMs?: number;
  feedProcessingMs?: number;
  listingApplyDelayMs?: number;
  /** Finances: "48h", "0s", ... (finances/service.ts). */
  financeLag?: string;
  financeDeferral?: string;
  financeSettlement?: string;
  financeTimeScale?: number;
}

export interface RefundSpec {
  /** Default: every unit shipped and not yet refunded. */
  items?: Array<{ orderItemId: string; quantity: number }>;
  reason?: string;
  /** Backdates the refund (default now). */
  at?: string | Date;
}

export interface SettlementGroupView {
  groupId: string;
  settlementId: string;
  marketplaceId: string;
  currency: string;
  start: string;
  end: string;
  closed: boolean;
  transactionCount: number;
  /** The exact sum of the group's transactions, its transfer left out. */
  balance: string;
  transferTransactionId?: string;
}

export interface SandboxStats {
  operations: Record<string, OperationStats>;
  feeds: { created: number; processed: number; messages: number };
  /** Per notification type: published, dropped, duplicated, failed, ... */
  notifications: Record<string, NotificationStats>;
}

export interface FeedSummary {
  feedId: string;
  feedType: string;
  marketplaceIds: string[];
  createdTime: string;
  processingStatus: string;
  messages?: number;
  inputFeedDocumentId: string;
  resultFeedDocumentId?: string;
}

export class SandboxAdmin {
  private readonly base: string;

  constructor(baseUrl: string) {
    this.base = baseUrl.replace(/\/+$/, '');
  }

  private async call<T>(method: string, path: string, body?: unknown, allow404 = false): Promise<T> {
    const res = await fetch(`${this.base}/_sandbox${path}`, {
      method,
      headers: body === undefined ? {} : { 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await res.text();
    if (allow404 && res.status === 404) return null as T;
    if (!res.ok) {
      let message = text;
      try {
        message = JSON.parse(text).error ?? text;
      } catch {
        // not JSON: keep the text
      }
      throw new SandboxAdminError(res.status, `sandbox ${method} /_sandbox${path} → ${res.status}: ${message}`);
    }
    return (text ? JSON.parse(text) : undefined) as T;
  }

  createSeller(seller: SellerSpec): Promise<Seller> {
    return this.call('POST', '/sellers', seller);
  }

  getSeller(sellerId: string): Promise<Seller | null> {
    return this.call('GET', `/sellers/${encodeURIComponent(sellerId)}`, undefined, true);
  }

  /** Makes the seller's access tokens expire now: the next SP-API call gets Amazon's "expired" 403. */
  expireAccessTokens(sellerId: string): Promise<{ expired: number }> {
    return this.call('POST', `/sellers/${encodeURIComponent(sellerId)}/expire-tokens`);
  }

  /**
   * Rotates an app's LWA client secret as Amazon does: a new one for every seller of the app, the old one accepted for
   * `graceSeconds` more (Amazon: 7 days). The answer has the fields of APPLICATION_OAUTH_CLIENT_NEW_SECRET.
   */
  rotateAppSecret(
    clientId: string,
    opts: { clientSecret?: string; graceSeconds?: number; expiresInSeconds?: number } = {},
  ): Promise<{
    clientId: string;
    newClientSecret: string;
    newClientSecretExpiryTime: string;
    oldClientSecretExpiryTime: string;
  }> {
    return this.call('POST', `/apps/${encodeURIComponent(clientId)}/rotate-secret`, opts);
  }

  /** The app's current secret expires now (`current`), or the grace of its rotated-out secrets ends now (`old`). */
  expireAppSecret(clientId: string, which: 'current' | 'old' = 'current'): Promise<{ expired: string }> {
    return this.call('POST', `/apps/${encodeURIComponent(clientId)}/expire-secret`, { which });
  }

  /** Stores Orders 2026-01-01 `Order`s exactly as given (an existing orderId is replaced). */
  addOrders(sellerId: string, orders: OrderJson[]): Promise<{ orderIds: string[] }> {
    return this.call('POST', '/orders', { sellerId, orders });
  }

  generateOrders(sellerId: string, spec: GenerateSpec): Promise<{ orderIds: string[] }> {
    return this.call('POST', '/orders', { sellerId, generate: spec });
  }

  setOrderStatus(orderId: string, status: string, opts: StatusOptions = {}): Promise<OrderJson> {
    const at = opts.at instanceof Date ? opts.at.toISOString() : opts.at;
    return this.call('POST', `/orders/${encodeURIComponent(orderId)}/status`, {
      ...opts,
      status,
      ...(at ? { at } : {}),
    });
  }

  /** The order as the sandbox holds it (every dataset, packages included), or null. */
  getOrder(orderId: string): Promise<OrderJson | null> {
    return this.call('GET', `/orders/${encodeURIComponent(orderId)}`, undefined, true);
  }

  /** Refunds an order (Finances: a Refund transaction with the fee reversals), the given items or all that is left. */
  refundOrder(orderId: string, spec: RefundSpec = {}): Promise<{ reason?: string; transaction: Transaction }> {
    const at = spec.at instanceof Date ? spec.at.toISOString() : spec.at;
    return this.call('POST', `/orders/${encodeURIComponent(orderId)}/refund`, { ...spec, ...(at ? { at } : {}) });
  }

  /** The order's next Shipment transaction charges `amount` more than its proceeds in the Orders API ("0" clears). */
  setFinanceMismatch(orderId: string, amount: string): Promise<{ orderId: string; amount: string }> {
    return this.call('PUT', `/orders/${encodeURIComponent(orderId)}/finance-mismatch`, { amount });
  }

  /** Where the seller is established (ISO country): decides the VAT Amazon collects in the UK and the EU. */
  setEstablishment(sellerId: string, country: string): Promise<{ sellerId: string; country: string }> {
    return this.call('PUT', `/finances/${encodeURIComponent(sellerId)}/establishment`, { country });
  }

  /** Every Finances transaction of the seller, including those listTransactions does not show yet (the lag). */
  financeTransactions(sellerId: string): Promise<{
    establishedIn: string;
    transactions: Array<{ visibleAt: string; reason?: string; transaction: Transaction }>;
  }> {
    return this.call('GET', `/finances/${encodeURIComponent(sellerId)}/transactions`);
  }

  settlementGroups(sellerId: string): Promise<SettlementGroupView[]> {
    return this.call('GET', `/finances/${encodeURIComponent(sellerId)}/groups`);
  }

  putListing(sellerId: string, sku: string, listing: ListingSpec): Promise<Listing> {
    return this.call('PUT', `/listings/${encodeURIComponent(sellerId)}/${encodeURIComponent(sku)}`, listing);
  }

  /** The listing as the sandbox holds it (quantity and channel after applied patches and feeds), or null. */
  getListing(sellerId: string, sku: string): Promise<Listing | null> {
    return this.call('GET', `/listings/${encodeURIComponent(sellerId)}/${encodeURIComponent(sku)}`, undefined, true);
  }

  /** Replaces the seller's FBA inventory in one marketplace. */
  putFbaInventory(
    sellerId: string,
    marketplaceId: string,
    items: FbaInventorySpec[],
  ): Promise<{ items: FbaInventoryItem[] }> {
    return this.call(
      'PUT',
      `/fba-inventory/${encodeURIComponent(sellerId)}/${encodeURIComponent(marketplaceId)}`,
      items,
    );
  }

  feeds(sellerId: string): Promise<FeedSummary[]> {
    return this.call('GET', `/feeds/${encodeURIComponent(sellerId)}`);
  }

  getConfig(): Promise<SandboxConfig> {
    return this.call('GET', '/config');
  }

  setConfig(patch: ConfigPatch): Promise<SandboxConfig> {
    return this.call('PUT', '/config', patch);
  }

  stats(): Promise<SandboxStats> {
    return this.call('GET', '/stats');
  }

  clearStats(): Promise<void> {
    return this.call('DELETE', '/stats');
  }

  /**
   * Replaces the switches of a notification type's messages: drop {rate, next}, duplicate {rate, next}, delayMs,
   * reorder {next, order}. An empty object turns them all off.
   */
  setNotificationSwitches(switches: Switches, notificationType = 'ORDER_CHANGE'): Promise<Switches> {
    return this.call('PUT', `/notifications/${encodeURIComponent(notificationType)}/switches`, switches);
  }

  /** The switches now in force (each `next` counts down as messages pass). */
  notificationSwitches(notificationType = 'ORDER_CHANGE'): Promise<Switches> {
    return this.call('GET', `/notifications/${encodeURIComponent(notificationType)}/switches`);
  }

  /** Sends the messages the reorder switch holds now, in its order, without waiting for its count. */
  releaseNotifications(notificationType = 'ORDER_CHANGE'): Promise<{ released: number }> {
    return this.call('POST', `/notifications/${encodeURIComponent(notificationType)}/release`);
  }

  notificationStats(): Promise<Record<string, NotificationStats>> {
    return this.call('GET', '/notifications/stats');
  }

  /**
   * Resolves once the sandbox has done its scheduled work of these kinds: accepted listing patches applied, feeds at
   * their final status. Name the kinds: the finances clock keeps a timer for ever, so "all" may never settle.
   */
  settled(...kinds: ScheduledKind[]): Promise<void> {
    return this.call('GET', `/settled${kinds.length ? `?kind=${kinds.join(',')}` : ''}`);
  }

  /** Everything back to empty, the config to the start options. */
  reset(): Promise<void> {
    return this.call('POST', '/reset');
  }

  /** The sandbox's Seller Central consent URL; `sellerId` picks who consents when the sandbox has several sellers. */
  consentUrl(opts: { applicationId: string; state: string; redirectUri: string; sellerId?: string }): string {
    const url = new URL('/apps/authorize/consent', this.base);
    url.searchParams.set('application_id', opts.applicationId);
    url.searchParams.set('state', opts.state);
    url.searchParams.set('redirect_uri', opts.redirectUri);
    if (opts.sellerId) url.searchParams.set('seller_id', opts.sellerId);
    return url.toString();
  }
}
