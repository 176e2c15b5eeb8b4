import { Decimal, roundTo, ZERO } from './amounts';

/**
 * Amazon's selling fees as the sandbox charges them: a referral fee by category and marketplace (with a per-unit
 * minimum), a closing fee on media, an FBA fulfilment fee per unit by size tier, and the refund administration fee.
 *
 * Sources (no live page could be read while writing this: the rates are the published ones as remembered, rounded to
 * the tiers the demo catalog needs; ../FINANCES.md lists them with the same caveat):
 * - US: "Selling on Amazon fee schedule" (sellercentral.amazon.com, referral fees as of 15 January 2024, with the
 *   Clothing and Accessories price bands of that date) and the "2024 FBA fulfillment fee rate card" (from 5 February
 *   2024, non-peak, items priced $10-$50).
 * - CA, MX: "Amazon.ca Selling on Amazon fees" and "Amazon.com.mx Tarifas de Vender en Amazon", 2024.
 * - UK, DE, FR, IT, ES, NL: "Amazon Europe selling fees" (referral fees 2024, with the apparel price bands of
 *   1 February 2024) and the "FBA fees rate card" 2024 for each country (local fulfilment, standard-size parcels).
 */

export type Category =
  | 'HOME_KITCHEN'
  | 'BOOKS_MEDIA'
  | 'HANDBAGS_LUGGAGE'
  | 'ELECTRONICS_ACCESSORIES'
  | 'CONSUMER_ELECTRONICS'
  | 'CLOTHING'
  | 'EVERYTHING_ELSE';

/** Size tiers by shipping weight, named after the US rate card (the EU cards have the same steps in grams). */
export type SizeTier =
  | 'SMALL_STANDARD_4OZ'
  | 'SMALL_STANDARD_8OZ'
  | 'LARGE_STANDARD_12OZ'
  | 'LARGE_STANDARD_16OZ'
  | 'LARGE_STANDARD_1_5LB'
  | 'LARGE_STANDARD_2LB'
  | 'LARGE_STANDARD_2_75LB';

/** Amazon's product types (as listings and the demo catalog carry them) → fee category and FBA size tier. */
const PRODUCTS: Record<string, [Category, SizeTier]> = {
  DRINKING_CUP: ['HOME_KITCHEN', 'LARGE_STANDARD_16OZ'],
  CANDLE: ['HOME_KITCHEN', 'LARGE_STANDARD_12OZ'],
  LAMP: ['HOME_KITCHEN', 'LARGE_STANDARD_2_75LB'],
  BOTTLE: ['HOME_KITCHEN', 'LARGE_STANDARD_16OZ'],
  ABIS_BOOK: ['BOOKS_MEDIA', 'LARGE_STANDARD_16OZ'],
  ABIS_MUSIC: ['BOOKS_MEDIA', 'SMALL_STANDARD_8OZ'],
  ABIS_DVD: ['BOOKS_MEDIA', 'SMALL_STANDARD_8OZ'],
  VIDEO_GAMES: ['BOOKS_MEDIA', 'SMALL_STANDARD_8OZ'],
  SOFTWARE: ['BOOKS_MEDIA', 'SMALL_STANDARD_8OZ'],
  HANDBAG: ['HANDBAGS_LUGGAGE', 'SMALL_STANDARD_8OZ'],
  LUGGAGE: ['HANDBAGS_LUGGAGE', 'LARGE_STANDARD_2_75LB'],
  CELLULAR_PHONE_CASE: ['ELECTRONICS_ACCESSORIES', 'SMALL_STANDARD_4OZ'],
  HEADPHONES: ['CONSUMER_ELECTRONICS', 'LARGE_STANDARD_1_5LB'],
  SCARF: ['CLOTHING', 'SMALL_STANDARD_8OZ'],
  SHIRT: ['CLOTHING', 'SMALL_STANDARD_8OZ'],
};
const UNKNOWN_PRODUCT: [Category, SizeTier] = ['EVERYTHING_ELSE', 'LARGE_STANDARD_16OZ'];

