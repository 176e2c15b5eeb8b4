import { WorkflowExecutionAlreadyStartedError, WorkflowIdReusePolicy } from '@temporalio/common';
import type { Client } from '@temporalio/client';
import {
  financeSyncWorkflowId,
  orderWorkflowId,
  stockSyncWorkflowId,
  webhookTaskQueue,
  webhookWorkflowId,
} from '../workflows/ids';
import { amazonUpdate, order } from '../workflows/order';
import type { OrderHeader } from '../workflows/order-types';
import {
  AMAZON_ORDER_ID,
  FULFILLMENT_CHANNEL,
  MARKETPLACE_ID,
  ORDER_STATE,
  SELLER_ACCOUNT,
} from '../workflows/search-attributes';

/**
 * How the connector starts and signals its workflows from outside them: orderSync's dispatch, the CLI, the API and
 * the notification consumer all use these, so an order workflow is always started the same way.
 */

/** Signal-with-start of the order's workflow with Amazon's latest header (no buyer data), with its search attributes. */
export async function signalOrder(
  client: Client,
  input: { taskQueue: string; accountId: string; header: OrderHeader },
): Promise<void> {
  const { accountId, header } = input;
  await client.workflow.signalWithStart(order, {
    workflowId: orderWorkflowId(accountId, header.amazonOrderId),
    taskQueue: input.taskQueue,
    args: [{ accountId, header }],
    signal: amazonUpdate,
    signalArgs: [header],
    typedSearchAttributes: [
      { key: AMAZON_ORDER_ID, value: header.amazonOrderId },
      { key: SELLER_ACCOUNT, value: accountId },
      { key: MARKETPLACE_ID, value: header.marketplaceId },
      { key: FULFILLMENT_CHANNEL, value: header.channel },
      { key: ORDER_STATE, value: 'new' },
    ],
  });
}

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

/** Starts the delivery workflow of a webhook endpoint unless it runs (at its creation, enabling, and worker start). */
export async function startWebhookDelivery(
  client: Client,
  input: { taskQueue: string; endpointId: string; retryForMs: number },
): Promise<boolean> {
  try {
    await client.workflow.start('webhookDelivery', {
      workflowId: webhookWorkflowId(input.endpointId),
      taskQueue: webhookTaskQueue(input.taskQueue),
      args: [{ endpointId: input.endpointId, retryForMs: input.retryForMs }],
      workflowIdReusePolicy: WorkflowIdReusePolicy.ALLOW_DUPLICATE,
    });
    return true;
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return false;
    throw err;
  }
}

/**
 * A finance sync on demand. `manual` (connector finances sync): a run of its own, started at once. `transaction-update`
 * (the TRANSACTION_UPDATE consumer): debounced like stock changes, one run per window of FINANCE_UPDATE_WINDOW_MS
 * started at the window's end, so a burst of notifications (a settlement closing) costs one sync.
 */
export const FINANCE_UPDATE_WINDOW_MS = 60_000;

export async function requestFinanceSync(
  client: Client,
  input: {
    accountId: string;
    taskQueue: string;
    reason: 'manual' | 'transaction-update';
    since?: string;
    windowMs?: number;
    /** Not before this time (ms): what the update is about must be readable by then. */
    notBefore?: number;
    now?: number;
  },
): Promise<{ workflowId: string; started: boolean }> {
  const now = input.now ?? Date.now();
  const args = [{ accountId: input.accountId, reason: input.reason, ...(input.since ? { since: input.since } : {}) }];
  if (input.reason === 'manual') {
    const workflowId = `${financeSyncWorkflowId(input.accountId)}:manual:${now}`;
    await client.workflow.start('financeSync', { workflowId, taskQueue: input.taskQueue, args });
    return { workflowId, started: true };
  }
  const windowMs = input.windowMs ?? FINANCE_UPDATE_WINDOW_MS;
  // One run per window of the time it may start: updates that become readable in the same window share it.
  const window = Math.floor(Math.max(now, input.notBefore ?? now) / windowMs);
  const workflowId = `${financeSyncWorkflowId(input.accountId)}:updates:${window}`;
  try {
    await client.workflow.start('financeSync', {
      workflowId,
      taskQueue: input.taskQueue,
      args,
      startDelay: (window + 1) * windowMs - now,
      workflowIdReusePolicy: WorkflowIdReusePolicy.REJECT_DUPLICATE,
    });
    return { workflowId, started: true };
  } catch (err) {
    if (err instanceof WorkflowExecutionAlreadyStartedError) return { workflowId, started: false };
    throw err;
  }
}
