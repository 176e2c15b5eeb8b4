import { formatMoney, MoneyError, parseMoneyAmount, type Amount } from '../../lib/money';
import type { Money } from './orders-2026-types';

/**
 * A business error: Amazon's payload cannot become a sales order as it is. It names the field (a path into the
 * 2026-01-01 Order, e.g. `orderItems[1].proceeds.breakdowns[0].subtotal.amount`) and says what is wrong. The order
 * workflow turns it into `needs_attention`; it is never retried as such.
 */
export class OrderMappingError extends Error {
  override name = 'OrderMappingError';
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`);
  }
}

/** Reads the amounts of one order: each must be in the order's currency and fit its minor units. */
export class MoneyReader {
  constructor(readonly currency: string) {}

  format(amount: Amount): string {
    return formatMoney(amount, this.currency);
  }

  read(money: Money | undefined, field: string): Amount {
    if (!money) throw new OrderMappingError(field, 'missing');
    if (money.currencyCode !== this.currency) {
      throw new OrderMappingError(
        `${field}.currencyCode`,
        `${money.currencyCode} differs from the order's currency ${this.currency}`,
      );
    }
    try {
      return parseMoneyAmount(money.amount, this.currency);
    } catch (err) {
      if (err instanceof MoneyError) throw new OrderMappingError(`${field}.amount`, err.message);
      throw err;
    }
  }
}

/** The marketplace an order was placed in, as the mapping needs it. */
export interface MarketplaceInfo {
  id: string;
  code: string;
  currency: string;
  region: 'na' | 'eu' | 'fe';
  countryCode: string;
}
