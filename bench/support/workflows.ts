/**
 * The connector's workflows plus `trivial`, the engine benchmark's yardstick: one activity that runs one small DB
 * statement (markShipByStatus on an order that does not exist), on the same worker, server and codec as the orders.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { createOrderActivities } from '../../activities/order';

export * from '../../workflows';

const { markShipByStatus } = proxyActivities<ReturnType<typeof createOrderActivities>>({
  startToCloseTimeout: '30 seconds',
});

export async function trivial(): Promise<void> {
  await markShipByStatus({ accountId: 'bench-none', amazonOrderId: 'none', status: 'ship_risk' });
}
