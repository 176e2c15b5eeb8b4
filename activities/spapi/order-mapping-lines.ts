import {
  allocate,
  divide,
  formatMoney,
  formatUnitPrice,
  fromInteger,
  sum,
  UNIT_PRICE_DECIMALS,
  ZERO,
  type Amount,
} from '../../lib/money';
import type { BookOrderLine as MappedLine } from '../../book/order-records';
import type { MarketplaceInfo } from './order-mapping-common';
import { MoneyReader, OrderMappingError } from './order-mapping-common';
import type { ItemProceedsBreakdown, Order, OrderItem } from './orders-2026-types';

/**
 * The money of an order, from Amazon's proceeds:
 * - each item's `proceeds.breakdowns` are the parts of its `proceedsTotal`: ITEM, SHIPPING, GIFT_WRAP and COD_FEE are
 *   charges, DISCOUNT (≤ 0) is what promotions take off, TAX is the tax on all of them, detailed by subtype;
 * - the order's `proceeds.grandTotal` is the sum of the items' proceedsTotal plus the order-level DELIVERY_TIP.
 * Whether TAX comes on top of the charges (US sales tax, as in Amazon's examples) or is contained in them (EU VAT-inclusive
 * prices) is read from Amazon's own arithmetic: proceedsTotal = charges + TAX, or proceedsTotal = charges.
 */

const COMPONENTS = ['ITEM', 'SHIPPING', 'GIFT_WRAP', 'COD_FEE'] as const;
type Component = (typeof COMPONENTS)[number];

function isComponent(s: string | undefined): s is Component {
  return (COMPONENTS as readonly string[]).includes(s ?? '');
}

/** One item's proceeds, read and checked. */
export interface ItemMoney {
  charge: Map<Component, Amount>;
  discount: Map<Component, Amount>;
  taxOn: Map<Component, Amount>;
  taxOnDiscount: Amount;
  tax: Amount;
  proceedsTotal: Amount | null;
  /** Per proceeds type, to check the order's aggregated breakdowns. */
  byType: Map<string, Amount>;
}

function addTo<K>(map: Map<K, Amount>, key: K, value: Amount): void {
  map.set(key, (map.get(key) ?? ZERO).plus(value));
}

interface Part {
  subtype: string;
  value: Amount;
  /** Where the part's subtype and value are in the payload, for errors. */
  subtypeField: string;
  valueField: string;
}

/** A TAX or DISCOUNT breakdown's parts; without detailedBreakdowns it all applies to the item itself. */
function parts(b: ItemProceedsBreakdown, field: string, subtotal: Amount, reader: MoneyReader): Part[] {
  const details = b.detailedBreakdowns ?? [];
  if (details.length === 0) {
    return [{ subtype: 'ITEM', value: subtotal, subtypeField: `${field}.type`, valueField: `${field}.subtotal` }];
  }
  const list = details.map((d, j) => ({
    subtype: d.subtype ?? '',
    value: reader.read(d.value, `${field}.detailedBreakdowns[${j}].value`),
    subtypeField: `${field}.detailedBreakdowns[${j}].subtype`,
    valueField: `${field}.detailedBreakdowns[${j}].value`,
  }));
  const total = sum(list.map((p) => p.value));
  if (!total.eq(subtotal)) {
    throw new OrderMappingError(
      `${field}.detailedBreakdowns`,
      `add up to ${reader.format(total)} but the ${b.type} subtotal is ${reader.format(subtotal)}`,
    );
  }
  return list;
}

/**
 * Reads one item's proceeds. `lenient` (pending or cancelled orders) lets an item without proceeds count as zero:
 * Amazon may withhold money of orders not, or no longer, payable.
 */
export function readItemMoney(item: OrderItem, i: number, reader: MoneyReader, lenient: boolean): ItemMoney {
  const at = `orderItems[${i}].proceeds`;
  const money: ItemMoney = {
    charge: new Map(),
    discount: new Map(),
    taxOn: new Map(),
    taxOnDiscount: ZERO,
    tax: ZERO,
    proceedsTotal: null,
    byType: new Map(),
  };
  // Not used for money (ITEM is what was charged), but a price in another currency means the payload is wrong.
  if (item.product.price?.unitPrice) {
    reader.read(item.product.price.unitPrice, `orderItems[${i}].product.price.unitPrice`);
  }
  const breakdowns = item.proceeds?.breakdowns ?? [];
  if (!lenient && !breakdowns.some((b) => b.type === 'ITEM')) {
    throw new OrderMappingError(
      `${at}.breakdowns`,
      'no ITEM amount: the item has no price (request includedData=PROCEEDS)',
    );
  }
  breakdowns.forEach((b, k) => {
    const field = `${at}.breakdowns[${k}]`;
    const value = reader.read(b.subtotal, `${field}.subtotal`);
    addTo(money.byType, b.type, value);
    if (isComponent(b.type)) {
      if (value.lessThan(0)) {
        throw new OrderMappingError(`${field}.subtotal.amount`, `a ${b.type} charge cannot be negative`);
      }
      addTo(money.charge, b.type, value);
    } else if (b.type === 'DISCOUNT') {
      for (const p of parts(b, field, value, reader)) {
        if (!isComponent(p.subtype)) {
          throw new OrderMappingError(p.subtypeField, `no discount applies to "${p.subtype}"`);
        }
        if (p.value.greaterThan(0)) {
          throw new OrderMappingError(
            `${p.valueField}.amount`,
            'a DISCOUNT takes money off: it must be negative or zero',
          );
        }
        addTo(money.discount, p.subtype, p.value);
      }
    } else if (b.type === 'TAX') {
      money.tax = money.tax.plus(value);
      for (const p of parts(b, field, value, reader)) {
        if (p.subtype === 'DISCOUNT') money.taxOnDiscount = money.taxOnDiscount.plus(p.value);
        else if (isComponent(p.subtype)) addTo(money.taxOn, p.subtype, p.value);
        else throw new OrderMappingError(p.subtypeField, `tax on "${p.subtype}" has no line to go on`);
      }
    } else {
      throw new OrderMappingError(`${field}.type`, `${b.type} is not a charge our order lines can hold`);
    }
  });
  if (item.proceeds?.proceedsTotal) {
    money.proceedsTotal = reader.read(item.proceeds.proceedsTotal, `${at}.proceedsTotal`);
  }
  return money;
}

