import { Context } from '@temporalio/activity';
import type { Db } from '../db';
import { applyFbaInventory, FbaApplyResult, startFbaRun, upsertFbaInventory } from '../book/fba-stock';
import type { Logger } from '../lib/logger';
import { activityLogger } from './log';
import { inventoryPage } from './spapi/fba-inventory';
import { asActivityFailure, SpApi } from './spapi/gateway';

/** fbaStockSync's activities: Amazon's FBA inventory → the account's FBA virtual location. */

export interface FbaStockSyncActivityDeps {
  db: Db;
  spapi: SpApi;
  logger: Logger;
}

export type { FbaApplyResult };

export function createFbaStockSyncActivities(deps: FbaStockSyncActivityDeps) {
  const { db, spapi } = deps;
  return {
    async startFbaStockSync(input: { accountId: string; workflowId: string; workflowRunId: string }) {
      return startFbaRun(db, { accountId: input.accountId, runKey: `${input.workflowId}/${input.workflowRunId}` });
    },

    /**
     * Every page of one marketplace in one activity: Amazon's nextToken expires after 30 seconds, so pages are read
     * back to back, heartbeating; a retry reads the marketplace again (the upserts are idempotent).
     */
    async syncFbaInventory(input: {
      accountId: string;
      marketplaceId: string;
    }): Promise<{ pages: number; skus: number }> {
      let nextToken: string | undefined;
      let pages = 0;
      let skus = 0;
      try {
        do {
          const page = await inventoryPage(spapi, input.accountId, input.marketplaceId, nextToken);
          await upsertFbaInventory(db, { ...input, summaries: page.summaries });
          pages++;
          skus += page.summaries.length;
          nextToken = page.nextToken;
          Context.current().heartbeat({ pages });
        } while (nextToken);
      } catch (err) {
        throw asActivityFailure(err);
      }
      return { pages, skus };
    },

    async applyFbaStock(input: {
      accountId: string;
      runId: number;
      startedAt: string;
      marketplaceIds: string[];
    }): Promise<FbaApplyResult> {
      const result = await applyFbaInventory(db, input);
      if (result.drifted)
        activityLogger(deps.logger, { account: input.accountId }).warn(
          { drifted: result.drifted },
          'FBA stock differs from what our moves predicted',
        );
      return result;
    },
  };
}

export type FbaStockSyncActivities = ReturnType<typeof createFbaStockSyncActivities>;
