import { Decimal, decimalOf, hashId, ZERO } from './amounts';
import type { TransactionChange } from './events';
import { Built, OrderLedger, Transaction, transferFor } from './transactions';

/**
 * The sandbox's books for Finances, part of SandboxState (persisted with it): every transaction, what each order was
 * charged, the settlement groups, and the events still to come in the sandbox's time (a posting, a deferred
 * transaction's release, a group's closing). `advance(now)` plays those events in time order, so the outcome does
 * not depend on when it runs: a transaction released at time t joins the group open at t, whenever it is processed.
 */

export interface StoredTransaction {
  sellerId: string;
  marketplaceId: string;
  postedAt: number;
  orderId?: string;
  /** A seller-fulfilled order in the US store: Amazon leaves these out when listTransactions gets a marketplaceId. */
  usMfn?: boolean;
  groupId?: string;
  /** A DEFERRED transaction is released then. */
  maturityAt?: number;
  /** The admin's reason for a refund (Amazon's transaction has no field for it). */
  reason?: string;
  transaction: Transaction;
}

/** A settlement period of one (seller, marketplace): Amazon's financial event group, paid out when it closes. */
export interface SettlementGroup {
  groupId: string;
  settlementId: string;
  sellerId: string;
  marketplaceId: string;
  currency: string;
  start: number;
  end: number;
  closed: boolean;
  transactionIds: string[];
  transferId?: string;
}

type Happening =
  | { kind: 'close'; groupId: string }
  | { kind: 'release'; transactionId: string }
  | { kind: 'post'; stored: StoredTransaction };
type PendingEvent = Happening & { at: number; seq: number };

/** At the same instant a group closes before anything is released or posted: those belong to the next group. */
const KIND_ORDER = { close: 0, release: 1, post: 2 };
const before = (a: PendingEvent, b: PendingEvent) =>
  a.at - b.at || KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || a.seq - b.seq;

/** Settlement periods are aligned on this instant (a Thursday), every `periodMs` after it. */
const PERIOD_ANCHOR = Date.parse('2024-01-04T00:00:00Z');

export interface AdvanceContext {
  seed: number;
  periodMs: number;
  emit(stored: StoredTransaction, change: TransactionChange, at: number): void;
}

export class FinanceLedger {
  transactions = new Map<string, StoredTransaction>();
  orders = new Map<string, OrderLedger>();
  groups = new Map<string, SettlementGroup>();
  /** Seller → the country it is established in, for the VAT a marketplace collects (withholding.ts). */
  establishedIn = new Map<string, string>();
  /** Transaction ids per seller, sorted by (postedAt, transactionId): the order listTransactions serves. */
  private bySeller = new Map<string, string[]>();
  private byOrder = new Map<string, string[]>();
  /** Group ids per (seller, marketplace), oldest first. */
  private accounts = new Map<string, string[]>();
  private pending: PendingEvent[] = [];
  private seq = 0;

  /** Queues a built transaction for posting at its time; a DEFERRED one is released at its maturity. */
  post(sellerId: string, built: Built, orderId?: string, reason?: string): void {
    const stored: StoredTransaction = {
      sellerId,
      marketplaceId: built.transaction.sellingPartnerMetadata.marketplaceId,
      postedAt: built.postedAt,
      ...(orderId ? { orderId } : {}),
      ...(built.usMfn ? { usMfn: true } : {}),
      ...(built.maturityAt !== undefined ? { maturityAt: built.maturityAt } : {}),
      ...(reason ? { reason } : {}),
      transaction: built.transaction,
    };
    this.push({ kind: 'post', at: built.postedAt, stored });
  }

  /** The earliest time something is still to happen, if anything is. */
  nextEventAt(): number | undefined {
    return this.pending[0]?.at;
  }

  /** Plays every event due by `now`, in time order; returns how many ran. */
  advance(now: number, ctx: AdvanceContext): number {
    let count = 0;
    while (this.pending.length > 0 && this.pending[0].at <= now) {
      const event = this.pop();
      count++;
      if (event.kind === 'post') this.posted(event.stored, ctx);
      else if (event.kind === 'release') this.released(event.transactionId, event.at, ctx);
      else this.close(event.groupId, ctx);
    }
    return count;
  }

  sellerTransactions(sellerId: string): readonly string[] {
    return this.bySeller.get(sellerId) ?? [];
  }

  orderTransactions(orderId: string): readonly string[] {
    return this.byOrder.get(orderId) ?? [];
  }

  sellerGroups(sellerId: string): SettlementGroup[] {
    return [...this.groups.values()].filter((g) => g.sellerId === sellerId);
  }

  private posted(stored: StoredTransaction, ctx: AdvanceContext): void {
    const id = stored.transaction.transactionId;
    this.transactions.set(id, stored);
    this.index(stored);
    if (stored.transaction.transactionStatus === 'DEFERRED')
      this.push({ kind: 'release', at: stored.maturityAt ?? stored.postedAt, transactionId: id });
    else this.join(stored, stored.postedAt, ctx);
    ctx.emit(stored, 'CREATED', stored.postedAt);
  }

  private released(transactionId: string, at: number, ctx: AdvanceContext): void {
    const stored = this.transactions.get(transactionId);
    if (!stored || stored.transaction.transactionStatus !== 'DEFERRED') return;
    stored.transaction.transactionStatus = 'DEFERRED_RELEASED';
    this.join(stored, at, ctx);
    ctx.emit(stored, 'RELEASED', at);
  }

