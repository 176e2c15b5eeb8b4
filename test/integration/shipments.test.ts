import { spawnSync } from 'child_process';
import { orderView } from '../../book/orders';
import { orderWorkflowId } from '../../workflows/ids';
import { stateQuery } from '../../workflows/order';
import { runCli } from '../support/cli';
import { eventually, Harness, ordersIdle, startHarness } from '../support/harness';
import { fixture, minutesAgo, recentOrder, US } from '../support/orders';

const account = { id: 'us-ship', sellerId: 'A4SHIPPER0US', region: 'na' as const, marketplaceIds: [US] };
const MUG = 'MUG-CER-12OZ-BLU'; // 3 ordered
const COASTER = 'COASTER-SLATE-4PK'; // 1 ordered

/** FBM fulfilment: the warehouse's shipments reach Amazon package by package; cancellations race them. */
describe('FBM shipments', () => {
  let h: Harness;
  let counter = 0;
  let env: Record<string, string>;

  beforeAll(async () => {
    h = await startHarness({ accounts: [account] });
    env = {
      DATABASE_URL: h.testDb.url,
      TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS!,
      TEMPORAL_TASK_QUEUE: h.taskQueue,
    };
  });
  afterAll(async () => h?.close());

  /** A fresh imported FBM order (the US gift fixture: 3 mugs and 1 coaster). */
  async function importedOrder(options: { shipWithinHours?: number } = {}): Promise<string> {
    const orderId = `114-${String(++counter).padStart(7, '0')}-${String(Date.now()).slice(-7)}`;
    await h.admin.addOrders(account.sellerId, [recentOrder(fixture('us-fbm-gift-promotions.json'), orderId, options)]);
    await h.client.workflow.execute('orderSync', {
      taskQueue: h.taskQueue,
      workflowId: `sync-${orderId}`,
      args: [{ accountId: account.id, since: minutesAgo(8) }],
    });
    await eventually(async () =>
      expect((await orderView(h.testDb.db, { amazonOrderId: orderId }))?.deliveries[0]?.state).toBe('open'),
    );
    return orderId;
  }
  const view = (orderId: string) => orderView(h.testDb.db, { amazonOrderId: orderId }).then((v) => v!);
  const amazonOrder = async (orderId: string) => {
    const stored: any = await h.admin.getOrder(orderId);
    return stored.order ?? stored;
  };
  const workflowState = (orderId: string) =>
    h.client.workflow.getHandle(orderWorkflowId(account.id, orderId)).query(stateQuery);
  const temporalSignal = (orderId: string, input: string) =>
    spawnSync(
      process.env.TEMPORAL_CLI!,
      [
        'workflow',
        'signal',
        '--address',
        process.env.TEMPORAL_TEST_ADDRESS!,
        '--workflow-id',
        orderWorkflowId(account.id, orderId),
        '--name',
        'shipmentDone',
        '--input',
        input,
      ],
      { encoding: 'utf8' },
    );

  it('a full shipment by `connector ship` is confirmed to Amazon as one package and closes the order', async () => {
    const orderId = await importedOrder();
    const shipped = await runCli(['ship', orderId, '--carrier', 'royal mail', '--tracking', 'RR123456789GB'], env);
    expect(shipped.error).toBeUndefined();
    await eventually(async () => expect((await view(orderId)).state).toBe('shipped'));
    // Our book records the package first; the confirmation to Amazon follows.
    const amazon = await eventually(async () => {
      const a = await amazonOrder(orderId);
      expect(a.fulfillment.fulfillmentStatus).toBe('SHIPPED');
      return a;
    });
    expect(amazon.packages).toHaveLength(1);
    expect(amazon.packages[0]).toMatchObject({ packageReferenceId: '1', trackingNumber: 'RR123456789GB' });
    const v = await view(orderId);
    expect(v.deliveries).toEqual([
      expect.objectContaining({
        state: 'done',
        carrierCode: 'Royal Mail',
        tracking: 'RR123456789GB',
        confirmation: 'confirmed',
      }),
    ]);
    await eventually(async () => expect((await workflowState(orderId)).phase).toBe('retention'));
  });

  it('two packages for one order: partially shipped after the first, shipped after the second', async () => {
    const orderId = await importedOrder();
    await runCli(['ship', orderId, '--carrier', 'UPS', '--tracking', '1Z0001', '--items', `${MUG}:2`], env);
    await eventually(async () => expect((await view(orderId)).state).toBe('partially_shipped'));
    await eventually(async () =>
      expect((await amazonOrder(orderId)).fulfillment.fulfillmentStatus).toBe('PARTIALLY_SHIPPED'),
    );
    expect((await view(orderId)).deliveries.find((d) => d.state === 'open')?.lines).toEqual(
      expect.arrayContaining([
        { sku: MUG, quantity: 1 },
        { sku: COASTER, quantity: 1 },
      ]),
    );
    await runCli(['ship', orderId, '--carrier', 'UPS', '--tracking', '1Z0002'], env);
    await eventually(async () => expect((await view(orderId)).state).toBe('shipped'));
    const amazon = await eventually(async () => {
      const a = await amazonOrder(orderId);
      expect(a.fulfillment.fulfillmentStatus).toBe('SHIPPED');
      return a;
    });
    expect(amazon.packages.map((p: any) => [p.packageReferenceId, p.trackingNumber])).toEqual([
      ['1', '1Z0001'],
      ['2', '1Z0002'],
    ]);
  });

  it('an unknown carrier goes to Amazon as Other with its name', async () => {
    const orderId = await importedOrder();
    await runCli(['ship', orderId, '--carrier', 'Kurier Müller', '--tracking', 'KM-77'], env);
    await eventually(async () =>
      expect((await view(orderId)).deliveries[0]).toMatchObject({
        carrierCode: 'Other',
        carrier: 'Kurier Müller',
        confirmation: 'confirmed',
      }),
    );
    expect((await amazonOrder(orderId)).packages[0].carrier).toBe('Kurier Müller');
  });

  it('`connector ship` refuses a missing tracking number or too many units, and sends nothing', async () => {
    const orderId = await importedOrder();
    expect((await runCli(['ship', orderId, '--carrier', 'UPS'], env)).error).toMatch(/--tracking is required/);
    expect(
      (await runCli(['ship', orderId, '--carrier', 'UPS', '--tracking', 'X', '--items', `${MUG}:4`], env)).error,
    ).toMatch(/only 3 open/);
    expect((await runCli(['ship', 'nope-123', '--carrier', 'UPS', '--tracking', 'X'], env)).error).toMatch(
      /no order nope-123/,
    );
    expect((await workflowState(orderId)).rejectedShipments).toEqual([]);
    expect((await amazonOrder(orderId)).packages ?? []).toHaveLength(0);
  });

  it('a signal sent with the real `temporal` CLI as plain JSON ships the order', async () => {
    const orderId = await importedOrder();
    const result = temporalSignal(
      orderId,
      JSON.stringify({ carrier: 'FedEx', trackingNumber: '7777', items: [{ sku: COASTER, quantity: 1 }] }),
    );
    expect(result.stderr).toBe('');
    await eventually(async () =>
      expect((await amazonOrder(orderId)).packages?.[0]).toMatchObject({ trackingNumber: '7777' }),
    );
    expect((await view(orderId)).state).toBe('partially_shipped');
  });

  it('an invalid payload through the same path is recorded as a rejected shipment, and the run waits', async () => {
    const orderId = await importedOrder();
    expect(temporalSignal(orderId, JSON.stringify({ carrier: 'UPS' })).status).toBe(0);
    await eventually(async () =>
      expect((await workflowState(orderId)).rejectedShipments).toEqual([
        { reason: expect.stringContaining('trackingNumber is required') },
      ]),
    );
    // The query shows the rejection as soon as the signal is handled; the flag reaches the book by an activity after.
    await eventually(async () =>
      expect(await view(orderId)).toMatchObject({
        state: 'needs_attention',
        attentionReason: expect.stringContaining('trackingNumber is required'),
      }),
    );
    expect(temporalSignal(orderId, '"UPS 1Z"').status).toBe(0);
    await eventually(async () => expect((await workflowState(orderId)).rejectedShipments).toHaveLength(2));
    // still alive and able to ship once a valid signal comes
    await runCli(['ship', orderId, '--carrier', 'UPS', '--tracking', '1ZVALID'], env);
    await eventually(async () => expect((await view(orderId)).state).toBe('shipped'));
  });

  it('the same signal twice confirms nothing twice', async () => {
    const orderId = await importedOrder();
    const payload = JSON.stringify({ carrier: 'DHL', trackingNumber: 'DUP-1', items: [{ sku: MUG, quantity: 1 }] });
    temporalSignal(orderId, payload);
    temporalSignal(orderId, payload);
    await eventually(async () =>
      expect((await view(orderId)).deliveries.filter((d) => d.confirmation === 'confirmed')).toHaveLength(1),
    );
    await ordersIdle(h.client, account.id, [orderId]); // both signals handled, nothing left to do
    expect((await amazonOrder(orderId)).packages).toHaveLength(1);
    expect((await view(orderId)).deliveries.find((d) => d.state === 'open')?.lines).toEqual(
      expect.arrayContaining([{ sku: MUG, quantity: 2 }]),
    );
  });

  it('Amazon rejecting a confirmation flags the order; after `deliveries edit` and retry it is confirmed', async () => {
    const orderId = await importedOrder();
    await runCli(
      ['ship', orderId, '--carrier', 'UPS', '--tracking', '1ZEARLY', '--ship-date', '2020-01-01T10:00:00Z'],
      env,
    );
    await eventually(async () => expect((await view(orderId)).state).toBe('needs_attention'));
    const flagged = await view(orderId);
    expect(flagged.attentionReason).toMatch(/Amazon rejected package 1 .*before the order was placed/);
    expect(flagged.deliveries[0]).toMatchObject({
      confirmation: 'rejected',
      confirmationError: expect.stringContaining('before the order was placed'),
    });
    const edited = await runCli(
      ['deliveries', 'edit', orderId, '--package', '1', '--ship-date', new Date().toISOString(), '--retry'],
      env,
    );
    expect(edited.error).toBeUndefined();
    await eventually(async () => expect((await view(orderId)).state).toBe('shipped'));
    await eventually(async () => expect((await view(orderId)).deliveries[0].confirmation).toBe('confirmed'));
    expect((await amazonOrder(orderId)).fulfillment.fulfillmentStatus).toBe('SHIPPED');
  });

  it('Amazon cancelling before shipment cancels the open delivery, and a later shipment is refused', async () => {
    const orderId = await importedOrder();
    await h.admin.setOrderStatus(orderId, 'CANCELLED', { at: minutesAgo(3) });
    await h.client.workflow.execute('orderSync', {
      taskQueue: h.taskQueue,
      workflowId: `sync-cancel-${orderId}`,
      args: [{ accountId: account.id, since: minutesAgo(8) }],
    });
    await eventually(async () => expect((await view(orderId)).state).toBe('cancelled'));
    expect((await view(orderId)).deliveries.map((d) => d.state)).toEqual(['cancelled']);
    expect((await runCli(['ship', orderId, '--carrier', 'UPS', '--tracking', '1Z'], env)).error).toMatch(
      /cancelled on Amazon/,
    );
    // A signal typed into the UI skips the CLI's check: the workflow refuses it with the reason.
    temporalSignal(orderId, JSON.stringify({ carrier: 'UPS', trackingNumber: '1ZLATE' }));
    await eventually(async () =>
      expect((await workflowState(orderId)).rejectedShipments).toEqual([
        { reason: 'the order was cancelled on Amazon: do not ship it' },
      ]),
    );
    expect((await amazonOrder(orderId)).packages ?? []).toHaveLength(0);
    expect((await view(orderId)).deliveries.map((d) => d.state)).toEqual(['cancelled']);
  });

  it('Amazon cancelling after we confirmed a package flags the order: expect a return', async () => {
    const orderId = await importedOrder();
    await runCli(['ship', orderId, '--carrier', 'UPS', '--tracking', '1ZRET', '--items', `${COASTER}:1`], env);
    await eventually(async () =>
      expect((await view(orderId)).deliveries.some((d) => d.confirmation === 'confirmed')).toBe(true),
    );
    await h.admin.setOrderStatus(orderId, 'CANCELLED', { at: minutesAgo(2.5) });
    await h.client.workflow.execute('orderSync', {
      taskQueue: h.taskQueue,
      workflowId: `sync-ret-${orderId}`,
      args: [{ accountId: account.id, since: minutesAgo(8) }],
    });
    await eventually(async () =>
      expect(await view(orderId)).toMatchObject({
        state: 'needs_attention',
        attentionReason: 'shipped before Amazon cancelled: expect a return',
      }),
    );
  });

  it('an open order near its ship-by date becomes ship_risk, and late after it', async () => {
    const orderId = await importedOrder({ shipWithinHours: 0.001 }); // latest ship date a few seconds from now
    await eventually(async () => expect((await view(orderId)).shipBy).toBe('late'), 30_000);
    const listed = await runCli(['orders', 'list', '--state', 'late', '--json'], env);
    expect(listed.json.map((o: any) => o.amazonOrderId)).toContain(orderId);
    const described = await h.client.workflow.getHandle(orderWorkflowId(account.id, orderId)).describe();
    expect(described.typedSearchAttributes.getAll().find((p) => p.key.name === 'OrderState')?.value).toBe('late');
  });
});
