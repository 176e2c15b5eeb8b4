import type { Command } from 'commander';
import { Connection } from '@temporalio/client';
import { optionalTsToDate } from '@temporalio/common';
import { temporal } from '@temporalio/proto';
import { CliContext, withContext } from '../context';
import { limitOption } from '../options';
import { print, table } from '../output';
import { appSecretView } from './apps';
import { createDb, ping } from '../../db';
import { listAppSecrets, describeExpiry } from '../../book/lwa-apps';
import { ordersNeedingAttention } from '../../book/order-lifecycle';
import { needsAttentionByAccount } from '../../book/orders';
import { lastSyncs, StockRun } from '../../book/sync-status';
import { maskUrlPasswords } from '../../lib/redact';
import { readRuntime, runtimeFile } from '../../lib/runtime';

/**
 * `connector status`: what runs and where (the running `connector start`'s runtime file, else the configuration), the
 * workers polling the task queue, each account's last order and stock syncs, orders waiting in needs_attention, and
 * when each LWA app's client secret expires. Each part that cannot be read says why; the rest is still shown.
 */
export function register(program: Command): void {
  program
    .command('status')
    .description(
      'what runs and where (URLs), the last order and stock sync per account, orders waiting in needs_attention, LWA client secret expiries',
    )
    .addOption(limitOption('needs-attention orders to list, newest first', 5, 100))
    .action((opts: { limit: number }, cmd: Command) =>
      withContext(async (ctx) => {
        const report = await gatherStatus(ctx, opts.limit);
        print(cmd, report, () => describeStatus(report));
        if (report.database.status !== 'ok') process.exitCode = 1;
      }),
    );
}

const failure = (err: unknown) => `unavailable: ${(err as Error).message.split('\n')[0]}`;

async function gatherStatus(ctx: CliContext, limit: number) {
  const { config } = ctx;
  const runtime = readRuntime(config);
  const databaseUrl = config.DATABASE_URL ?? runtime.databaseUrl;
  const temporalAddress = config.TEMPORAL_ADDRESS ?? runtime.temporalAddress;
  const start = runtime.pid
    ? {
        pid: runtime.pid,
        runtimeFile: runtimeFile(config),
        uiUrl: runtime.uiUrl ? `${runtime.uiUrl}/namespaces/${config.TEMPORAL_NAMESPACE}/workflows` : null,
        codecUrl: runtime.codecUrl ?? null,
        metricsUrl: runtime.metricsUrl ?? null,
        sandboxUrl: runtime.sandboxUrl ?? null,
      }
    : null;
  const [database, temporalStatus] = await Promise.all([
    readBook(databaseUrl, limit),
    temporalAddress ? readTemporal(temporalAddress, config.TEMPORAL_NAMESPACE, config.TEMPORAL_TASK_QUEUE) : null,
  ]);
  return {
    start,
    database: {
      url: databaseUrl ? maskUrlPasswords(databaseUrl) : null,
      status: databaseUrl ? database.status : 'not configured: set DATABASE_URL or run `connector start`',
    },
    temporal: {
      address: temporalAddress ?? null,
      namespace: config.TEMPORAL_NAMESPACE,
      taskQueue: config.TEMPORAL_TASK_QUEUE,
      ...(temporalStatus ?? { status: 'not configured: set TEMPORAL_ADDRESS or run `connector start`', workers: [] }),
    },
    accounts: database.accounts,
    needsAttention: database.needsAttention,
    appSecrets: database.appSecrets,
  };
}

/** Everything status reads from the book, on a connection of its own: an unreachable database is a status, not a stack. */
async function readBook(databaseUrl: string | undefined, limit: number) {
  const empty = { accounts: [], needsAttention: { count: 0, newest: [] }, appSecrets: [] };
  if (!databaseUrl) return { status: 'not configured', ...empty };
  const db = createDb(databaseUrl, { max: 2 });
  try {
    await ping(db);
    const [accounts, counts, newest, apps] = await Promise.all([
      lastSyncs(db, {}),
      needsAttentionByAccount(db, {}),
      ordersNeedingAttention(db, { limit }),
      listAppSecrets(db, {}),
    ]);
    return {
      status: 'ok',
      accounts,
      needsAttention: { count: counts.reduce((n, c) => n + c.orders, 0), newest },
      appSecrets: apps.map(appSecretView),
    };
  } catch (err) {
    return { status: failure(err), ...empty };
  } finally {
    await db.destroy();
  }
}