  /** Puts a released transaction in the group open at `at` (or, when that one has closed, the next open one). */
  private join(stored: StoredTransaction, at: number, ctx: AdvanceContext): void {
    const key = `${stored.sellerId}\u0000${stored.marketplaceId}`;
    const ids = this.accounts.get(key) ?? [];
    let group = ids.map((id) => this.groups.get(id)!).find((g) => !g.closed && at < g.end);
    if (!group) {
      const last = ids.length ? this.groups.get(ids[ids.length - 1]) : undefined;
      const aligned = PERIOD_ANCHOR + Math.floor((at - PERIOD_ANCHOR) / ctx.periodMs) * ctx.periodMs;
      const start = last ? Math.max(last.end, aligned) : aligned;
      const groupId = hashId([ctx.seed, key, start, 'FINANCIAL_EVENT_GROUP_ID'], 'base64url', 43);
      group = {
        groupId,
        settlementId: hashId([ctx.seed, key, start, 'SETTLEMENT_ID'], 'digits', 11),
        sellerId: stored.sellerId,
        marketplaceId: stored.marketplaceId,
        currency: stored.transaction.totalAmount.currencyCode,
        start,
        end: start + ctx.periodMs,
        closed: false,
        transactionIds: [],
      };
      this.groups.set(groupId, group);
      this.accounts.set(key, [...ids, groupId]);
      this.push({ kind: 'close', at: group.end, groupId });
    }
    group.transactionIds.push(stored.transaction.transactionId);
    stored.groupId = group.groupId;
    stored.transaction.relatedIdentifiers.push(
      { relatedIdentifierName: 'FINANCIAL_EVENT_GROUP_ID', relatedIdentifierValue: group.groupId },
      { relatedIdentifierName: 'SETTLEMENT_ID', relatedIdentifierValue: group.settlementId },
    );
  }

  /** Closes a group: its balance goes to the bank (or is charged) in a Transfer that belongs to the group. */
  private close(groupId: string, ctx: AdvanceContext): void {
    const group = this.groups.get(groupId);
    if (!group || group.closed) return;
    group.closed = true;
    const balance = this.balance(group);
    if (balance.isZero()) return;
    const transaction = transferFor(group, balance, ctx.seed);
    const stored: StoredTransaction = {
      sellerId: group.sellerId,
      marketplaceId: group.marketplaceId,
      postedAt: group.end,
      groupId,
      transaction,
    };
    this.transactions.set(transaction.transactionId, stored);
    this.index(stored);
    group.transactionIds.push(transaction.transactionId);
    group.transferId = transaction.transactionId;
    ctx.emit(stored, 'CREATED', group.end);
  }

  /** The sum of a group's transactions (its transfer left out). */
  balance(group: SettlementGroup): Decimal {
    return group.transactionIds
      .filter((id) => id !== group.transferId)
      .reduce((sum, id) => sum.plus(decimalOf(this.transactions.get(id)!.transaction.totalAmount)), ZERO);
  }

  private index(stored: StoredTransaction): void {
    const list = this.bySeller.get(stored.sellerId) ?? [];
    this.bySeller.set(stored.sellerId, list);
    const id = stored.transaction.transactionId;
    const after = (other: string) => {
      const o = this.transactions.get(other)!;
      return o.postedAt > stored.postedAt || (o.postedAt === stored.postedAt && other > id);
    };
    // Binary search: a generated month posts out of time order, and a walk back from the end made that quadratic.
    let lo = 0;
    let hi = list.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (after(list[mid])) hi = mid;
      else lo = mid + 1;
    }
    list.splice(lo, 0, id);
    if (stored.orderId) this.byOrder.set(stored.orderId, [...(this.byOrder.get(stored.orderId) ?? []), id]);
  }

  // A binary heap ordered by `before`: thousands of postings and releases stay cheap to queue.
  private push(event: Happening & { at: number }): void {
    const heap = this.pending;
    heap.push({ ...event, seq: this.seq++ });
    let i = heap.length - 1;
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (before(heap[parent], heap[i]) <= 0) break;
      [heap[parent], heap[i]] = [heap[i], heap[parent]];
      i = parent;
    }
  }

  private pop(): PendingEvent {
    const heap = this.pending;
    const top = heap[0];
    const last = heap.pop()!;
    if (heap.length > 0) {
      heap[0] = last;
      let i = 0;
      while (true) {
        const l = 2 * i + 1;
        const r = l + 1;
        let min = i;
        if (l < heap.length && before(heap[l], heap[min]) < 0) min = l;
        if (r < heap.length && before(heap[r], heap[min]) < 0) min = r;
        if (min === i) break;
        [heap[min], heap[i]] = [heap[i], heap[min]];
        i = min;
      }
    }
    return top;
  }

  toJSON(): unknown {
    return {
      transactions: [...this.transactions.values()],
      orders: [...this.orders.entries()],
      groups: [...this.groups.values()],
      establishedIn: [...this.establishedIn.entries()],
      pending: this.pending,
      seq: this.seq,
    };
  }

  static fromJSON(json: any): FinanceLedger {
    const ledger = new FinanceLedger();
    if (!json) return ledger;
    const stored = (json.transactions ?? []) as StoredTransaction[];
    for (const s of stored) ledger.transactions.set(s.transaction.transactionId, s);
    [...stored].sort((a, b) => a.postedAt - b.postedAt).forEach((s) => ledger.index(s));
    ledger.orders = new Map(json.orders ?? []);
    for (const g of (json.groups ?? []) as SettlementGroup[]) {
      ledger.groups.set(g.groupId, g);
      const key = `${g.sellerId}\u0000${g.marketplaceId}`;
      ledger.accounts.set(key, [...(ledger.accounts.get(key) ?? []), g.groupId]);
    }
    ledger.establishedIn = new Map(json.establishedIn ?? []);
    ledger.pending = json.pending ?? [];
    ledger.seq = json.seq ?? 0;
    return ledger;
  }
}
