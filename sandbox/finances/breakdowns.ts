import { currency, Currency, Decimal, ZERO } from './amounts';

/**
 * A transaction's money as leaves ("ProductCharges/OurPricePrincipal" → 25.98), and the nested `breakdowns` Amazon
 * serves from them. Every parent amount is the exact sum of its children, every total the sum of its leaves.
 *
 * Item level, as Finances 2024-06-19 shows it: ProductCharges, Shipping, GiftWrap, Promotion and Tax (what the buyer
 * paid), then AmazonFees (each fee with its Base) and MarketplaceWithheldTax (the tax Amazon collects itself).
 * Transaction level: Sales (the first five) and Expenses (the last two), one level down.
 */

export interface Breakdown {
  breakdownType: string;
  breakdownAmount: Currency;
  breakdowns?: Breakdown[];
}

const SALES = ['ProductCharges', 'Shipping', 'GiftWrap', 'Promotion', 'Tax', 'Other'];
const EXPENSES = ['AmazonFees', 'MarketplaceWithheldTax'];
const RANK = new Map([...SALES, ...EXPENSES].map((top, i) => [top, i]));

/** Leaves of one item, path → amount, in Amazon's order (sales, then fees, then withheld tax). */
export class Components {
  readonly leaves = new Map<string, Decimal>();

  add(path: string, amount: Decimal): this {
    this.leaves.set(path, (this.leaves.get(path) ?? ZERO).plus(amount));
    return this;
  }

  get(path: string): Decimal {
    return this.leaves.get(path) ?? ZERO;
  }

  total(): Decimal {
    let sum = ZERO;
    for (const v of this.leaves.values()) sum = sum.plus(v);
    return sum;
  }

  /** Sum of the leaves under a top-level type ("Tax") or a path prefix ("AmazonFees/Commission"). */
  sumUnder(prefix: string): Decimal {
    let sum = ZERO;
    for (const [path, v] of this.leaves) if (path === prefix || path.startsWith(`${prefix}/`)) sum = sum.plus(v);
    return sum;
  }

  /** The leaves in serving order, zero amounts left out. */
  entries(): Array<[string, Decimal]> {
    const rank = (path: string) => RANK.get(path.split('/')[0]) ?? SALES.length - 1;
    return [...this.leaves.entries()]
      .filter(([, v]) => !v.isZero())
      .map((e, i) => ({ e, i }))
      .sort((a, b) => rank(a.e[0]) - rank(b.e[0]) || a.i - b.i)
      .map(({ e }) => e);
  }

  toRecord(): Record<string, string> {
    return Object.fromEntries([...this.leaves.entries()].map(([k, v]) => [k, v.toFixed()]));
  }

  static fromRecord(record: Record<string, string> | undefined): Components {
    const c = new Components();
    for (const [k, v] of Object.entries(record ?? {})) c.add(k, new Decimal(v));
    return c;
  }
}

/** Nests leaves by their path segments, in first-seen order; each node's amount is its children's sum. */
export function tree(leaves: Array<[string, Decimal]>, currencyCode: string): Breakdown[] {
  interface Node {
    amount: Decimal;
    children: Map<string, Node>;
  }
  const root = new Map<string, Node>();
  for (const [path, amount] of leaves) {
    let level = root;
    for (const segment of path.split('/')) {
      let node = level.get(segment);
      if (!node) {
        node = { amount: ZERO, children: new Map() };
        level.set(segment, node);
      }
      node.amount = node.amount.plus(amount);
      level = node.children;
    }
  }
  const serve = (level: Map<string, Node>): Breakdown[] =>
    [...level.entries()].map(([type, node]) => ({
      breakdownType: type,
      breakdownAmount: currency(node.amount, currencyCode),
      ...(node.children.size ? { breakdowns: serve(node.children) } : {}),
    }));
  return serve(root);
}

/** The transaction-level breakdowns: Sales and Expenses, each with the item-level types summed over the items. */
export function transactionBreakdowns(items: Components[], currencyCode: string): Breakdown[] {
  const leaves: Array<[string, Decimal]> = [];
  for (const item of items) {
    for (const [path, amount] of item.entries()) {
      const top = path.split('/')[0];
      leaves.push([`${EXPENSES.includes(top) ? 'Expenses' : 'Sales'}/${top}`, amount]);
    }
  }
  const sorted = leaves
    .map((e, i) => ({ e, i }))
    .sort((a, b) => Number(a.e[0].startsWith('Expenses')) - Number(b.e[0].startsWith('Expenses')) || a.i - b.i)
    .map(({ e }) => e);
  return tree(sorted, currencyCode);
}
