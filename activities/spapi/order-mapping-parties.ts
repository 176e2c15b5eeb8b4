import { createHash } from 'node:crypto';
import type { z } from 'zod';
import type { BookCustomer, BookDeliveryAddress } from '../../book/order-records';

type MappedCustomer = z.infer<typeof BookCustomer>;
type MappedDeliveryAddress = z.infer<typeof BookDeliveryAddress>;
import { OrderMappingError } from './order-mapping-common';
import type { Order } from './orders-2026-types';

/** Trimmed, inner blanks collapsed, Unicode NFC (a decomposed "é" is the same "é"); empty is null. */
function clean(value: string | undefined | null): string | null {
  const s = (value ?? '').normalize('NFC').trim().replace(/\s+/g, ' ');
  return s === '' ? null : s;
}

/** What identity compares: cleaned and case-folded, null as "". */
function identity(value: string | null): string {
  return (value ?? '').toLowerCase();
}

/**
 * The buyer as our contact. Amazon's anonymised buyer e-mail is stable per buyer and seller, so it is the key that
 * reuses a contact within an account; without it (FBA, no PII role) the contact is the order's own.
 */
export function mapCustomer(order: Order, isBusiness: boolean): MappedCustomer {
  const email = clean(order.buyer?.buyerEmail);
  const name = clean(order.buyer?.buyerName);
  const address = order.recipient?.deliveryAddress;
  const company = clean(order.buyer?.buyerCompanyName) ?? (isBusiness ? clean(address?.companyName) : null);
  // The model has no buyer phone: the recipient's is the buyer's only when the buyer is the recipient.
  const buyerReceives = name !== null && identity(name) === identity(clean(address?.name));
  return {
    // Hashed: the key outlives the PII purge, so it must not be the e-mail itself.
    matchKey: email
      ? `buyer:${createHash('sha256').update(email.toLowerCase(), 'utf8').digest('hex')}`
      : `order:${order.orderId}`,
    name: name ?? `Amazon Customer #${order.orderId}`,
    company,
    email,
    phone: buyerReceives ? clean(address?.phone) : null,
  };
}

/**
 * The delivery address as a child of the contact. Its matchKey hashes the contact's key and the cleaned, case-folded
 * address, so an identical address of the same buyer is reused and the same street of two buyers is not shared.
 * The phone is left out of the key: Amazon suppresses it after delivery, and a resync must find the same address.
 */
export function mapDeliveryAddress(order: Order, customer: MappedCustomer): MappedDeliveryAddress | null {
  const a = order.recipient?.deliveryAddress;
  if (!a) return null;
  const countryCode = clean(a.countryCode)?.toUpperCase();
  if (!countryCode) throw new OrderMappingError('recipient.deliveryAddress.countryCode', 'missing');
  const fields = {
    name: clean(a.name) ?? customer.name,
    company: clean(a.companyName),
    // FBA orders in North America carry no street: only city, state, postal code and country.
    street: clean(a.addressLine1),
    street2: clean(a.addressLine2),
    street3: clean(a.addressLine3),
    city: clean(a.city),
    district: clean(a.districtOrCounty),
    stateOrRegion: clean(a.stateOrRegion),
    postalCode: clean(a.postalCode),
    countryCode,
  };
  const f = fields;
  const compared = [
    f.name,
    f.company,
    f.street,
    f.street2,
    f.street3,
    f.city,
    f.district,
    f.stateOrRegion,
    f.postalCode,
  ];
  const key = JSON.stringify([customer.matchKey, ...compared.map(identity), f.countryCode]);
  return {
    matchKey: `addr:${createHash('sha256').update(key, 'utf8').digest('hex')}`,
    ...fields,
    phone: clean(a.phone),
  };
}
