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

const NOW = Date.parse('2026-12-03T12:00:00Z');

/** The handler with the schedule's next runs at +1 min and +6 min, and what it signalled. */
function handlerAt(now = NOW) {
  const { temporal, signalled } = recorder();
  const handler = orderChangeHandler({
    db: t.db,
    temporal,
    taskQueue: 'unused',
    // The first run 2 minutes or more after a change carries it.
    nextSearchAt: async () => [now + 60_000, now + 360_000],
    now: () => now,
  });
  /** Handles one change per status given, of orders `<prefix>-<n>`; returns each outcome. */
  const handleAll = async (prefix: string, statuses: string[], changedAt: string) => {
    const outcomes: string[] = [];
    for (const [i, status] of statuses.entries()) {
      const handled = await handler.handle(
        'acct',
        message(`${prefix}-${String(i).padStart(7, '0')}`, status, changedAt),
      );
      if (!handled.ok) throw new Error(handled.reason);
      outcomes.push(handled.outcome);
    }
    return outcomes;
  };
  return { signalled, handleAll };
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
  const { signalled, handleAll } = handlerAt();
  const changedAt = new Date(NOW - 180_000).toISOString(); // seen by the search in 60 s
  const outcomes = await handleAll('111-0000000', Array(100).fill('Unshipped'), changedAt);
  // 30 tokens at once, then one per 2 s: the 31st to 60th wait 2 to 60 s, no longer than the search.
  expect(outcomes.filter((o) => o === 'signalled')).toHaveLength(60);
  expect(outcomes.slice(60).every((o) => o === 'left_to_search')).toBe(true);
  expect(signalled).toHaveLength(60);
  expect(signalled[0]).toBe('order:acct:111-0000000-0000000');
});

test('a change too recent for the next search waits for the one after; pending orders are always signalled', async () => {
  const { signalled, handleAll } = handlerAt();
  // Changed now: the search in 60 s cannot see it (Amazon's 2-minute lag), the one in 6 min carries it.
  const statuses = Array.from({ length: 250 }, (_, i) => (i % 5 === 0 ? 'Pending' : 'Unshipped'));
  const outcomes = await handleAll('112-0000000', statuses, new Date(NOW).toISOString());
  // 200 need a read: 30 + 170 × 2 s = 340 s, before the search in 6 min, so every one is signalled; 50 are pending
  // (counted as reads, 250 would reach 440 s and be partly left to the search).
  expect(outcomes.every((o) => o === 'signalled')).toBe(true);
  expect(signalled).toHaveLength(250);
});
