import { Client, ScheduleAlreadyRunning, ScheduleOptionsAction, ScheduleOverlapPolicy } from '@temporalio/client';
import type { Db } from '../db';
import { listAccounts } from '../book/accounts';
import { listWebhooks } from '../book/webhooks';
import { startWebhookDelivery } from '../lib/workflow-client';
import type { Config } from '../lib/config';
import {
  fbaStockSyncWorkflowId,
  financeSyncWorkflowId,
  orderSyncWorkflowId,
  scheduleId,
  stockSyncWorkflowId,
} from '../workflows/ids';

interface ScheduleDefinition {
  id: string;
  everyMs: number;
  action: ScheduleOptionsAction;
}

/** Every enabled account's schedules: orderSync (and, once those workflows exist, stock syncs). */
export function accountSchedules(config: Config, accountId: string): ScheduleDefinition[] {
  return [
    {
      id: scheduleId('order-sync', accountId),
      everyMs: config.ORDER_SYNC_INTERVAL,
      action: {
        type: 'startWorkflow',
        workflowType: 'orderSync',
        workflowId: orderSyncWorkflowId(accountId),
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        args: [{ accountId, advanceCursor: true }],
      },
    },
    {
      id: scheduleId('stock-sync', accountId),
      everyMs: config.STOCK_SYNC_INTERVAL,
      action: {
        type: 'startWorkflow',
        workflowType: 'stockSync',
        workflowId: stockSyncWorkflowId(accountId),
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        args: [{ accountId, reason: 'schedule' }],
      },
    },
    {
      id: scheduleId('fba-stock-sync', accountId),
      everyMs: config.FBA_STOCK_SYNC_INTERVAL,
      action: {
        type: 'startWorkflow',
        workflowType: 'fbaStockSync',
        workflowId: fbaStockSyncWorkflowId(accountId),
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        args: [{ accountId }],
      },
    },
    {
      id: scheduleId('finance-sync', accountId),
      everyMs: config.FINANCE_SYNC_INTERVAL,
      action: {
        type: 'startWorkflow',
        workflowType: 'financeSync',
        workflowId: financeSyncWorkflowId(accountId),
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        args: [{ accountId, reason: 'schedule' }],
      },
    },
  ];
}

/** Creates or updates each schedule (idempotent: safe at every worker start and in `connector schedules apply`). */
export async function applySchedules(
  client: Client,
  db: Db,
  config: Config,
): Promise<Array<{ id: string; result: 'created' | 'updated' | 'paused' }>> {
  const accounts = await listAccounts(db, {});
  const results: Array<{ id: string; result: 'created' | 'updated' | 'paused' }> = [];
  for (const account of accounts) {
    for (const def of accountSchedules(config, account.id)) {
      const spec = { intervals: [{ every: def.everyMs }] };
      // SKIP: a sync still paging when the next tick comes is not doubled.
      const policies = { overlap: ScheduleOverlapPolicy.SKIP, catchupWindow: '1m' as const };
      try {
        await client.schedule.create({
          scheduleId: def.id,
          spec,
          action: def.action,
          policies,
          state: { paused: !account.enabled },
        });
        results.push({ id: def.id, result: account.enabled ? 'created' : 'paused' });
      } catch (err) {
        if (!(err instanceof ScheduleAlreadyRunning)) throw err;
        const handle = client.schedule.getHandle(def.id);
        await handle.update((previous) => ({ ...previous, spec, action: def.action as any, policies }));
        if (account.enabled) await handle.unpause('account enabled');
        else await handle.pause('account disabled');
        results.push({ id: def.id, result: account.enabled ? 'updated' : 'paused' });
      }
    }
  }
  return results;
}

/** Every enabled webhook endpoint's delivery workflow, started unless it runs (at every worker start: idempotent). */
export async function startWebhookDeliveries(client: Client, db: Db, config: Config): Promise<number> {
  let started = 0;
  for (const webhook of await listWebhooks(db, {}))
    if (
      webhook.enabled &&
      (await startWebhookDelivery(client, {
        taskQueue: config.TEMPORAL_TASK_QUEUE,
        endpointId: webhook.id,
        retryForMs: config.CONNECTOR_WEBHOOK_RETRY_FOR,
      }))
    )
      started++;
  return started;
}
