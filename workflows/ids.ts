/** Workflow ids, one function per scheme, so that the CLI, the dispatcher and the UI agree. */
export const orderWorkflowId = (accountId: string, amazonOrderId: string): string =>
  `order:${accountId}:${amazonOrderId}`;
export const orderSyncWorkflowId = (accountId: string): string => `order-sync:${accountId}`;
export const stockSyncWorkflowId = (accountId: string): string => `stock-sync:${accountId}`;
export const fbaStockSyncWorkflowId = (accountId: string): string => `fba-stock-sync:${accountId}`;
export const financeSyncWorkflowId = (accountId: string): string => `finance-sync:${accountId}`;
export const backfillWorkflowId = (accountId: string, from: string, to: string): string =>
  `backfill:${accountId}:${from}:${to}`;
export const scheduleId = (
  kind: 'order-sync' | 'stock-sync' | 'fba-stock-sync' | 'finance-sync',
  accountId: string,
): string => `${kind}:${accountId}`;
export const webhookWorkflowId = (endpointId: string): string => `webhook:${endpointId}`;
/** Webhook deliveries run on a task queue of their own: their slots are not the order path's. */
export const webhookTaskQueue = (taskQueue: string): string => `${taskQueue}-webhooks`;
