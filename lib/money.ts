import Decimal from 'decimal.js';

/**
 * Exact decimal money. Amounts are decimal.js values from our own clone (so nobody's global Decimal settings leak in),
 * parsed from strings and integers only: a float never enters. Nothing rounds silently: rounding happens only where a
 * function takes a Rounding, and formatMoney refuses a value the currency cannot hold.
 */
const Dec = Decimal.clone({ precision: 60, rounding: Decimal.ROUND_HALF_UP, toExpNeg: -60, toExpPos: 60 });

export type Amount = Decimal;
export type Rounding = 'half-up' | 'half-even' | 'down';

/** Unit prices keep this many decimals: a VAT-inclusive amount ÷ quantity rarely divides evenly. */
export const UNIT_PRICE_DECIMALS = 6;

export class MoneyError extends Error {
  override name = 'MoneyError';
}

const ROUNDING: Record<Rounding, Decimal.Rounding> = {
  // decimal.js's HALF_UP rounds ties away from zero: -0.515 → -0.52, the mirror of 0.515 → 0.52.
  'half-up': Decimal.ROUND_HALF_UP,
  'half-even': Decimal.ROUND_HALF_EVEN,
  down: Decimal.ROUND_DOWN,
};

// ISO 4217 minor units where they are not 2.
const MINOR_UNITS: Record<string, number> = {
  BIF: 0,
  CLP: 0,
  DJF: 0,
  GNF: 0,
  ISK: 0,
  JPY: 0,
  KMF: 0,
  KRW: 0,
  PYG: 0,
  RWF: 0,
  UGX: 0,
  VND: 0,
  VUV: 0,
  XAF: 0,
  XOF: 0,
  XPF: 0,
  BHD: 3,
  IQD: 3,
  JOD: 3,
  KWD: 3,
  LYD: 3,
  OMR: 3,
  TND: 3,
};

/** Decimals of the currency's minor unit: JPY 0, USD and EUR 2, KWD 3. */
export function minorUnits(currency: string): number {
  if (!/^[A-Z]{3}$/.test(currency)) throw new MoneyError(`"${currency}" is not an ISO 4217 currency code`);
  return MINOR_UNITS[currency] ?? 2;
}

export const ZERO: Amount = new Dec(0);

/** A plain decimal string as Amazon's `Decimal` ("94.5", "-5.00", "0"); no exponents, no blanks, no thousands marks. */
export function parseAmount(text: string): Amount {
  if (typeof text !== 'string' || !/^[-+]?\d+(\.\d+)?$/.test(text)) {
    throw new MoneyError(`"${String(text)}" is not a decimal amount`);
  }
  return new Dec(text);
}

/** An amount that must fit the currency's minor units: "19.99" USD and "19.990" USD pass, "19.995" USD does not. */
export function parseMoneyAmount(text: string, currency: string): Amount {
  const value = parseAmount(text);
  if (!fitsCurrency(value, currency)) {
    throw new MoneyError(`${text} has more decimals than ${currency} allows (${minorUnits(currency)})`);
  }
  return value;
}

/** An integer count (a quantity): refuses fractions and unsafe integers rather than rounding them. */
export function fromInteger(n: number): Amount {
  if (!Number.isSafeInteger(n)) throw new MoneyError(`${n} is not an integer`);
  return new Dec(n);
}

export function fitsCurrency(value: Amount, currency: string): boolean {
  return value.decimalPlaces() <= minorUnits(currency);
}

export function sum(values: readonly Amount[]): Amount {
  return values.reduce<Amount>((acc, v) => acc.plus(v), ZERO);
}

export function add(a: Amount, b: Amount): Amount {
  return a.plus(b);
}

/** Exact product: decimals add up (2 + 4 → 6), nothing is rounded. */
export function multiply(a: Amount, b: Amount): Amount {
  return a.times(b);
}

/** a ÷ b, rounded to `places` decimals by the stated rule. */
export function divide(a: Amount, b: Amount, places: number, rounding: Rounding): Amount {
  if (b.isZero()) throw new MoneyError('division by zero');
  return a.dividedBy(b).toDecimalPlaces(places, ROUNDING[rounding]);
}

/** Rounds to the currency's minor units by the stated rule. */
export function roundToCurrency(value: Amount, currency: string, rounding: Rounding): Amount {
  return value.toDecimalPlaces(minorUnits(currency), ROUNDING[rounding]);
}

/**
 * Splits `total` over `weights` in proportion, in the currency's minor units, so the parts add up to `total` exactly:
 * each part is rounded half-up and what rounding left over goes to the part of the largest weight.
 */
export function allocate(total: Amount, weights: readonly Amount[], currency: string): Amount[] {
  if (weights.length === 0) throw new MoneyError('nothing to allocate to');
  const whole = sum(weights.map((w) => w.abs()));
  if (whole.isZero()) return weights.map((_, i) => (i === 0 ? total : ZERO));
  const parts = weights.map((w) => roundToCurrency(total.times(w.abs()).dividedBy(whole), currency, 'half-up'));
  let largest = 0;
  weights.forEach((w, i) => {
    if (w.abs().greaterThan(weights[largest].abs())) largest = i;
  });
  parts[largest] = parts[largest].plus(total.minus(sum(parts)));
  return parts;
}

function plain(value: Amount, places: number): string {
  // -0 prints as 0: a zero tax is "0.00", never "-0.00".
  return (value.isZero() ? ZERO : value).toFixed(places);
}

/** "94.50" for USD, "1200" for JPY. Refuses a value with more decimals than the currency has: round it first. */
export function formatMoney(value: Amount, currency: string): string {
  const places = minorUnits(currency);
  if (value.decimalPlaces() > places) {
    throw new MoneyError(`${value.toFixed()} has more decimals than ${currency} allows (${places}); round it first`);
  }
  return plain(value, places);
}

/** A unit price: at least the currency's decimals ("21.00"), at most UNIT_PRICE_DECIMALS ("8.393333"). */
export function formatUnitPrice(value: Amount, currency: string): string {
  const places = minorUnits(currency);
  if (value.decimalPlaces() > UNIT_PRICE_DECIMALS) {
    throw new MoneyError(`${value.toFixed()} has more than ${UNIT_PRICE_DECIMALS} decimals; round it first`);
  }
  return plain(value, Math.max(places, value.decimalPlaces()));
}