/** The key of an item's product line, which deliveries refer to. */
export function productLineKey(orderItemId: string): string {
  return `item:${orderItemId}`;
}

function charges(m: ItemMoney): Amount {
  return sum([...m.charge.values(), ...m.discount.values()]);
}

/**
 * True when the order's amounts contain their tax (VAT-inclusive), false when tax comes on top. Decided by each item's
 * proceedsTotal; without any, by the marketplace's custom: tax on top in North America, included elsewhere.
 */
export function taxIncluded(items: readonly ItemMoney[], marketplace: MarketplaceInfo): boolean {
  const fmt = (a: Amount) => formatMoney(a, marketplace.currency);
  const seen = { onTop: -1, included: -1 };
  items.forEach((m, i) => {
    if (!m.proceedsTotal) return;
    const field = `orderItems[${i}].proceeds.proceedsTotal`;
    const c = charges(m);
    if (m.tax.isZero()) {
      if (!c.eq(m.proceedsTotal)) {
        throw new OrderMappingError(field, `is ${fmt(m.proceedsTotal)} but the breakdowns add up to ${fmt(c)}`);
      }
    } else if (c.plus(m.tax).eq(m.proceedsTotal)) {
      if (seen.onTop < 0) seen.onTop = i;
    } else if (c.eq(m.proceedsTotal)) {
      if (seen.included < 0) seen.included = i;
    } else {
      throw new OrderMappingError(
        field,
        `is ${fmt(m.proceedsTotal)}: neither the charges (${fmt(c)}) nor charges plus TAX (${fmt(c.plus(m.tax))})`,
      );
    }
  });
  if (seen.onTop >= 0 && seen.included >= 0) {
    throw new OrderMappingError(
      `orderItems[${Math.max(seen.onTop, seen.included)}].proceeds.proceedsTotal`,
      `tax is added on top in orderItems[${seen.onTop}] but included in orderItems[${seen.included}]`,
    );
  }
  if (seen.onTop >= 0) return false;
  if (seen.included >= 0) return true;
  return marketplace.region !== 'na';
}

const CHARGE_LINE: Record<Exclude<Component, 'ITEM'>, { kind: MappedLine['kind']; key: string; label: string }> = {
  SHIPPING: { kind: 'shipping', key: 'shipping', label: 'Shipping' },
  GIFT_WRAP: { kind: 'gift_wrap', key: 'gift_wrap', label: 'Gift wrap' },
  // Cash on delivery is a delivery charge: our book has no kind of its own for it.
  COD_FEE: { kind: 'shipping', key: 'cod_fee', label: 'Cash on delivery fee' },
};
const DISCOUNT_LABEL: Record<Component, string> = {
  ITEM: 'Promotion',
  SHIPPING: 'Shipping promotion',
  GIFT_WRAP: 'Gift wrap promotion',
  COD_FEE: 'Cash on delivery promotion',
};

