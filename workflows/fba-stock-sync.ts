import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { FbaApplyResult, FbaStockSyncActivities } from '../activities/fba-stock-sync';
import { AMAZON_PAGING, BOOK_WRITE } from './retry-policies';

export interface FbaStockSyncInput {
  accountId: string;
}

export interface FbaStockSyncResult extends Partial<FbaApplyResult> {
  runId: number;
  marketplaces: number;
  pages: number;
}

const { startFbaStockSync, applyFbaStock } = proxyActivities<FbaStockSyncActivities>(BOOK_WRITE);
const { syncFbaInventory } = proxyActivities<FbaStockSyncActivities>(AMAZON_PAGING);

/** Amazon's FBA inventory of every enabled marketplace → fba_inventory and the account's FBA virtual location. */
export async function fbaStockSync(input: FbaStockSyncInput): Promise<FbaStockSyncResult> {
  const { workflowId, runId: workflowRunId } = workflowInfo();
  const run = await startFbaStockSync({ accountId: input.accountId, workflowId, workflowRunId });
  let pages = 0;
  for (const marketplaceId of run.marketplaceIds) {
    pages += (await syncFbaInventory({ accountId: input.accountId, marketplaceId })).pages;
  }
  // Nothing read, nothing to mirror: an account with no enabled marketplace keeps its FBA location as it is.
  if (run.marketplaceIds.length === 0) return { runId: run.runId, marketplaces: 0, pages };
  const applied = await applyFbaStock({
    accountId: input.accountId,
    runId: run.runId,
    startedAt: run.startedAt,
    marketplaceIds: run.marketplaceIds,
  });
  return { runId: run.runId, marketplaces: run.marketplaceIds.length, pages, ...applied };
}
