import type { Client } from '@temporalio/client';
import { spApiModel } from '../../lib/sp-api-models';
import { checkOrderChange } from '../../activities/spapi/order-change';
import { orderChangeHandler } from '../../workers/notification-handlers';
import { createTestDatabase, TestDatabase } from '../support/db';

/**
 * The ORDER_CHANGE handler's quota rule against the book (real PostgreSQL): a burst beyond what getOrder can read
 * before the next search is left to that search; pending orders cost no read. Temporal is a recorder of the
 * signal-with-starts here: what is decided, not how it is sent (notifications.test.ts sends them for real).
 */

let t: TestDatabase;
beforeAll(async () => {
  t = await createTestDatabase();
});
afterAll(async () => t?.drop());

function message(amazonOrderId: string, status = 'Unshipped', changedAt: string) {
  const m = structuredClone(spApiModel('OrderChangeNotification.json').examples[0]);
  m.Payload.OrderChangeNotification.AmazonOrderId = amazonOrderId;
  m.Payload.OrderChangeNotification.Summary.OrderStatus = status;
  m.Payload.OrderChangeNotification.OrderChangeTrigger.TimeOfOrderChange = changedAt;
  const checked = checkOrderChange(m);
  if (!checked.ok) throw new Error(checked.reason);
  return checked.value;
}

function recorder() {
  const signalled: string[] = [];
  const temporal = {
    workflow: {
      signalWithStart: async (_wf: unknown, options: { workflowId: string }) => void signalled.push(options.workflowId),
    },
  } as unknown as Client;
  return { temporal, signalled };
}

test('a burst of 100 changes with the next search in 60 s: 30 + 30 are signalled, 40 are left to the search', async () => {
  const now = Date.parse('2026-12-03T12:00:00Z');
  const { temporal, signalled } = recorder();
  const handler = orderChangeHandler({
    db: t.db,
    temporal,
    taskQueue: 'unused',
    // The schedule's next runs: the first one 2 minutes or more after the change carries it.
    nextSearchAt: async () => [now + 60_000, now + 360_000],
    now: () => now,
  });
  const changedAt = new Date(now - 180_000).toISOString(); // seen by the search in 60 s
  const outcomes: string[] = [];
  for (let i = 0; i < 100; i++) {
    const handled = await handler.handle(
      'acct',
      message(`111-0000000-${String(i).padStart(7, '0')}`, 'Unshipped', changedAt),
    );
    if (!handled.ok) throw new Error(handled.reason);
    outcomes.push(handled.outcome);
  }
  // 30 tokens at once, then one per 2 s: the 31st to 60th wait 2 to 60 s, no longer than the search.
  expect(outcomes.filter((o) => o === 'signalled')).toHaveLength(60);
  expect(outcomes.slice(60).every((o) => o === 'left_to_search')).toBe(true);
  expect(signalled).toHaveLength(60);
  expect(signalled[0]).toBe('order:acct:111-0000000-0000000');
});

test('a change too recent for the next search waits for the one after; pending orders are always signalled', async () => {
  const now = Date.parse('2026-12-03T12:00:00Z');
  const { temporal, signalled } = recorder();
  const handler = orderChangeHandler({
    db: t.db,
    temporal,
    taskQueue: 'unused',
    nextSearchAt: async () => [now + 60_000, now + 360_000],
    now: () => now,
  });
  const justNow = new Date(now).toISOString(); // the search in 60 s cannot see it: the one in 6 min carries it
  const outcomes: string[] = [];
  for (let i = 0; i < 250; i++) {
    const status = i % 5 === 0 ? 'Pending' : 'Unshipped';
    const handled = await handler.handle(
      'acct2',
      message(`112-0000000-${String(i).padStart(7, '0')}`, status, justNow),
    );
    if (!handled.ok) throw new Error(handled.reason);
    outcomes.push(handled.outcome);
  }
  // 200 need a read: 30 + 180 (6 min at 0.5/s) fit before the search in 6 min, so every one is signalled; 50 pending.
  expect(outcomes.every((o) => o === 'signalled')).toBe(true);
  expect(signalled).toHaveLength(250);
});
