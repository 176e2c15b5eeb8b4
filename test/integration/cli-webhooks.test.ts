import { Webhook as Verifier } from 'standardwebhooks';
import { webhookWorkflowId } from '../../workflows/ids';
import { runCli } from '../support/cli';
import { eventually, Harness, startHarness } from '../support/harness';
import { US } from '../support/orders';
import { emitEvents, importedEvent, webhookReceiver as receiver } from '../support/webhooks';

/**
 * `connector webhooks add|list|test|enable|replay|remove` against a real receiver, the real book and the worker's
 * webhookDelivery workflows: what a person running the connector does with endpoints.
 */
const account = { id: 'cli-hooks', sellerId: 'A9CLIHOOKS001', region: 'na' as const, marketplaceIds: [US] };
const LOOPBACK = '127.0.0.1/32';
let h: Harness;
const savedEnv = { ...process.env };

/** An order.imported event of a new order, as the import writes it. */
const imported = (amazonOrderId: string) => emitEvents(h.testDb.db, [importedEvent(account.id, amazonOrderId)]);

const listed = async (id: string) =>
  (await runCli(['--json', 'webhooks', 'list'])).json.find((w: { id: string }) => w.id === id);

beforeAll(async () => {
  h = await startHarness({ accounts: [account], env: { CONNECTOR_WEBHOOK_ALLOWED_HOSTS: LOOPBACK } });
  Object.assign(process.env, {
    DATABASE_URL: h.testDb.url,
    TEMPORAL_ADDRESS: process.env.TEMPORAL_TEST_ADDRESS,
    TEMPORAL_TASK_QUEUE: h.taskQueue,
    CONNECTOR_WEBHOOK_ALLOWED_HOSTS: LOOPBACK,
  });
});
afterAll(async () => {
  process.env = savedEnv;
  await h?.close();
});

it('add refuses a private target or an unknown type with one line naming the fix', async () => {
  const privateTarget = await runCli(['webhooks', 'add', '--url', 'http://10.9.9.9/hook']);
  expect(privateTarget.error).toMatch(/10\.9\.9\.9.*CONNECTOR_WEBHOOK_ALLOWED_HOSTS/);
  const r = await receiver();
  try {
    const badType = await runCli(['webhooks', 'add', '--url', r.url, '--types', 'order.imported,order.teleported']);
    expect(badType.error).toMatch(/order\.teleported/);
    expect(badType.error).toMatch(/types/);
  } finally {
    await r.close();
  }
  expect((await runCli(['--json', 'webhooks', 'list'])).json).toEqual([]);
});

it('add, test, a 410 that disables, enable, replay, remove: each does what it says', async () => {
  const r = await receiver();
  const other = await receiver();
  try {
    // add: the secret is shown once, and deliveries start.
    const added = await runCli([
      'webhooks',
      'add',
      '--url',
      r.url,
      '--types',
      'order.imported',
      '--description',
      'wms',
    ]);
    expect(added.error).toBeUndefined();
    const [, id] = /^webhook (\S+) → /.exec(added.stdout)!;
    const [, secret] = /signing secret: (whsec_\S+)/.exec(added.stdout)!;
    const since = new Date(Date.now() - 1000).toISOString();
    await imported('cli-1');
    await eventually(async () => expect(r.delivered().map((e) => e.amazonOrderId)).toEqual(['cli-1']));
    expect(await listed(id)).toMatchObject({ url: r.url, types: ['order.imported'], enabled: true });

    // test: a signed webhook.test now, its answer shown; a failing receiver makes it exit 1.
    const tested = await runCli(['webhooks', 'test', id]);
    expect(tested.stdout).toMatch(/^delivered: answered 200 in \d+ ms/);
    const probe = r.deliveries[r.deliveries.length - 1];
    const verified = new Verifier(secret).verify(probe.body, {
      'webhook-id': String(probe.headers['webhook-id']),
      'webhook-timestamp': String(probe.headers['webhook-timestamp']),
      'webhook-signature': String(probe.headers['webhook-signature']),
    });
    expect(verified).toMatchObject({ type: 'webhook.test' });
    r.state.answer = 500;
    const failing = await runCli(['webhooks', 'test', id]);
    expect(failing.stdout).toMatch(/^FAILED: answered 500/);
    expect(failing.exitCode).toBe(1);

    // A 410 disables the endpoint at once, with the reason; enable resumes from where it stopped.
    r.state.answer = 410;
    await imported('cli-2');
    await eventually(async () =>
      expect(await listed(id)).toMatchObject({ enabled: false, disabledReason: expect.stringMatching(/410/) }),
    );
    r.state.answer = 200;
    const enabled = await runCli(['webhooks', 'enable', id]);
    expect(enabled.stdout).toMatch(new RegExp(`^webhook ${id} enabled: it resumes after event \\d+`));
    await eventually(async () =>
      expect(
        r
          .delivered()
          .filter((e) => e.type === 'order.imported')
          .map((e) => e.amazonOrderId),
      ).toEqual(['cli-1', 'cli-2']),
    );

    // replay --since: both events again, with the same webhook-ids (the receiver's dedup key).
    const firstIds = r
      .delivered()
      .filter((e) => e.type === 'order.imported')
      .map((e) => e.id);
    const replayed = await runCli(['webhooks', 'replay', id, '--since', since]);
    expect(replayed.stdout).toMatch(new RegExp(`^webhook ${id} replays from event \\d+ on`));
    await eventually(async () =>
      expect(
        r
          .delivered()
          .filter((e) => e.type === 'order.imported')
          .map((e) => e.id),
      ).toEqual([...firstIds, ...firstIds]),
    );
    expect((await runCli(['webhooks', 'replay', id, '--since', 'yesterday'])).error).toMatch(/since/);

    // remove: its workflow ends; a later event reaches another endpoint but not this one.
    expect((await runCli(['webhooks', 'remove', id])).stdout).toBe(`webhook ${id} removed\n`);
    await eventually(
      async () =>
        expect((await h.client.workflow.getHandle(webhookWorkflowId(id)).describe()).status.name).toBe('COMPLETED'),
      60_000,
    );
    expect((await runCli(['webhooks', 'add', '--url', other.url, '--types', 'order.imported'])).error).toBeUndefined();
    const before = r.deliveries.length;
    await imported('cli-3');
    await eventually(async () => expect(other.delivered().map((e) => e.amazonOrderId)).toContain('cli-3'));
    expect(r.deliveries.length).toBe(before);
    expect(await listed(id)).toBeUndefined();
    expect((await runCli(['webhooks', 'remove', id])).error).toBe(`no webhook ${id}: see \`connector webhooks list\``);
  } finally {
    await r.close();
    await other.close();
  }
}, 120_000);
