import type { Client } from '@temporalio/client';
import type { Db } from '../db';
import { listAccounts } from '../book/accounts';
import { listOrders, OrderListRow } from '../book/orders';
import type { OrderSyncResult } from '../workflows/order-sync';

const key = (account: string, amazonOrderId: string) => `${account}\u0000${amazonOrderId}`;

/**
 * `connector start`'s first orderSync of every enabled account, right away rather than at the first tick, and one line
 * per order that this run brought into the book. Orders an earlier run imported are counted, not announced again.
 */
export async function firstSync(input: {
  client: Client;
  db: Db;
  taskQueue: string;
  say: (line: string) => void;
  timeoutMs?: number;
}): Promise<{ imported: OrderListRow[]; alreadyInBook: number; pending: number }> {
  const { db, say } = input;
  const before = new Set((await listOrders(db, { limit: 10_000 })).map((o) => key(o.account, o.amazonOrderId)));
  const ids = (await listAccounts(db, {})).filter((a) => a.enabled).map((a) => a.id);
  const results = await Promise.all(
    ids.map(
      (accountId) =>
        input.client.workflow.execute('orderSync', {
          taskQueue: input.taskQueue,
          workflowId: `order-sync:${accountId}:start:${Date.now()}`,
          args: [{ accountId, advanceCursor: true, collectIds: true }],
        }) as Promise<OrderSyncResult>,
    ),
  );
  // The orders this sync signalled that the book did not hold: each becomes a line once its workflow imported it.
  const fresh = new Set(
    results.flatMap((r, i) => (r.orderIds ?? []).map((id) => key(ids[i], id))).filter((k) => !before.has(k)),
  );
  const pending = results.reduce((n, r) => n + r.pending, 0);
  const importedNow = async () =>
    (await listOrders(db, { limit: 10_000 })).filter((o) => fresh.has(key(o.account, o.amazonOrderId)));
  const deadline = Date.now() + (input.timeoutMs ?? 120_000);
  let imported = await importedNow();
  while (imported.length < fresh.size - pending && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 500));
    imported = await importedNow();
  }
  say('');
  for (const o of imported.slice().reverse()) {
    say(
      `imported ${o.amazonOrderId}  ${o.account.padEnd(8)} ${String(o.marketplace).padEnd(3)} ${String(o.channel).padEnd(3)} ${o.state.padEnd(16)} ${o.total} ${o.currency}`,
    );
  }
  say('');
  say(
    `${before.size + imported.length} orders in the book: ${imported.length} imported now, ${before.size} already in the book (${pending} pending on Amazon, waiting).`,
  );
  return { imported, alreadyInBook: before.size, pending };
}
