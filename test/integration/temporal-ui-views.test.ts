import fs from 'fs';
import path from 'path';
import { orderView } from '../../book/orders';
import { orderWorkflowId } from '../../workflows/ids';
import { eventually, Harness, startHarness } from '../support/harness';
import { fixture, recentOrder, US } from '../support/orders';

/**
 * docs/operations.md §12 gives ready-made saved views for the Temporal UI, as a table of queries and links that save
 * them in the UI. Each query must run on Temporal with our search attributes and find the orders it names; each link
 * must carry its own query.
 */
const doc = fs.readFileSync(path.join(__dirname, '../../docs/operations.md'), 'utf8');
const section = doc.slice(doc.indexOf('## 12. The Temporal UI'));
const links = new Map([...section.matchAll(/^\[(view-[a-z-]+)\]: (\S+)$/gm)].map((m) => [m[1], m[2]]));
const views = [
  ...section.matchAll(/^\| ([A-Za-z][^|]*?) +\| `(.+?)` +\| [^|]+\| \[add\]\[(view-[a-z-]+)\] +\|$/gm),
].map((m) => ({ name: m[1], query: m[2], link: links.get(m[3]) }));
const view = (name: string) => views.find((v) => v.name === name)!;

// The demo's account name, as the doc's "Account demo-na" view has it.
const account = { id: 'demo-na', sellerId: 'A9UIVIEWSELLER1', region: 'na' as const, marketplaceIds: [US] };
const ids = { confirmed: '113-7600001-0000001', risky: '113-7600002-0000001', flagged: '113-7600003-0000001' };
const workflowIdOf = (key: keyof typeof ids) => orderWorkflowId(account.id, ids[key]);
let h: Harness;

beforeAll(async () => {
  h = await startHarness({ accounts: [account] });
  await h.admin.addOrders(account.sellerId, [
    recentOrder(fixture('us-fbm-gift-promotions.json'), ids.confirmed),
    recentOrder(fixture('us-fbm-gift-promotions.json'), ids.risky, { shipWithinHours: 6 }), // inside the 12 h margin
    recentOrder(fixture('malformed-three-decimals.json'), ids.flagged),
  ]);
  await h.client.workflow.execute('orderSync', {
    taskQueue: h.taskQueue,
    workflowId: `ui-views-sync-${Date.now()}`,
    args: [{ accountId: account.id }],
  });
  await eventually(async () =>
    expect((await orderView(h.testDb.db, { amazonOrderId: ids.flagged }))?.state).toBe('needs_attention'),
  );
});

afterAll(async () => {
  for (const key of Object.keys(ids) as Array<keyof typeof ids>)
    await h?.client.workflow
      .getHandle(workflowIdOf(key))
      .terminate('test over')
      .catch(() => undefined);
  await h?.close();
});

/** The workflow ids of ours that the query lists (other test files' workflows share the server). */
async function found(query: string): Promise<string[]> {
  const ours = new Set((Object.keys(ids) as Array<keyof typeof ids>).map(workflowIdOf));
  const listed: string[] = [];
  for await (const wf of h.client.workflow.list({ query })) if (ours.has(wf.workflowId)) listed.push(wf.workflowId);
  return listed.sort();
}

describe('the saved views of docs/operations.md §12', () => {
  it('lists the views, each with an add link to the UI’s workflows page carrying its query and its name', () => {
    expect(views.map((v) => v.name)).toEqual([
      'Needs attention',
      'FBM ship risk',
      'FBM to ship',
      'Account demo-na',
      'Marketplace DE',
      'Failed runs',
    ]);
    for (const v of views) {
      const url = new URL(v.link!);
      expect(`${url.origin}${url.pathname}`).toBe('http://127.0.0.1:8233/namespaces/default/workflows');
      expect({ query: url.searchParams.get('query'), savedQuery: url.searchParams.get('savedQuery') }).toEqual({
        query: v.query,
        savedQuery: v.name,
      });
      expect(v.name).toMatch(/^[A-Za-z0-9 _.-]+$/); // the names the UI's own Save dialog accepts
    }
  });

  it('every query runs on Temporal with our search attributes', async () => {
    for (const v of views) await expect(h.client.workflow.count(v.query)).resolves.toBeDefined();
  });

  it('each finds the orders it names', async () => {
    await eventually(async () => {
      expect(await found(view('Needs attention').query)).toEqual([workflowIdOf('flagged')]);
      expect(await found(view('FBM ship risk').query)).toEqual([workflowIdOf('risky')]);
      expect(await found(view('FBM to ship').query)).toEqual([workflowIdOf('confirmed'), workflowIdOf('risky')].sort());
      expect(await found(view('Account demo-na').query)).toEqual(
        [workflowIdOf('confirmed'), workflowIdOf('risky'), workflowIdOf('flagged')].sort(),
      );
      expect(await found(view('Marketplace DE').query)).toEqual([]);
    });
  });
});
