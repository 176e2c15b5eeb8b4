/**
 * The parts of Amazon's Orders API 2026-01-01 `Order` that the connector reads, named exactly as the model
 * (lib/sp-api-models/orders_2026-01-01.json). Optional wherever the model does not require the field: which
 * parts are present depends on `includedData` and on the order (PII, FBA/FBM, status). Fields whose description lists
 * "possible values" without an enum are plain strings: Amazon may add values.
 */

/** ISO 4217 currency and a decimal string ("94.50"): never a float. */
export interface Money {
  amount: string;
  currencyCode: string;
}

export interface DateTimeRange {
  earliestDateTime?: string;
  latestDateTime?: string;
}

import type { FulfillmentStatus } from '../../lib/amazon-facts';
export type { FulfillmentStatus };

export interface Order {
  orderId: string;
  orderAliases?: Alias[];
  createdTime: string;
  lastUpdatedTime: string;
  /** AMAZON_BUSINESS, PRIME, PREMIUM, PREORDER, DELIVERY_BY_AMAZON, … */
  programs?: string[];
  associatedOrders?: AssociatedOrder[];
  salesChannel: SalesChannel;
  buyer?: Buyer;
  recipient?: Recipient;
  proceeds?: OrderProceeds;
  tax?: OrderTax;
  fulfillment?: OrderFulfillment;
  orderItems: OrderItem[];
  /** FBM only. */
  packages?: OrderPackage[];
}

export interface Alias {
  aliasId: string;
  /** SELLER_ORDER_ID */
  aliasType: string;
}

export interface AssociatedOrder {
  orderId?: string;
  /** REPLACEMENT_ORIGINAL_ID, EXCHANGE_ORIGINAL_ID */
  associationType?: string;
}

export interface SalesChannel {
  /** AMAZON, NON_AMAZON */
  channelName: string;
  marketplaceId?: string;
  marketplaceName?: string;
}

export interface Buyer {
  buyerName?: string;
  /** Anonymised (…@marketplace.amazon.com), stable per buyer and seller. FBM only. */
  buyerEmail?: string;
  buyerCompanyName?: string;
  buyerPurchaseOrderNumber?: string;
}

export interface Recipient {
  deliveryAddress?: CustomerAddress;
}

export interface CustomerAddress {
  name?: string;
  companyName?: string;
  addressLine1?: string;
  addressLine2?: string;
  addressLine3?: string;
  city?: string;
  districtOrCounty?: string;
  stateOrRegion?: string;
  municipality?: string;
  postalCode?: string;
  countryCode?: string;
  phone?: string;
  /** RESIDENTIAL, COMMERCIAL, PICKUP_POINT */
  addressType?: string;
}

export interface OrderProceeds {
  grandTotal?: Money;
  breakdowns?: OrderProceedsBreakdown[];
}

export interface OrderProceedsBreakdown {
  /** ITEM, SHIPPING, GIFT_WRAP, COD_FEE, TAX, DISCOUNT, DELIVERY_TIP, OTHER */
  type: string;
  /** PENDING, FINALIZED: only for categories charged after checkout, such as DELIVERY_TIP. */
  status?: string;
  subtotal: Money;
}

export interface OrderTax {
  taxRegistrations?: OrderTaxRegistration[];
}

export interface OrderTaxRegistration {
  /** BUYER, MERCHANT, MARKETPLACE */
  entityType?: string;
  legalName?: string;
  /** BUSINESS, VAT, CST, CPF, CNPJ */
  taxRegistrationType?: string;
  taxRegistrationNumber?: string;
}

export interface OrderFulfillment {
  fulfillmentStatus: FulfillmentStatus;
  /** AMAZON, MERCHANT */
  fulfilledBy?: string;
  fulfillmentServiceLevel?: string;
  shipByWindow?: DateTimeRange;
  deliverByWindow?: DateTimeRange;
}

export interface OrderItem {
  orderItemId: string;
  quantityOrdered: number;
  /** TRANSPARENCY, SUBSCRIBE_AND_SAVE */
  programs?: string[];
  product: ItemProduct;
  proceeds?: ItemProceeds;
  promotion?: ItemPromotion;
  cancellation?: ItemCancellation;
  fulfillment?: ItemFulfillment;
  tax?: ItemTax;
}

export interface ItemProduct {
  asin?: string;
  title?: string;
  sellerSku?: string;
  price?: ItemPrice;
}

export interface ItemPrice {
  unitPrice?: Money;
  /** BUSINESS_PRICE */
  priceDesignation?: string;
}

export interface ItemProceeds {
  proceedsTotal?: Money;
  breakdowns?: ItemProceedsBreakdown[];
}

export interface ItemProceedsBreakdown {
  /** ITEM, SHIPPING, GIFT_WRAP, COD_FEE, OTHER, TAX, DISCOUNT */
  type: string;
  subtotal: Money;
  /** Only for TAX and DISCOUNT: what the tax or discount applies to. */
  detailedBreakdowns?: ItemProceedsDetailedBreakdown[];
}

export interface ItemProceedsDetailedBreakdown {
  /** ITEM, SHIPPING, GIFT_WRAP, COD_FEE, OTHER, DISCOUNT */
  subtype?: string;
  value?: Money;
}

export interface ItemPromotion {
  breakdowns?: ItemPromotionBreakdown[];
}

/** Only an id: the money of a promotion is in the item's DISCOUNT proceeds. */
export interface ItemPromotionBreakdown {
  promotionId?: string;
}

export interface ItemCancellation {
  cancellationRequest?: ItemCancellationRequest;
  cancellationExecution?: ItemCancellationExecution;
}

export interface ItemCancellationRequest {
  /** BUYER */
  requester?: string;
  cancelReason?: string;
}

export interface ItemCancellationExecution {
  /** BUYER, MERCHANT, AMAZON */
  cancelledBy?: string;
  cancelReason?: string;
}

export interface ItemFulfillment {
  quantityFulfilled?: number;
  quantityUnfulfilled?: number;
  packing?: ItemPacking;
}

export interface ItemPacking {
  giftOption?: GiftOption;
}

export interface GiftOption {
  giftMessage?: string;
  giftWrapLevel?: string;
}

export interface ItemTax {
  taxCollections?: ItemTaxCollection[];
}

export interface ItemTaxCollection {
  /** MARKETPLACE_FACILITATOR: Amazon withholds and remits the tax. */
  model?: string;
  responsibleParty?: string;
}

export interface OrderPackage {
  packageReferenceId: string;
  createdTime?: string;
  packageStatus?: PackageStatus;
  carrier?: string;
  shipTime?: string;
  shippingService?: string;
  trackingNumber?: string;
  packageItems?: PackageItem[];
}

export interface PackageStatus {
  status: 'PENDING' | 'IN_TRANSIT' | 'SHIPPED' | 'DELIVERED' | 'CANCELLED' | 'UNDELIVERABLE';
  detailedStatus?: string;
}

export interface PackageItem {
  orderItemId: string;
  quantity: number;
  transparencyCodes?: string[];
}
