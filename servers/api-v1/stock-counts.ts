import type { Client } from '@temporalio/client';
import { setStock } from '../../book/stock';
import type { Db } from '../../db';
import { requestStockSync } from '../../lib/workflow-client';

/**
 * Counted stock in, the one path of `PUT /v1/stock` and `connector stock import`: setStock (all rows in one
 * transaction or none), then the debounced stockSync of every account selling the products. Temporal being down is not
 * a failure: the stock is saved and the next scheduled sync sends it (`syncError` says why none was requested).
 */
export async function countStock(
  db: Db,
  temporal: () => Promise<Client>,
  input: {
    items: Array<{ sku: string; quantity: number; location?: string }>;
    origin: string;
    reference?: string;
    taskQueue: string;
  },
): Promise<{
  items: Array<{ sku: string; location: string; before: number; onHand: number }>;
  moved: number;
  stockSyncRequested: string[];
  syncError?: string;
}> {
  const set = await setStock(db, { items: input.items, origin: input.origin, reference: input.reference });
  const requested: string[] = [];
  try {
    if (set.accounts.length) {
      const client = await temporal();
      for (const accountId of set.accounts) {
        await requestStockSync(client, { accountId, taskQueue: input.taskQueue });
        requested.push(accountId);
      }
    }
  } catch (err) {
    return { items: set.items, moved: set.moved, stockSyncRequested: requested, syncError: (err as Error).message };
  }
  return { items: set.items, moved: set.moved, stockSyncRequested: requested };
}
