/** Amazon's public marketplaces, as getMarketplaceParticipations describes them, with their SP-API region. */
export type Region = 'na' | 'eu' | 'fe';

export interface Marketplace {
  id: string;
  countryCode: string;
  name: string;
  defaultCurrencyCode: string;
  defaultLanguageCode: string;
  domainName: string;
  region: Region;
}

const rows: Array<[string, string, string, string, string, string, Region]> = [
  ['ATVPDKIKX0DER', 'US', 'Amazon.com', 'USD', 'en_US', 'www.amazon.com', 'na'],
  ['A2EUQ1WTGCTBG2', 'CA', 'Amazon.ca', 'CAD', 'en_CA', 'www.amazon.ca', 'na'],
  ['A1AM78C64UM0Y8', 'MX', 'Amazon.com.mx', 'MXN', 'es_MX', 'www.amazon.com.mx', 'na'],
  ['A2Q3Y263D00KWC', 'BR', 'Amazon.com.br', 'BRL', 'pt_BR', 'www.amazon.com.br', 'na'],
  ['A1PA6795UKMFR9', 'DE', 'Amazon.de', 'EUR', 'de_DE', 'www.amazon.de', 'eu'],
  ['A1RKKUPIHCS9HS', 'ES', 'Amazon.es', 'EUR', 'es_ES', 'www.amazon.es', 'eu'],
  ['A13V1IB3VIYZZH', 'FR', 'Amazon.fr', 'EUR', 'fr_FR', 'www.amazon.fr', 'eu'],
  ['A1F83G8C2ARO7P', 'GB', 'Amazon.co.uk', 'GBP', 'en_GB', 'www.amazon.co.uk', 'eu'],
  ['APJ6JRA9NG5V4', 'IT', 'Amazon.it', 'EUR', 'it_IT', 'www.amazon.it', 'eu'],
  ['A1805IZSGTT6HS', 'NL', 'Amazon.nl', 'EUR', 'nl_NL', 'www.amazon.nl', 'eu'],
  ['A2NODRKZP88ZB9', 'SE', 'Amazon.se', 'SEK', 'sv_SE', 'www.amazon.se', 'eu'],
  ['A1C3SOZRARQ6R3', 'PL', 'Amazon.pl', 'PLN', 'pl_PL', 'www.amazon.pl', 'eu'],
  ['AMEN7PMS3EDWL', 'BE', 'Amazon.com.be', 'EUR', 'fr_BE', 'www.amazon.com.be', 'eu'],
  ['A28R8C7NBKEWEA', 'IE', 'Amazon.ie', 'EUR', 'en_IE', 'www.amazon.ie', 'eu'],
  ['A33AVAJ2PDY3EV', 'TR', 'Amazon.com.tr', 'TRY', 'tr_TR', 'www.amazon.com.tr', 'eu'],
  ['A2VIGQ35RCS4UG', 'AE', 'Amazon.ae', 'AED', 'ar_AE', 'www.amazon.ae', 'eu'],
  ['A17E79C6D8DWNP', 'SA', 'Amazon.sa', 'SAR', 'ar_SA', 'www.amazon.sa', 'eu'],
  ['ARBP9OOSHTCHU', 'EG', 'Amazon.eg', 'EGP', 'ar_EG', 'www.amazon.eg', 'eu'],
  ['A21TJRUUN4KGV', 'IN', 'Amazon.in', 'INR', 'en_IN', 'www.amazon.in', 'eu'],
  ['AE08WJ6YKNBMC', 'ZA', 'Amazon.co.za', 'ZAR', 'en_ZA', 'www.amazon.co.za', 'eu'],
  ['A1VC38T7YXB528', 'JP', 'Amazon.co.jp', 'JPY', 'ja_JP', 'www.amazon.co.jp', 'fe'],
  ['A39IBJ37TRP1C6', 'AU', 'Amazon.com.au', 'AUD', 'en_AU', 'www.amazon.com.au', 'fe'],
  ['A19VAU5U5O7RUS', 'SG', 'Amazon.sg', 'SGD', 'en_SG', 'www.amazon.sg', 'fe'],
];

export const MARKETPLACES: ReadonlyMap<string, Marketplace> = new Map(
  rows.map(([id, countryCode, name, defaultCurrencyCode, defaultLanguageCode, domainName, region]) => [
    id,
    { id, countryCode, name, defaultCurrencyCode, defaultLanguageCode, domainName, region },
  ]),
);

export function marketplace(id: string): Marketplace | undefined {
  return MARKETPLACES.get(id);
}

/** The region a request was sent to, from the SP-API host the client used; null when called directly (curl). */
export function regionOfHost(host: string | undefined): Region | null {
  const match = /sellingpartnerapi-(na|eu|fe)\.amazon\.com/i.exec(host ?? '');
  return match ? (match[1].toLowerCase() as Region) : null;
}

/** FBA fulfillment channel code of a region, as listings carry it. */
export function amazonChannelOf(marketplaceId: string): string {
  const m = marketplace(marketplaceId);
  return m?.region === 'eu' ? 'AMAZON_EU' : m?.region === 'fe' ? 'AMAZON_FE' : 'AMAZON_NA';
}
