import { Context } from '@temporalio/activity';
import type { Db } from '../db';
import type { Logger } from '../lib/logger';
import { activityLogger } from './log';
import { applyFbaInventory, FbaApplyResult, fbaSummary, startFbaRun, upsertFbaInventory } from '../book/fba-stock';
import { asActivityFailure, SpApi } from './spapi/gateway';

export interface FbaStockActivityDeps {
  db: Db;
  spapi: SpApi;
  logger: Logger;
}

export function createFbaStockActivities(deps: FbaStockActivityDeps) {
  const { db, spapi } = deps;
  return {
    async startFbaStockSync(input: { accountId: string; workflowId: string; workflowRunId: string }) {
      return startFbaRun(db, input.accountId, `${input.workflowId}/${input.workflowRunId}`);
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
          const res = await spapi.call<{
            payload?: { inventorySummaries?: unknown[] };
            pagination?: { nextToken?: string };
          }>(input.accountId, {
            operation: 'getInventorySummaries',
            endpoint: 'fbaInventory',
            query: nextToken
              ? {
                  details: true,
                  granularityType: 'Marketplace',
                  granularityId: input.marketplaceId,
                  marketplaceIds: [input.marketplaceId],
                  nextToken,
                }
              : {
                  details: true,
                  granularityType: 'Marketplace',
                  granularityId: input.marketplaceId,
                  marketplaceIds: [input.marketplaceId],
                },
          });
          const summaries = (res.payload?.inventorySummaries ?? []).map(fbaSummary).filter((s) => s !== undefined);
          await upsertFbaInventory(db, input.accountId, input.marketplaceId, summaries);
          pages++;
          skus += summaries.length;
          nextToken = res.pagination?.nextToken;
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
      const result = await applyFbaInventory(db, input.accountId, input.runId, input.startedAt, input.marketplaceIds);
      if (result.drifted)
        activityLogger(deps.logger, { account: input.accountId }).warn(
          { drifted: result.drifted },
          'FBA stock differs from what our moves predicted',
        );
      return result;
    },
  };
}

export type FbaStockActivities = ReturnType<typeof createFbaStockActivities>;
