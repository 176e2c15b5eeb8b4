import crypto from 'node:crypto';
import Decimal from 'decimal.js';

/** Exact money for Finances: decimal.js inside, Amazon's `Currency` ({currencyAmount: number}) outside. */

export { Decimal };

export const ZERO = new Decimal(0);

const NO_MINOR_UNIT = new Set(['JPY', 'KRW', 'CLP', 'VND']);

/** Decimals of a currency's minor unit (JPY 0, the others we serve 2). */
export function places(currency: string): number {
  return NO_MINOR_UNIT.has(currency) ? 0 : 2;
}

/** Rounds half away from zero to the currency's minor unit, as Amazon's fee statements do. */
export function roundTo(value: Decimal, currency: string): Decimal {
  return value.toDecimalPlaces(places(currency), Decimal.ROUND_HALF_UP);
}

export interface Currency {
  currencyAmount: number;
  currencyCode: string;
}

/**
 * Amazon's model types currencyAmount as a JSON number. Every amount here has at most the currency's decimals, so
 * the number JSON carries ("294.46") reads back exactly with `new Decimal(String(n))`.
 */
export function currency(value: Decimal, currencyCode: string): Currency {
  const fixed = value.toFixed(places(currencyCode));
  return { currencyAmount: Number(fixed) === 0 ? 0 : Number(fixed), currencyCode };
}

export function decimalOf(amount: Currency | undefined): Decimal {
  return new Decimal(String(amount?.currencyAmount ?? 0));
}

/** A deterministic identifier: the same parts always give the same id (generated data repeats for a seed). */
export function hashId(parts: Array<string | number>, shape: 'base64url' | 'digits', length: number): string {
  const digest = crypto.createHash('sha256').update(parts.join('\u0000')).digest();
  if (shape === 'base64url') return digest.toString('base64url').slice(0, length);
  let digits = '';
  for (const byte of digest) digits += String(byte % 10);
  // A leading zero reads like a padded number: Amazon's numeric ids start with 1-9.
  return (digits[0] === '0' ? '1' : digits[0]) + digits.slice(1, length);
}
