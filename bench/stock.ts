/**
 * Stock sync benchmark: 100,000 FBM offers on one account, the sandbox's rate limits off.
 *   npx ts-node bench/stock.ts [--offers 100000]
 * Uses DATABASE_URL's server (default postgres://postgres@127.0.0.1:5432/postgres) for a fresh database
 * `connector_bench_stock`, TEMPORAL_ADDRESS or a Temporal dev server it starts, and a sandbox in a child process (as
 * Amazon would be: not sharing our event loop). Prints a table and `RESULT stock <s> <ratio>` where <s> is the first
 * run's compute + build + submit time and <ratio> the second run's (nothing changed) whole time over it.
 */
import { spawn, ChildProcess } from 'child_process';
import knexFactory from 'knex';
import { Client } from '@temporalio/client';
import { Runtime } from '@temporalio/worker';
import { saveAccount } from '../book/accounts';
import { locationId, setQuantities } from '../book/stock';
import { createDb, Db, migrateLatest } from '../db';
import { loadConfig } from '../lib/config';
import { keyringFromEnv } from '../lib/secrets';
import { freePort, resolveTemporalCli, startDevServer } from '../lib/temporal-cli';
import { SandboxAdmin } from '../sandbox/admin-client';
import { createConnectorWorker } from '../workers/worker';
import type { StockSyncResult } from '../workflows/stock-sync';

const DE = 'A1PA6795UKMFR9';
const SELLER = {
  sellerId: 'A5BENCHSELLER1',
  clientId: 'amzn1.application-oa2-client.bench',
  clientSecret: 'bench-secret',
  refreshToken: 'Atzr|bench',
};
const ACCOUNT = 'bench-eu';

const flag = (name: string) => {
  const i = process.argv.indexOf(name);
  return i > 0 ? process.argv[i + 1] : undefined;
};

/** The child process: a sandbox with limits off, fast feed processing; prints its URL, stops on SIGTERM. */
async function sandboxChild(): Promise<void> {
  const { startSandbox } = await import('../sandbox');
  const sandbox = await startSandbox({
    port: 0,
    rateLimits: 'off',
    feedQueueMs: 200,
    feedProcessingMs: 500,
    listingApplyDelayMs: 50,
  });
  process.stdout.write(`SANDBOX ${sandbox.url}\n`);
  await new Promise((resolve) => process.once('SIGTERM', resolve));
  await sandbox.close();
}

function startSandboxChild(): Promise<{ url: string; child: ChildProcess }> {
  const child = spawn(
    process.execPath,
    [require.resolve('ts-node/dist/bin'), '--transpile-only', __filename, '--sandbox-child'],
    {
      stdio: ['ignore', 'pipe', 'inherit'],
      env: { ...process.env, LOG_LEVEL: 'warn' },
    },
  );
  return new Promise((resolve, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      const match = /SANDBOX (\S+)/.exec(chunk.toString());
      if (match) resolve({ url: match[1], child });
    });
    child.once('exit', (code) => reject(new Error(`sandbox child exited with ${code}`)));
  });
}

async function freshDatabase(): Promise<{ db: Db; url: string }> {
  const adminUrl = process.env.DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';
  const admin = knexFactory({ client: 'pg', connection: adminUrl, pool: { min: 0, max: 1 } });
  await admin.raw('DROP DATABASE IF EXISTS connector_bench_stock WITH (FORCE)');
  await admin.raw('CREATE DATABASE connector_bench_stock');
  await admin.destroy();
  const u = new URL(adminUrl);
  u.pathname = '/connector_bench_stock';
  const db = createDb(u.toString(), { max: 20 });
  await migrateLatest(db);
  return { db, url: u.toString() };
}

