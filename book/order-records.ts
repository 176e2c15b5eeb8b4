import { z } from 'zod';
import { FULFILLMENT_STATUSES } from '../lib/amazon-facts';

/**
 * An Amazon order as the book takes it: what activities/spapi/order-mapping.ts makes of Amazon's payload. Money is
 * exact decimal strings ("94.50"); every line is tax-exclusive with its tax beside it.
 */

const Decimal = z.string().regex(/^-?\d+(\.\d+)?$/, 'must be a decimal string like "94.50"');

export const BookOrderLine = z.object({
  /** Stable and unique within the order, so upserts are idempotent: item:<orderItemId>, shipping:<orderItemId>, … */
  lineKey: z.string().min(1),
  kind: z.enum(['product', 'shipping', 'gift_wrap', 'discount', 'note']),
  amazonOrderItemId: z.string().nullable(),
  sku: z.string().nullable(),
  name: z.string(),
  /** Units for a product, 1 for a charge or promotion, 0 for a note. */
  quantity: z.number().int().nonnegative(),
  /** Tax-exclusive; up to 6 decimals when the subtotal does not divide evenly by the quantity. */
  unitPrice: Decimal,
  /** Always "0.00": promotions are their own `discount` lines. */
  discount: Decimal,
  tax: Decimal,
  /** Tax-exclusive, exact: what the line adds to the order's untaxed amount. */
  subtotal: Decimal,
  note: z.string().nullable(),
});

export const BookCustomer = z.object({
  /** buyer:<anonymised e-mail, lowercased>, else order:<amazonOrderId>. */
  matchKey: z.string().min(1),
  name: z.string(),
  company: z.string().nullable(),
  email: z.string().nullable(),
  phone: z.string().nullable(),
});

export const BookDeliveryAddress = z.object({
  /** addr:<sha256 of the contact's key and the normalised address>. */
  matchKey: z.string().min(1),
  name: z.string(),
  company: z.string().nullable(),
  street: z.string().nullable(),
  street2: z.string().nullable(),
  street3: z.string().nullable(),
  city: z.string().nullable(),
  district: z.string().nullable(),
  stateOrRegion: z.string().nullable(),
  postalCode: z.string().nullable(),
  countryCode: z.string().min(2),
  phone: z.string().nullable(),
});

/** A product line an FBM delivery must ship. */
export const BookDeliveryItem = z.object({
  lineKey: z.string(),
  amazonOrderItemId: z.string(),
  sku: z.string().nullable(),
  quantity: z.number().int().nonnegative(),
  /** Units Amazon already counts as shipped (e.g. shipped before the connector saw the order). */
  quantityFulfilled: z.number().int().nonnegative(),
});

/** A buyer's request to cancel an item that nobody has acted on yet. */
export const BuyerCancellationRequest = z.object({
  amazonOrderItemId: z.string(),
  sku: z.string().nullable(),
  reason: z.string().nullable(),
});

/** A package Amazon reports shipped (FBM). */
export const AmazonPackage = z.object({
  packageReferenceId: z.string(),
  status: z.string().nullable(),
  carrier: z.string().nullable(),
  shippingService: z.string().nullable(),
  trackingNumber: z.string().nullable(),
  shipTime: z.string().nullable(),
  items: z.array(z.object({ amazonOrderItemId: z.string(), quantity: z.number().int() })),
});

/**
 * Slim, no PII: what the order workflow is signalled with. Lenient: an order Amazon listed without a usable header is
 * signalled all the same (status UNKNOWN, no marketplace), so that its workflow flags it instead of skipping it.
 */
export const OrderHeader = z.object({
  amazonOrderId: z.string().min(1),
  marketplaceId: z.string(),
  channel: z.enum(['FBA', 'FBM']),
  /** Amazon's fulfillment status. */
  amazonStatus: z.string(),
  lastUpdatedTime: z.string().min(1),
});

export const BookOrder = OrderHeader.extend({
  marketplaceId: z.string().min(1),
  amazonStatus: z.enum(FULFILLMENT_STATUSES),
  currency: z.string().length(3),
  purchaseDate: z.string(),
  latestShipDate: z.string().nullable(),
  /** Amazon's fulfillmentServiceLevel (Standard, Expedited, Priority, SameDay, …): what the packer must ship with. */
  shipServiceLevel: z.string().nullable(),
  isBusiness: z.boolean(),
  isPrime: z.boolean(),
  /** Every item's gift message, distinct, one per line. */
  giftMessage: z.string().nullable(),
  amazonGrandTotal: Decimal.nullable(),
  /** Amazon's amounts contained their tax (VAT-inclusive prices); the lines are tax-exclusive either way. */
  pricesIncludeTax: z.boolean(),
  /** MARKETPLACE_FACILITATOR when Amazon collects and remits the tax, else null. */
  taxCollectionModel: z.string().nullable(),
  /** Ours. 'pending' orders are not imported; the order workflow waits for the next update. */
  state: z.enum(['pending', 'confirmed', 'shipped', 'cancelled']),
  lines: z.array(BookOrderLine),
  /** untaxed + tax = total; total equals Amazon's grandTotal to the cent (checked by the mapping). */
  totals: z.object({ untaxed: Decimal, tax: Decimal, total: Decimal }),
  customer: BookCustomer,
  deliveryAddress: BookDeliveryAddress.nullable(),
  deliveryItems: z.array(BookDeliveryItem),
  buyerCancellationRequests: z.array(BuyerCancellationRequest),
  amazonPackages: z.array(AmazonPackage),
});

export type BookOrder = z.infer<typeof BookOrder>;
export type BookOrderLine = z.infer<typeof BookOrderLine>;
