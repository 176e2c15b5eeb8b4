import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import { stockSyncWorkflowId } from '../workflows/ids';

/**
 * Debounced stock sync after stock changes. Each change starts `stockSync` with a workflow id per window of time
 * (`stock-sync:<account>:changes:<window>`) and a start delay to the end of that window: every change of the window
 * lands on the same id, Temporal refuses the duplicates, and the one run starts after the window has closed, so it
 * sees all of them. Nothing long-lived to keep alive, no signals: Temporal's id uniqueness is the debouncer.
 * Runs of different windows (and the schedule's) are serialized by the account's stock sync lease.
 */
export const STOCK_CHANGE_WINDOW_MS = 60_000;

export function stockChangeWorkflowId(accountId: string, now: number, windowMs = STOCK_CHANGE_WINDOW_MS): string {
  return `${stockSyncWorkflowId(accountId)}:changes:${Math.floor(now / windowMs)}`;
}

export async function requestStockSync(
  client: Client,
  input: { accountId: string; taskQueue: string; windowMs?: number; now?: number },
): Promise<{ workflowId: string; started: boolean }> {
  const windowMs = input.windowMs ?? STOCK_CHANGE_WINDOW_MS;
  const now = input.now ?? Date.now();
  const workflowId = stockChangeWorkflowId(input.accountId, now, windowMs);
  const windowEnd = (Math.floor(now / windowMs) + 1) * windowMs;
  try {
    await client.workflow.start('stockSync', {
      workflowId,
      taskQueue: input.taskQueue,
      args: [{ accountId: input.accountId, reason: 'stock-change' }],
      startDelay: windowEnd - now,
      // A window's run that already ended must not run again: later changes belong to a later window.
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
    return { workflowId, started: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, started: false };
    throw err;
  }
}

/** Accounts that sell the products (through FBM offers), or every account with FBM offers: whose sync a change concerns. */
export async function accountsSelling(db: import('knex').Knex, productIds: number[] | 'all'): Promise<string[]> {
  if (productIds !== 'all' && productIds.length === 0) return [];
  const q = db('offers').where('channel', 'FBM').distinct('account_id').orderBy('account_id');
  if (productIds !== 'all') q.whereIn('product_id', productIds);
  return (await q).map((r) => r.account_id as string);
}

/**
 * requestStockSync for one worker process, remembering per account the last window it was requested for: the window's
 * run exists from the first request on (started or refused as a duplicate), so later changes of the window need no RPC.
 */
export function createStockSyncRequester(deps: { temporal: Client; taskQueue: string; windowMs?: number }) {
  const windowMs = deps.windowMs ?? STOCK_CHANGE_WINDOW_MS;
  const requested = new Map<string, string>(); // account → workflow id of the last window requested
  return async (accountId: string): Promise<{ workflowId: string; started: boolean }> => {
    const now = Date.now();
    const workflowId = stockChangeWorkflowId(accountId, now, windowMs);
    if (requested.get(accountId) === workflowId) return { workflowId, started: false };
    const result = await requestStockSync(deps.temporal, { accountId, taskQueue: deps.taskQueue, windowMs, now });
    requested.set(accountId, result.workflowId);
    return result;
  };
}

/** The activity, for order workflows whose history predates `import-requests-stock-sync` (the import asks since). */
export function createStockRequestActivities(deps: { temporal: Client; taskQueue: string; windowMs?: number }) {
  const request = createStockSyncRequester(deps);
  return {
    async requestStockSync(input: { accountId: string }): Promise<{ workflowId: string; started: boolean }> {
      return request(input.accountId);
    },
  };
}