/** 100k products with stock, FBM offers whose listing (product type, channel) was looked at just now. */
async function seedBook(db: Db, n: number): Promise<void> {
  await db.raw(
    `INSERT INTO products (sku, name) SELECT 'BENCH-' || lpad(i::text, 6, '0'), 'Bench product ' || i FROM generate_series(1, ?) i`,
    [n],
  );
  const ids = await db('products').whereNotNull('sku').orderBy('id').pluck('id');
  const wh = await locationId(db, 'WH');
  await db.transaction((trx) =>
    setQuantities(trx, {
      locationId: wh,
      items: ids.map((id, i) => ({ productId: id, quantity: 10 + (i % 50) })),
      referencePrefix: 'bench:',
      origin: 'bench',
    }),
  );
  await db.raw(
    `INSERT INTO offers (account_id, marketplace_id, seller_sku, product_id, channel, product_type, amazon_channel_code, listing_checked_at)
     SELECT ?, ?, sku, id, 'FBM', 'HOME', 'DEFAULT', now() FROM products WHERE sku LIKE 'BENCH-%'`,
    [ACCOUNT, DE],
  );
  // A book of 100,000 offers has planner statistics (autovacuum); right after a bulk insert it has none yet.
  await db.raw('ANALYZE');
}

async function putListings(admin: SandboxAdmin, n: number): Promise<void> {
  let next = 1;
  const worker = async () => {
    while (next <= n) {
      const i = next++;
      await admin.putListing(SELLER.sellerId, `BENCH-${String(i).padStart(6, '0')}`, {
        marketplaceId: DE,
        productType: 'HOME',
        quantity: 0,
      });
      if (i % 20_000 === 0) process.stderr.write(`  ${i} listings\n`);
    }
  };
  await Promise.all(Array.from({ length: 32 }, worker));
}

const ms = (t: any) => Number(t?.seconds ?? 0) * 1000 + Math.floor((t?.nanos ?? 0) / 1e6);

/** Phase times from the workflow's history: activity time per type, and start → last feed submitted. */
async function phases(client: Client, workflowId: string) {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  const events = history.events ?? [];
  const start = ms(events[0].eventTime);
  const scheduled = new Map<string, { type: string; at: number }>();
  const byType: Record<string, number> = {};
  let submitted = start;
  for (const e of events) {
    const s = e.activityTaskScheduledEventAttributes;
    if (s) scheduled.set(String(e.eventId), { type: s.activityType!.name!, at: ms(e.eventTime) });
    const c = e.activityTaskCompletedEventAttributes;
    if (c) {
      const from = scheduled.get(String(c.scheduledEventId))!;
      byType[from.type] = (byType[from.type] ?? 0) + ms(e.eventTime) - from.at;
      if (
        from.type === 'submitQuantityFeed' ||
        from.type === 'patchQuantities' ||
        from.type === 'prepareStockSubmissions'
      )
        submitted = ms(e.eventTime);
    }
  }
  const total = ms(events[events.length - 1].eventTime) - start;
  const t = (...types: string[]) => types.reduce((sum, x) => sum + (byType[x] ?? 0), 0);
  return {
    compute: t('planStockSync'),
    lookups: t('checkListings', 'discoverOffers'),
    buildSubmit: t('prepareStockSubmissions', 'submitQuantityFeed', 'patchQuantities'),
    apply: t('applyQuantityFeedResult'),
    toSubmitted: submitted - start,
    total,
  };
}