/**
 * How a referral rate applies to the unit's total sales price: `flat`; `portion` charges each rate on the part of the
 * price within its step (Electronics Accessories: 15% up to 100, 8% above); `band` charges one rate on the whole price,
 * chosen by the band it falls in (Clothing: 5% up to 15, 10% up to 20, more above).
 */
type Rule = { flat: string } | { portion: Array<[string, string]> } | { band: Array<[string, string]> };

interface MarketFees {
  /** Minimum referral fee per unit (media have none: they pay the closing fee). */
  minimum: string;
  closingFee: string;
  /** Refund administration fee: the lesser of this per unit or 20% of the referral fee refunded. */
  refundAdminCap: string;
  referral: Record<Category, Rule>;
  fba: Record<SizeTier, string>;
}

const ABOVE = '1e15';
const flat = (rate: string): Rule => ({ flat: rate });

function market(
  m: Omit<MarketFees, 'referral'> & { consumerElectronics: string; clothing: Rule; accessories?: Rule },
): MarketFees {
  return {
    ...m,
    referral: {
      HOME_KITCHEN: flat('0.15'),
      BOOKS_MEDIA: flat('0.15'),
      HANDBAGS_LUGGAGE: flat('0.15'),
      ELECTRONICS_ACCESSORIES: m.accessories ?? {
        portion: [
          ['100', '0.15'],
          [ABOVE, '0.08'],
        ],
      },
      CONSUMER_ELECTRONICS: flat(m.consumerElectronics),
      CLOTHING: m.clothing,
      EVERYTHING_ELSE: flat('0.15'),
    },
  };
}

const tiers = (...fees: string[]): Record<SizeTier, string> => ({
  SMALL_STANDARD_4OZ: fees[0],
  SMALL_STANDARD_8OZ: fees[1],
  LARGE_STANDARD_12OZ: fees[2],
  LARGE_STANDARD_16OZ: fees[3],
  LARGE_STANDARD_1_5LB: fees[4],
  LARGE_STANDARD_2LB: fees[5],
  LARGE_STANDARD_2_75LB: fees[6],
});

const apparelBands = (low: string, mid: string, top: string): Rule => ({
  band: [
    [low, '0.05'],
    [mid, '0.10'],
    [ABOVE, top],
  ],
});

const EU = (fba: Record<SizeTier, string>) =>
  market({
    minimum: '0.30',
    closingFee: '1.01',
    refundAdminCap: '5.00',
    consumerElectronics: '0.07',
    clothing: apparelBands('15', '20', '0.15'),
    fba,
  });

/** By marketplace id. */
const MARKETS: ReadonlyMap<string, MarketFees> = new Map([
  [
    'ATVPDKIKX0DER', // US
    market({
      minimum: '0.30',
      closingFee: '1.80',
      refundAdminCap: '5.00',
      consumerElectronics: '0.08',
      clothing: apparelBands('15', '20', '0.17'),
      fba: tiers('3.06', '3.15', '4.15', '4.55', '5.37', '5.77', '6.21'),
    }),
  ],
  [
    'A2EUQ1WTGCTBG2', // CA
    market({
      minimum: '0.30',
      closingFee: '1.00',
      refundAdminCap: '5.00',
      consumerElectronics: '0.08',
      clothing: flat('0.17'),
      fba: tiers('3.91', '4.18', '5.48', '5.97', '6.81', '7.31', '8.02'),
    }),
  ],
  [
    'A1AM78C64UM0Y8', // MX
    market({
      minimum: '10.00',
      closingFee: '10.00',
      refundAdminCap: '100.00',
      consumerElectronics: '0.08',
      clothing: flat('0.17'),
      fba: tiers('62.50', '66.00', '74.00', '79.00', '88.00', '96.00', '105.00'),
    }),
  ],
  [
    'A1F83G8C2ARO7P', // UK
    market({
      minimum: '0.25',
      closingFee: '0.50',
      refundAdminCap: '5.00',
      consumerElectronics: '0.07',
      clothing: apparelBands('15', '20', '0.15'),
      fba: tiers('2.35', '2.60', '2.94', '3.17', '3.55', '4.09', '4.52'),
    }),
  ],
  ['A1PA6795UKMFR9', EU(tiers('2.89', '3.21', '3.70', '3.97', '4.37', '4.61', '4.98'))], // DE
  ['A13V1IB3VIYZZH', EU(tiers('3.12', '3.50', '4.21', '4.56', '5.09', '5.38', '5.98'))], // FR
  ['APJ6JRA9NG5V4', EU(tiers('3.23', '3.52', '4.13', '4.41', '4.86', '5.13', '5.58'))], // IT
  ['A1RKKUPIHCS9HS', EU(tiers('2.94', '3.23', '3.76', '4.02', '4.38', '4.65', '5.03'))], // ES
  ['A1805IZSGTT6HS', EU(tiers('2.98', '3.35', '3.91', '4.18', '4.62', '4.89', '5.36'))], // NL
]);