/** Whether Temporal answers, and the workers polling the connector's task queue (their identity is pid@host). */
async function readTemporal(address: string, namespace: string, taskQueue: string) {
  let connection: Connection | undefined;
  try {
    connection = await Connection.connect({ address, connectTimeout: 3_000 });
    const res = await connection.workflowService.describeTaskQueue({
      namespace,
      taskQueue: { name: taskQueue },
      taskQueueType: temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
    });
    const workers = (res.pollers ?? []).map((p) => ({
      identity: p.identity ?? '',
      lastPoll: optionalTsToDate(p.lastAccessTime)?.toISOString() ?? null,
    }));
    return { status: 'ok', workers };
  } catch (err) {
    return { status: failure(err), workers: [] };
  } finally {
    await connection?.close();
  }
}

type Status = Awaited<ReturnType<typeof gatherStatus>>;

const ago = (d: Date | string | null) => {
  if (!d) return 'never';
  const minutes = Math.round((Date.now() - new Date(d).getTime()) / 60_000);
  const when = minutes < 120 ? `${minutes} min ago` : `${Math.round(minutes / 60)} h ago`;
  return `${new Date(d).toISOString().slice(0, 16).replace('T', ' ')}Z (${when})`;
};

function describeRun(run: StockRun | null): string {
  if (!run) return 'never';
  const counts = run.messages ? `, ${run.messages} sent: ${run.accepted} accepted, ${run.rejected} rejected` : '';
  return `${run.status} ${ago(run.finishedAt ?? run.startedAt)}${counts}${run.error ? ` (${run.error})` : ''}`;
}

function describeStatus(s: Status): string {
  const lines: string[] = [];
  const row = (label: string, value: string) => lines.push(`  ${label.padEnd(15)} ${value}`);
  lines.push(
    s.start
      ? `connector start: running (pid ${s.start.pid}, ${s.start.runtimeFile})`
      : 'connector start: not running here (no runtime file of a live process); showing the configuration',
  );
  row('PostgreSQL', `${s.database.url ?? '-'}  ${s.database.status}`);
  const workers = s.temporal.workers.map((w) => w.identity).join(', ');
  row(
    'Temporal',
    `${s.temporal.address ?? '-'}  ${s.temporal.status}` +
      (s.temporal.status === 'ok'
        ? `; ${s.temporal.workers.length} worker(s) on task queue ${s.temporal.taskQueue}${workers ? `: ${workers}` : ''}`
        : ''),
  );
  if (s.start?.uiUrl) row('Temporal UI', s.start.uiUrl);
  if (s.start?.codecUrl) row('codec server', s.start.codecUrl);
  if (s.start?.metricsUrl) row('metrics', s.start.metricsUrl);
  if (s.start?.sandboxUrl) row('SP-API sandbox', s.start.sandboxUrl);
  if (s.database.status !== 'ok') return lines.join('\n');

  lines.push('', 'Syncs per account');
  lines.push(
    table(
      s.accounts.map((a) => ({
        account: `${a.account}${a.enabled ? '' : ' (disabled)'}`,
        'orders searched up to': ago(a.ordersSyncedUpTo),
        'stock sync': describeRun(a.stockSync),
        'FBA stock sync': describeRun(a.fbaStockSync),
      })),
    ).replace(/^/gm, '  '),
  );
  lines.push('', `Orders in needs_attention: ${s.needsAttention.count}`);
  for (const o of s.needsAttention.newest)
    lines.push(`  ${o.amazonOrderId} (${o.account}) ${o.source} since ${o.since}: ${(o.reason ?? '').slice(0, 140)}`);
  if (s.needsAttention.count)
    lines.push('  fix the cause, then `connector orders retry <amazonOrderId>` (docs/operations.md §4)');
  lines.push('', 'LWA client secrets');
  for (const app of s.appSecrets) lines.push(`  ${app.clientId}  ${describeExpiry(app)}  (${app.accounts.join(', ')})`);
  for (const app of s.appSecrets) if (app.warning) lines.push(`  warning: ${app.warning}`);
  return lines.join('\n');
}
