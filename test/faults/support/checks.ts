import { orderWorkflowId } from '../../../workflows/ids';
import type { Scenario } from './scenario';

const count = async (q: Promise<Array<{ n: unknown }>>) => Number((await q)[0].n);

/**
 * Ships `n` open FBM orders (one shipmentDone each) and waits for their confirmations; then asks the sandbox, as the
 * truth, how many orders hold more than one package: a confirmation sent twice would show there.
 */
export async function shipSome(
  s: Scenario,
  n: number,
  timeoutMs: number,
): Promise<{ sent: number; confirmed: number; twice: number }> {
  const picks = await s
    .db('sale_orders')
    .where({ channel: 'FBM', state: 'confirmed' })
    .orderBy('id')
    .limit(n)
    .select('account_id', 'amazon_order_id');
  for (const [i, p] of picks.entries()) {
    await s.client.workflow
      .getHandle(orderWorkflowId(p.account_id, p.amazon_order_id))
      .signal('shipmentDone', { carrier: 'UPS', trackingNumber: `1ZFAULT${String(i).padStart(8, '0')}` });
  }
  const confirmed = () => count(s.db('deliveries').where({ confirmation_state: 'confirmed' }).count({ n: '*' }));
  const deadline = Date.now() + timeoutMs;
  while ((await confirmed()) < picks.length && Date.now() < deadline) await new Promise((r) => setTimeout(r, 1000));
  let twice = 0;
  for (const p of picks) {
    const stored: any = await s.admin.getOrder(p.amazon_order_id);
    if (((stored?.order ?? stored)?.packages ?? []).length > 1) twice++;
  }
  return { sent: picks.length, confirmed: await confirmed(), twice };
}

/** Workflow tasks that failed (a workflow bug, or a worker that could not run it): "<workflowId>: <cause>". */
export async function workflowTaskFailures(s: Scenario): Promise<string[]> {
  const failures: string[] = [];
  for await (const w of s.client.workflow.list({ query: `TaskQueue = "${s.taskQueue}"` })) {
    const history = await s.client.workflow.getHandle(w.workflowId).fetchHistory();
    for (const e of history.events ?? []) {
      const f = e.workflowTaskFailedEventAttributes;
      if (f) failures.push(`${w.workflowId}: ${f.cause} ${f.failure?.message ?? ''}`.trim());
    }
  }
  return failures;
}
