import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { FbaApplyResult } from '../book/fba-stock';
import type { FbaStockActivities } from '../activities/stock-fba';
import { ORDER_ACTIVITY_OPTIONS, PAGING_ACTIVITY_OPTIONS } from './retry-policies';

export interface FbaStockSyncInput {
  accountId: string;
}

export interface FbaStockSyncResult extends Partial<FbaApplyResult> {
  runId: number;
  marketplaces: number;
  pages: number;
}

const book = proxyActivities<FbaStockActivities>(ORDER_ACTIVITY_OPTIONS);
const amazon = proxyActivities<FbaStockActivities>(PAGING_ACTIVITY_OPTIONS);

/** Amazon's FBA inventory of every enabled marketplace → fba_inventory and the account's FBA virtual location. */
export async function fbaStockSync(input: FbaStockSyncInput): Promise<FbaStockSyncResult> {
  const { workflowId, runId: workflowRunId } = workflowInfo();
  const run = await book.startFbaStockSync({ accountId: input.accountId, workflowId, workflowRunId });
  let pages = 0;
  for (const marketplaceId of run.marketplaceIds) {
    pages += (await amazon.syncFbaInventory({ accountId: input.accountId, marketplaceId })).pages;
  }
  // Nothing read, nothing to mirror: an account with no enabled marketplace keeps its FBA location as it is.
  if (run.marketplaceIds.length === 0) return { runId: run.runId, marketplaces: 0, pages };
  const applied = await book.applyFbaStock({
    accountId: input.accountId,
    runId: run.runId,
    startedAt: run.startedAt,
    marketplaceIds: run.marketplaceIds,
  });
  return { runId: run.runId, marketplaces: run.marketplaceIds.length, pages, ...applied };
}