/** Marketplaces without a schedule here (JP, AU, ...): a 15% referral fee, nothing else. */
const FALLBACK: MarketFees = market({
  minimum: '0',
  closingFee: '0',
  refundAdminCap: '0',
  consumerElectronics: '0.15',
  clothing: flat('0.15'),
  fba: tiers('0', '0', '0', '0', '0', '0', '0'),
});

export function categoryOf(productType: string | undefined): Category {
  return (PRODUCTS[productType ?? ''] ?? UNKNOWN_PRODUCT)[0];
}

export function sizeTierOf(productType: string | undefined): SizeTier {
  return (PRODUCTS[productType ?? ''] ?? UNKNOWN_PRODUCT)[1];
}

const feesOf = (marketplaceId: string) => MARKETS.get(marketplaceId) ?? FALLBACK;

/** The referral rate of one unit's total sales price under a rule (exact, not rounded). */
function perUnit(rule: Rule, price: Decimal): Decimal {
  if ('flat' in rule) return price.times(rule.flat);
  if ('band' in rule) return price.times(rule.band.find(([upTo]) => price.lte(upTo))![1]);
  let fee = ZERO;
  let floor = ZERO;
  for (const [upTo, rate] of rule.portion) {
    if (price.lte(floor)) break;
    fee = fee.plus(Decimal.min(price, upTo).minus(floor).times(rate));
    floor = new Decimal(upTo);
  }
  return fee;
}

/**
 * The referral fee of `units` units whose total sales price is `salesPrice` (item price, shipping and gift wrap,
 * after promotions; VAT included in the EU and UK, US and Canadian sales tax excluded), as a positive amount.
 */
export function referralFee(
  marketplaceId: string,
  productType: string | undefined,
  salesPrice: Decimal,
  units: number,
  currency: string,
): Decimal {
  const fees = feesOf(marketplaceId);
  const category = categoryOf(productType);
  const unitPrice = salesPrice.dividedBy(units);
  const minimum = category === 'BOOKS_MEDIA' ? ZERO : new Decimal(fees.minimum);
  return roundTo(Decimal.max(perUnit(fees.referral[category], unitPrice), minimum).times(units), currency);
}

/** The closing fee of media (books, music, video, video games, software), per unit; zero for other categories. */
export function closingFee(marketplaceId: string, productType: string | undefined, units: number): Decimal {
  if (categoryOf(productType) !== 'BOOKS_MEDIA') return ZERO;
  return new Decimal(feesOf(marketplaceId).closingFee).times(units);
}

/** The FBA fulfilment fee per unit by size tier, times the units. */
export function fbaFulfilmentFee(marketplaceId: string, productType: string | undefined, units: number): Decimal {
  return new Decimal(feesOf(marketplaceId).fba[sizeTierOf(productType)]).times(units);
}

/** Kept by Amazon when it refunds a referral fee: the lesser of the cap per unit and 20% of the fee refunded. */
export function refundAdministrationFee(
  marketplaceId: string,
  referralFeeRefunded: Decimal,
  units: number,
  currency: string,
): Decimal {
  const cap = new Decimal(feesOf(marketplaceId).refundAdminCap).times(units);
  return roundTo(Decimal.min(cap, referralFeeRefunded.abs().times('0.20')), currency);
}
