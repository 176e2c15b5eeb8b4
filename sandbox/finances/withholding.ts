import { marketplace } from '../marketplaces';
import { Decimal } from './amounts';
import type { OrderJson } from '../state';

/**
 * Where Amazon collects the tax of a sale itself (and so withholds it from the seller's proceeds):
 * - US and Canada: Amazon is the marketplace facilitator, as the order's items say (tax.taxCollections, model
 *   MARKETPLACE_FACILITATOR). Every US state with a sales tax has had a marketplace-facilitator law since 2021;
 *   Canada's GST/HST and the QST/PST rules of 1 July 2021 make Amazon collect for the sellers they cover.
 * - UK (since 1 January 2021) and the EU (the e-commerce VAT package of 1 July 2021): Amazon is the deemed supplier,
 *   and collects the VAT, when the seller is not established there and sells to a consumer: goods already in the
 *   country (FBA), or goods shipped from abroad worth at most £135 (UK) or €150 (EU, IOSS). A buyer with a VAT number
 *   (B2B) accounts for the VAT itself.
 * - Mexico's IVA/ISR retentions apply to individuals only and are not modelled.
 */

export type Withholding = 'MARKETPLACE_FACILITATOR_TAX' | 'MARKETPLACE_FACILITATOR_VAT';

const EU_COUNTRIES = new Set(
  'AT BE BG CY CZ DE DK EE ES FI FR GR HR HU IE IT LT LU LV MT NL PL PT RO SE SI SK'.split(' '),
);
/** Consignments up to this value (VAT included), shipped from abroad, fall under the deemed-supplier rules. */
const IMPORT_THRESHOLD: Record<string, string> = { GB: '135', EU: '150' };

const isObject = (v: unknown): v is Record<string, any> => v !== null && typeof v === 'object' && !Array.isArray(v);

/** The seller's country of establishment when none was set: the country of its first marketplace. */
export function defaultEstablishment(marketplaceIds: string[]): string {
  return marketplace(marketplaceIds[0] ?? '')?.countryCode ?? 'US';
}

function facilitatorCollects(order: OrderJson): boolean {
  return (Array.isArray(order.orderItems) ? order.orderItems : []).some(
    (item: any) =>
      Array.isArray(item?.tax?.taxCollections) &&
      item.tax.taxCollections.some((c: any) => c?.model === 'MARKETPLACE_FACILITATOR'),
  );
}

function buyerHasVatNumber(order: OrderJson): boolean {
  const registrations = isObject(order.tax) ? order.tax.taxRegistrations : undefined;
  return Array.isArray(registrations) && registrations.some((r: any) => r?.taxRegistrationType === 'VAT');
}

export function withholdingOf(order: OrderJson, establishedIn: string): Withholding | null {
  if (facilitatorCollects(order)) return 'MARKETPLACE_FACILITATOR_TAX';
  const country = marketplace(order.salesChannel?.marketplaceId ?? '')?.countryCode ?? '';
  const zone = country === 'GB' ? 'GB' : EU_COUNTRIES.has(country) ? 'EU' : null;
  if (!zone) return null;
  const established = zone === 'GB' ? establishedIn === 'GB' : EU_COUNTRIES.has(establishedIn);
  if (established || buyerHasVatNumber(order)) return null;
  const fromAbroad = order.fulfillment?.fulfilledBy !== 'AMAZON';
  const total = String(order.proceeds?.grandTotal?.amount ?? '');
  const withinThreshold = /^-?\d+(\.\d+)?$/.test(total) && new Decimal(total).lte(IMPORT_THRESHOLD[zone]);
  if (fromAbroad && !withinThreshold) return null;
  return 'MARKETPLACE_FACILITATOR_VAT';
}
