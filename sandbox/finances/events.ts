import type { Transaction } from './transactions';

/**
 * The hook for TRANSACTION_UPDATE: every transaction the sandbox creates, and every status change (a DEFERRED
 * transaction released), is announced here once, when it happens in the sandbox's time.
 *
 * Wiring a publisher takes a few lines, e.g. in startSandbox:
 *   sb.transactionEvents.onTransaction((tx, change, info) =>
 *     publishToSubscribers(info.sellerId, transactionUpdateNotification(tx, { ...metadata })));
 * `info.visibleAt` is when listTransactions starts to show the transaction (Amazon's lag): a publisher that wants
 * the notification never to run ahead of the API can hold it until then.
 */

export type TransactionChange = 'CREATED' | 'RELEASED';

export interface TransactionEventInfo {
  sellerId: string;
  /** Epoch ms of the change in the sandbox's clock (the posting, release or settlement time). */
  at: number;
  /** Epoch ms from which listTransactions returns the transaction (posted + the finance lag at the time). */
  visibleAt: number;
}

export type TransactionListener = (tx: Transaction, change: TransactionChange, info: TransactionEventInfo) => void;

export class TransactionEvents {
  private readonly listeners = new Set<TransactionListener>();

  /** `onError` hears of a listener that threw; the others still run. */
  constructor(private readonly onError: (err: unknown) => void = () => {}) {}

  /** Adds a listener; the function returned removes it. Listeners get a copy and may keep it. */
  onTransaction(listener: TransactionListener): () => void {
    this.listeners.add(listener);
    return () => this.listeners.delete(listener);
  }

  /** Calls every listener; one that throws is reported through `onError` and does not stop the others. */
  emit(tx: Transaction, change: TransactionChange, info: TransactionEventInfo): void {
    for (const listener of this.listeners) {
      try {
        listener(structuredClone(tx), change, info);
      } catch (err) {
        this.onError(err);
      }
    }
  }

  get size(): number {
    return this.listeners.size;
  }
}
