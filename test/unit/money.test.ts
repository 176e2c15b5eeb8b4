import {
  allocate,
  divide,
  fitsCurrency,
  formatMoney,
  formatUnitPrice,
  fromInteger,
  minorUnits,
  MoneyError,
  multiply,
  parseAmount,
  parseMoneyAmount,
  roundToCurrency,
  sum,
  type Amount,
} from '../../lib/money';

const a = (text: string): Amount => parseAmount(text);
const strings = (values: Amount[]) => values.map((v) => v.toFixed());

describe('money', () => {
  describe('currencies', () => {
    it('knows the minor units of the marketplaces we sell in, and the exceptions', () => {
      expect(['USD', 'EUR', 'GBP', 'CAD', 'MXN', 'SEK', 'PLN'].map(minorUnits)).toEqual([2, 2, 2, 2, 2, 2, 2]);
      expect(minorUnits('JPY')).toBe(0);
      expect(minorUnits('KWD')).toBe(3);
    });

    it('refuses something that is not a currency code', () => {
      expect(() => minorUnits('usd')).toThrow(MoneyError);
      expect(() => minorUnits('EURO')).toThrow(MoneyError);
    });
  });

  describe('parsing', () => {
    it('reads Amazon decimal strings exactly, beyond what a float holds', () => {
      expect(a('94.5').toFixed()).toBe('94.5');
      expect(a('-5.00').toFixed(2)).toBe('-5.00');
      expect(a('12345678901234567890.01').toFixed()).toBe('12345678901234567890.01');
      expect(sum([a('0.1'), a('0.2')]).toFixed()).toBe('0.3');
    });

    it('refuses exponents, blanks, thousands marks and empty strings', () => {
      for (const bad of ['1e3', ' 1.00', '1,000.00', '', '.5', '5.', 'NaN', 'Infinity', '0x10']) {
        expect(() => parseAmount(bad)).toThrow(MoneyError);
      }
    });

    it('refuses an amount with more decimals than its currency, but not trailing zeros', () => {
      expect(() => parseMoneyAmount('19.995', 'USD')).toThrow('19.995 has more decimals than USD allows (2)');
      expect(parseMoneyAmount('19.990', 'USD').toFixed(2)).toBe('19.99');
      expect(() => parseMoneyAmount('1200.5', 'JPY')).toThrow(MoneyError);
      expect(parseMoneyAmount('1.234', 'KWD').toFixed()).toBe('1.234');
      expect(fitsCurrency(a('1200'), 'JPY')).toBe(true);
    });

    it('takes quantities as integers only', () => {
      expect(fromInteger(3).toFixed()).toBe('3');
      expect(() => fromInteger(1.5)).toThrow(MoneyError);
      expect(() => fromInteger(Number.MAX_SAFE_INTEGER + 1)).toThrow(MoneyError);
    });
  });

  describe('arithmetic', () => {
    it('multiplies exactly', () => {
      expect(multiply(a('14.99'), fromInteger(3)).toFixed()).toBe('44.97');
      expect(multiply(a('0.1035'), a('44.97')).toFixed()).toBe('4.654395');
    });

    it('divides with the rounding it is told', () => {
      expect(divide(a('25.18'), fromInteger(3), 6, 'half-up').toFixed()).toBe('8.393333');
      expect(divide(a('2'), fromInteger(3), 2, 'half-up').toFixed()).toBe('0.67');
      expect(divide(a('2'), fromInteger(3), 2, 'down').toFixed()).toBe('0.66');
      expect(divide(a('0.125'), fromInteger(1), 2, 'half-even').toFixed()).toBe('0.12');
      expect(divide(a('0.125'), fromInteger(1), 2, 'half-up').toFixed()).toBe('0.13');
      expect(() => divide(a('1'), a('0'), 2, 'half-up')).toThrow('division by zero');
    });

    it('rounds half away from zero, so negative amounts mirror positive ones', () => {
      expect(roundToCurrency(a('0.515'), 'USD', 'half-up').toFixed()).toBe('0.52');
      expect(roundToCurrency(a('-0.515'), 'USD', 'half-up').toFixed()).toBe('-0.52');
      expect(roundToCurrency(a('1234.5'), 'JPY', 'half-up').toFixed()).toBe('1235');
    });
  });

  describe('allocation', () => {
    it('splits a promotion tax over promotions in proportion, the parts adding up exactly', () => {
      expect(strings(allocate(a('-1.14'), [a('-5.00'), a('-5.99')], 'USD'))).toEqual(['-0.52', '-0.62']);
    });

    it('gives what rounding leaves over to the largest part', () => {
      expect(strings(allocate(a('1.00'), [a('1'), a('1'), a('1')], 'USD'))).toEqual(['0.34', '0.33', '0.33']);
      expect(strings(allocate(a('0.02'), [a('1'), a('1'), a('5')], 'USD'))).toEqual(['0', '0', '0.02']);
      expect(strings(allocate(a('100'), [a('1'), a('2')], 'JPY'))).toEqual(['33', '67']);
    });

    it('puts everything on the first part when every weight is zero', () => {
      expect(strings(allocate(a('0.50'), [a('0'), a('0')], 'USD'))).toEqual(['0.5', '0']);
    });
  });

  describe('formatting', () => {
    it('prints the currency’s minor units: "94.50", "1200", "-5.00", never "-0.00"', () => {
      expect(formatMoney(a('94.5'), 'USD')).toBe('94.50');
      expect(formatMoney(a('1200'), 'JPY')).toBe('1200');
      expect(formatMoney(a('-5'), 'EUR')).toBe('-5.00');
      expect(formatMoney(a('-0.00'), 'USD')).toBe('0.00');
      expect(formatMoney(a('0.5'), 'KWD')).toBe('0.500');
    });

    it('refuses to round silently', () => {
      expect(() => formatMoney(a('4.654395'), 'USD')).toThrow('round it first');
    });

    it('prints unit prices with the currency’s decimals at least and six at most', () => {
      expect(formatUnitPrice(a('21'), 'EUR')).toBe('21.00');
      expect(formatUnitPrice(a('8.393333'), 'EUR')).toBe('8.393333');
      expect(formatUnitPrice(a('8.5'), 'EUR')).toBe('8.50');
      expect(formatUnitPrice(a('333.333333'), 'JPY')).toBe('333.333333');
      expect(() => formatUnitPrice(a('0.1234567'), 'USD')).toThrow(MoneyError);
    });
  });
});
