import type { Command } from 'commander';
import { createWebhookDeliveryActivities } from '../../activities/webhook-delivery';
import { EVENT_TYPES } from '../../book/events';
import { createWebhook, listWebhooks, removeWebhook, replayWebhook, setWebhookEnabled } from '../../book/webhooks';
import { logger } from '../../lib/logger';
import { keyringFromEnv } from '../../lib/secrets';
import { checkWebhookTarget, parseAllowedTargets } from '../../lib/webhook-target';
import { startWebhookDelivery } from '../../lib/workflow-client';
import { CliContext, withContext } from '../context';
import { print, table } from '../output';

/** `connector webhooks`: endpoints the event feed is pushed to (docs/events.md). */
export function register(program: Command): void {
  const webhooks = program
    .command('webhooks')
    .description('endpoints the events are pushed to, signed (docs/events.md)');
  const start = async (ctx: CliContext, endpointId: string) =>
    startWebhookDelivery(await ctx.getTemporal(), {
      taskQueue: ctx.config.TEMPORAL_TASK_QUEUE,
      endpointId,
      retryForMs: ctx.config.CONNECTOR_WEBHOOK_RETRY_FOR,
    });

  webhooks
    .command('add')
    .description('register an endpoint; its signing secret is printed once')
    .requiredOption('--url <url>', 'where to POST, e.g. https://wms.example.com/amazon-events')
    .option('--types <list>', `comma-separated event types, or * (${EVENT_TYPES.join(', ')})`, '*')
    .option('--description <text>', 'what it is for')
    .action((opts, cmd: Command) =>
      withContext(async (ctx) => {
        await checkWebhookTarget(opts.url, parseAllowedTargets(ctx.config.CONNECTOR_WEBHOOK_ALLOWED_HOSTS));
        const webhook = await createWebhook(ctx.getDb(), {
          keyring: keyringFromEnv(),
          url: opts.url,
          types: String(opts.types)
            .split(',')
            .map((t) => t.trim())
            .filter(Boolean),
          description: opts.description,
        });
        await start(ctx, webhook.id);
        print(
          cmd,
          webhook,
          `webhook ${webhook.id} → ${webhook.url} (${webhook.types.join(', ')})\nsigning secret: ${webhook.secret}\nIt is shown only now: verify each delivery with it (docs/events.md).`,
        );
      }),
    );

  webhooks
    .command('list')
    .description('the endpoints: types, enabled or disabled with the reason, how far each got')
    .action((_opts, cmd: Command) =>
      withContext(async (ctx) => {
        const rows = await listWebhooks(ctx.getDb(), {});
        print(cmd, rows, () =>
          table(
            rows.map((w) => ({
              id: w.id,
              url: w.url,
              types: w.types.join(','),
              enabled: w.enabled,
              cursor: w.cursor,
              disabled: w.disabledReason ?? '',
            })),
          ),
        );
      }),
    );

  webhooks
    .command('remove <id>')
    .description('remove an endpoint: its deliveries stop')
    .action((id: string, _opts, cmd: Command) =>
      withContext(async (ctx) => {
        await removeWebhook(ctx.getDb(), { id });
        print(cmd, { id, removed: true }, `webhook ${id} removed`);
      }),
    );

  webhooks
    .command('enable <id>')
    .description('enable an endpoint disabled after failures or a 410; it resumes where it stopped')
    .action((id: string, _opts, cmd: Command) =>
      withContext(async (ctx) => {
        const webhook = await setWebhookEnabled(ctx.getDb(), { id, enabled: true });
        await start(ctx, id);
        print(cmd, webhook, `webhook ${id} enabled: it resumes after event ${webhook.cursor}`);
      }),
    );

  webhooks
    .command('test <id>')
    .description('POST a signed test event (type webhook.test) to the endpoint now, and show its answer')
    .action((id: string, _opts, cmd: Command) =>
      withContext(async (ctx) => {
        const deliver = createWebhookDeliveryActivities({
          db: ctx.getDb(),
          keyring: keyringFromEnv(),
          allowed: parseAllowedTargets(ctx.config.CONNECTOR_WEBHOOK_ALLOWED_HOSTS),
          logger,
        });
        const answer = await deliver.testWebhook({ endpointId: id });
        const ok = answer.status !== null && answer.status >= 200 && answer.status < 300;
        print(
          cmd,
          answer,
          `${ok ? 'delivered' : 'FAILED'}: ${answer.error ?? `answered ${answer.status}`} in ${answer.latencyMs} ms`,
        );
        if (!ok) process.exitCode = 1;
      }),
    );

  webhooks
    .command('replay <id>')
    .description('deliver again every event since a time (the receiver dedups by webhook-id)')
    .requiredOption('--since <iso>', 'an ISO 8601 date-time, e.g. 2026-12-01T00:00:00Z')
    .action((id: string, opts, cmd: Command) =>
      withContext(async (ctx) => {
        const webhook = await replayWebhook(ctx.getDb(), { id, since: opts.since });
        await start(ctx, id);
        print(cmd, webhook, `webhook ${id} replays from event ${webhook.cursor + 1} on`);
      }),
    );
}
