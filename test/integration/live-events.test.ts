import { emit } from '../../book/events';
import { followEvents } from '../../cli/live-events';
import { eventually } from '../support/harness';
import { createTestDatabase, TestDatabase } from '../support/db';

/** `connector start` prints a short line per business event once it runs (issue 15: a newcomer saw nothing). */
let t: TestDatabase;
beforeAll(async () => (t = await createTestDatabase()));
afterAll(async () => t?.drop());

it('prints what happens from now on: a confirmed package, pushed stock; nothing from before it started', async () => {
  const link = '/v1/orders/113-1?account=demo-na';
  await t.db.transaction((trx) =>
    emit(trx, [
      {
        type: 'order.cancelled',
        account: 'demo-na',
        amazonOrderId: '113-0',
        data: { previousState: 'confirmed', link },
      },
    ]),
  );
  const lines: string[] = [];
  const stop = await followEvents(t.db, (line) => lines.push(line), 50);
  try {
    await t.db.transaction((trx) =>
      emit(trx, [
        {
          type: 'shipment.confirmed',
          account: 'demo-na',
          amazonOrderId: '113-1',
          data: { packageReferenceId: 1, carrier: 'UPS', trackingNumber: '1Z9', link },
        },
        {
          type: 'order.updated',
          account: 'demo-na',
          amazonOrderId: '113-1',
          data: { state: 'shipped', previousState: 'confirmed', amazonStatus: 'SHIPPED', link },
        },
        {
          type: 'stock.pushed',
          account: 'demo-na',
          data: { runId: 7, changed: 3, sent: 3, accepted: 2, rejected: 1, rejectedSkus: [], link: '/v1/stock' },
        },
      ]),
    );
    await eventually(async () => expect(lines).toHaveLength(2), 5_000, 50);
    expect(lines[0]).toMatch(/^\d\d:\d\d:\d\d {2}Amazon confirmed package 1 of 113-1 \(demo-na\) \(UPS 1Z9\)$/);
    expect(lines[1]).toMatch(/stock pushed for demo-na: 3 quantities, 2 accepted, 1 rejected$/);
  } finally {
    await stop();
  }
});