/** The lines of one item: product, its charges, its promotions, its gift message. */
export function itemLines(item: OrderItem, i: number, m: ItemMoney, included: boolean, currency: string): MappedLine[] {
  const id = item.orderItemId;
  const sku = item.product.sellerSku ?? null;
  const ref = sku ?? id;
  const fmt = (a: Amount) => formatMoney(a, currency);
  const net = (gross: Amount, tax: Amount) => (included ? gross.minus(tax) : gross);
  const line = (l: Omit<MappedLine, 'amazonOrderItemId' | 'discount'>): MappedLine => ({
    ...l,
    amazonOrderItemId: id,
    discount: fmt(ZERO),
  });
  const lines: MappedLine[] = [];

  const itemTax = m.taxOn.get('ITEM') ?? ZERO;
  const itemNet = net(m.charge.get('ITEM') ?? ZERO, itemTax);
  // Only a cancelled item has 0 units (mapOrder checks): its unit price is 0, whatever amount Amazon still reports.
  const quantity = item.quantityOrdered;
  lines.push(
    line({
      lineKey: productLineKey(id),
      kind: 'product',
      sku,
      name: item.product.title ?? sku ?? item.product.asin ?? `Amazon item ${id}`,
      quantity,
      // Tax-exclusive, like every line: subtotal ÷ quantity, kept to 6 decimals when it does not divide evenly.
      unitPrice: formatUnitPrice(
        quantity === 0 ? ZERO : divide(itemNet, fromInteger(quantity), UNIT_PRICE_DECIMALS, 'half-up'),
        currency,
      ),
      tax: fmt(itemTax),
      subtotal: fmt(itemNet),
      note: null,
    }),
  );

  for (const component of ['SHIPPING', 'GIFT_WRAP', 'COD_FEE'] as const) {
    const gross = m.charge.get(component) ?? ZERO;
    const tax = m.taxOn.get(component) ?? ZERO;
    if (gross.isZero() && tax.isZero()) continue;
    const { kind, key, label } = CHARGE_LINE[component];
    const level = component === 'GIFT_WRAP' ? item.fulfillment?.packing?.giftOption?.giftWrapLevel : undefined;
    const amount = net(gross, tax);
    lines.push(
      line({
        lineKey: `${key}:${id}`,
        kind,
        sku: null,
        name: `${label}${level ? ` (${level})` : ''} for ${ref}`,
        quantity: 1,
        unitPrice: fmt(amount),
        tax: fmt(tax),
        subtotal: fmt(amount),
        note: null,
      }),
    );
  }

  // Promotions as their own negative lines: the product keeps Amazon's unit price, and the tax Amazon takes off with
  // a promotion (TAX subtype DISCOUNT) has a line to sit on. Amazon gives one DISCOUNT tax for all the item's
  // promotions: it is split over them in proportion to their amounts.
  const discounted = COMPONENTS.filter((c) => !(m.discount.get(c) ?? ZERO).isZero());
  if (discounted.length === 0 && !m.taxOnDiscount.isZero()) {
    throw new OrderMappingError(`orderItems[${i}].proceeds.breakdowns`, 'has tax on a DISCOUNT but no DISCOUNT');
  }
  const amounts = discounted.map((c) => m.discount.get(c)!);
  const discountTaxes = discounted.length ? allocate(m.taxOnDiscount, amounts, currency) : [];
  const promotions = (item.promotion?.breakdowns ?? []).map((p) => p.promotionId).filter((p): p is string => !!p);
  discounted.forEach((component, k) => {
    const amount = net(amounts[k], discountTaxes[k]);
    lines.push(
      line({
        lineKey: `discount:${component.toLowerCase()}:${id}`,
        kind: 'discount',
        sku: null,
        name: `${DISCOUNT_LABEL[component]} on ${ref}`,
        quantity: 1,
        unitPrice: fmt(amount),
        tax: fmt(discountTaxes[k]),
        subtotal: fmt(amount),
        note: promotions.length ? `Amazon promotions: ${promotions.join(', ')}` : null,
      }),
    );
  });

  const message = item.fulfillment?.packing?.giftOption?.giftMessage?.trim();
  if (message) {
    lines.push(
      line({
        lineKey: `note:gift:${id}`,
        kind: 'note',
        sku: null,
        name: `Gift message for ${ref}`,
        quantity: 0,
        unitPrice: fmt(ZERO),
        tax: fmt(ZERO),
        subtotal: fmt(ZERO),
        note: message,
      }),
    );
  }
  return lines;
}

/**
 * Order-level proceeds: DELIVERY_TIP becomes a line (it is in grandTotal but on no item); every other category is
 * Amazon's aggregate over the items and must equal their sum.
 */
export function orderLevelLines(order: Order, items: readonly ItemMoney[], reader: MoneyReader): MappedLine[] {
  const tips: Amount[] = [];
  const withProceeds = order.orderItems.every((item) => item.proceeds?.breakdowns?.length);
  for (const [k, b] of (order.proceeds?.breakdowns ?? []).entries()) {
    const field = `proceeds.breakdowns[${k}]`;
    const value = reader.read(b.subtotal, `${field}.subtotal`);
    if (b.type === 'DELIVERY_TIP') {
      tips.push(value);
      continue;
    }
    const fromItems = sum(items.map((m) => m.byType.get(b.type) ?? ZERO));
    if (withProceeds && !fromItems.eq(value)) {
      throw new OrderMappingError(
        `${field}.subtotal.amount`,
        `${b.type} is ${reader.format(value)} but the items' ${b.type} add up to ${reader.format(fromItems)}`,
      );
    }
  }
  if (tips.length === 0) return [];
  const amount = reader.format(sum(tips));
  return [
    {
      lineKey: 'delivery_tip',
      // A tip pays for delivery; our book has no kind of its own for it.
      kind: 'shipping',
      amazonOrderItemId: null,
      sku: null,
      name: 'Delivery tip',
      quantity: 1,
      unitPrice: amount,
      discount: reader.format(ZERO),
      tax: reader.format(ZERO),
      subtotal: amount,
      note: null,
    },
  ];
}