async function main(): Promise<void> {
  const n = Number(flag('--offers') ?? 100_000);
  process.env.CONNECTOR_SECRET_KEY ??= '5b'.repeat(32);
  process.env.LOG_LEVEL ??= 'warn';
  Runtime.install({ shutdownSignals: [] });
  const started = Date.now();
  const { db } = await freshDatabase();
  const temporal = process.env.TEMPORAL_ADDRESS
    ? { address: process.env.TEMPORAL_ADDRESS, stop: async () => {} }
    : await startDevServer({ executable: resolveTemporalCli(), port: await freePort() });
  const sandbox = await startSandboxChild();
  const admin = new SandboxAdmin(sandbox.url);
  try {
    await admin.createSeller({ ...SELLER, marketplaceIds: [DE] });
    await saveAccount(db, {
      keyring: keyringFromEnv(),
      account: { id: ACCOUNT, region: 'eu', endpoint: sandbox.url, ...SELLER },
      marketplaces: [{ marketplaceId: DE, participating: true, enabled: true }],
    });
    process.stderr.write(`seeding ${n} products, offers and listings...\n`);
    await seedBook(db, n);
    await putListings(admin, n);
    const config = loadConfig({ ...process.env, FEED_POLL_INTERVAL: '500ms' });
    const connector = await createConnectorWorker({
      config,
      db,
      temporalAddress: temporal.address,
      taskQueue: 'bench-stock',
      rateSpeedup: 0,
    });
    void connector.run();
    process.stderr.write(`set up in ${((Date.now() - started) / 1000).toFixed(1)} s; running stock syncs\n`);

    const rows: Array<Record<string, string | number>> = [];
    const run = async (label: string) => {
      const before = (await admin.stats()).feeds.messages;
      const workflowId = `stock-sync:${ACCOUNT}:bench:${rows.length}:${Date.now()}`;
      const result = (await connector.client.workflow.execute('stockSync', {
        taskQueue: 'bench-stock',
        workflowId,
        args: [{ accountId: ACCOUNT, reason: 'manual' }],
      })) as StockSyncResult;
      const p = await phases(connector.client, workflowId);
      const s = (x: number) => (x / 1000).toFixed(2);
      rows.push({
        run: label,
        changed: result.changed,
        sent: result.sent,
        'feed msgs (sandbox)': (await admin.stats()).feeds.messages - before,
        feeds: result.feeds.length,
        accepted: result.accepted,
        'compute s': s(p.compute),
        'lookups s': s(p.lookups),
        'build+submit s': s(p.buildSubmit),
        'start→submitted s': s(p.toSubmitted),
        'apply reports s': s(p.apply),
        'total s': s(p.total),
      });
      return p;
    };
    const first = await run(`first: ${n} changed`);
    const second = await run('second: no change');
    // Proportional to what changed: 1,000 offers' stock moves; half of them had their listing looked at long ago.
    await db.raw(
      `UPDATE offers SET listing_checked_at = now() - interval '2 hours' WHERE id IN (SELECT id FROM offers ORDER BY id LIMIT 500)`,
    );
    const some = await db('products').whereNotNull('sku').orderBy('id').limit(1_000).pluck('id');
    const wh = await locationId(db, 'WH');
    await db.transaction((trx) =>
      setQuantities(trx, {
        locationId: wh,
        items: some.map((id) => ({ productId: id, quantity: 3 })),
        referencePrefix: 'bench-change:',
        origin: 'bench',
      }),
    );
    await run('third: 1,000 changed');

    const columns = Object.keys(rows[0]);
    const width = columns.map((c) => Math.max(c.length, ...rows.map((r) => String(r[c]).length)));
    const line = (cells: string[]) => cells.map((v, i) => v.padStart(width[i])).join('  ');
    process.stdout.write(
      `\nstock sync, ${n} FBM offers on one account, sandbox limits off (${new Date().toISOString()})\n`,
    );
    process.stdout.write(
      `${line(columns)}\n${line(width.map((w) => '-'.repeat(w)))}\n${rows.map((r) => line(columns.map((c) => String(r[c])))).join('\n')}\n`,
    );
    process.stdout.write(
      `RESULT stock ${(first.toSubmitted / 1000).toFixed(2)} ${(second.total / first.toSubmitted).toFixed(4)}\n`,
    );
    await connector.close();
  } finally {
    sandbox.child.kill('SIGTERM');
    await temporal.stop();
    await db.destroy();
  }
}

if (process.argv.includes('--sandbox-child')) {
  sandboxChild().catch((err) => {
    console.error(err);
    process.exit(1);
  });
} else {
  main().catch((err) => {
    console.error(err);
    process.exit(1);
  });
}
