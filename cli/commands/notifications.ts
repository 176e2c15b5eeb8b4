import { Command, Option } from 'commander';
import { listSetAsideNotifications, listSubscriptions, processedNotificationCounts } from '../../book/notifications';
import { withContext } from '../context';
import { NOTIFICATION_TYPES, ORDER_CHANGE, subscribeAccount, unsubscribeAccount } from '../notification-subscriptions';
import { print, table } from '../output';

/** `connector notifications`: Amazon's ORDER_CHANGE and TRANSACTION_UPDATE notifications through SQS (docs/notifications.md). */
export function register(program: Command): void {
  const notifications = program
    .command('notifications')
    .description('ORDER_CHANGE notifications through SQS: orders in seconds (docs/notifications.md)');

  notifications
    .command('subscribe')
    .description(
      "subscribe an account to ORDER_CHANGE (or TRANSACTION_UPDATE) on an SQS queue (Amazon's destination and subscription; idempotent)",
    )
    .requiredOption('--account <id>', 'the seller account')
    .addOption(notificationTypeOption())
    .requiredOption('--queue-arn <arn>', 'the SQS queue, arn:aws:sqs:<region>:<account>:<name>')
    .option('--queue-url <url>', 'its URL, if GetQueueUrl cannot find it from the ARN')
    .action((opts, cmd: Command) =>
      withContext(async (ctx) => {
        const s = await subscribeAccount(ctx.getDb(), ctx.config, {
          accountId: opts.account,
          queueArn: opts.queueArn,
          queueUrl: opts.queueUrl,
          notificationType: opts.type,
        });
        const what = s.subscriptionCreated ? 'subscribed' : 'already subscribed';
        print(
          cmd,
          s,
          `${s.accountId}: ${what} to ${s.notificationType} on ${s.queueArn} (destination ${s.destinationId}${s.destinationCreated ? ', new' : ''}, subscription ${s.subscriptionId}); the worker consumes it`,
        );
      }),
    );

  notifications
    .command('list')
    .description('subscriptions per account, notifications handled, and the latest messages set aside')
    .option('--account <id>', 'one account')
    .action((opts, cmd: Command) =>
      withContext(async (ctx) => {
        const db = ctx.getDb();
        const subscriptions = await listSubscriptions(db, { accountId: opts.account });
        const handled = await processedNotificationCounts(db, { accountId: opts.account });
        const setAside = await listSetAsideNotifications(db, { accountId: opts.account, limit: 20 });
        print(cmd, { subscriptions, handled, setAside }, () =>
          [
            table(
              subscriptions.map((s) => ({
                account: s.accountId,
                type: s.notificationType,
                queue: s.queueUrl ?? s.queueArn,
                subscription: s.subscriptionId,
                enabled: s.enabled,
              })),
            ),
            `handled: ${
              Object.entries(handled)
                .map(([k, v]) => `${k} ${v}`)
                .join(', ') || 'none yet'
            }`,
            `set aside: ${setAside.length}${setAside.length ? ' (connector notifications poison)' : ''}`,
          ].join('\n'),
        );
      }),
    );

  notifications
    .command('poison')
    .description('messages set aside (malformed, unknown type, unknown seller) with the reason')
    .option('--account <id>', 'one account')
    .option('--limit <n>', 'how many, newest first', '50')
    .action((opts, cmd: Command) =>
      withContext(async (ctx) => {
        const rows = await listSetAsideNotifications(ctx.getDb(), {
          accountId: opts.account,
          limit: Number(opts.limit),
        });
        print(cmd, rows, () =>
          table(
            rows.map((r) => ({
              id: r.id,
              at: r.receivedAt,
              account: r.accountId ?? '',
              type: r.notificationType ?? '',
              notificationId: r.notificationId ?? '',
              reason: r.reason,
            })),
          ),
        );
      }),
    );

  notifications
    .command('unsubscribe')
    .description(
      "delete the account's ORDER_CHANGE (or --type) subscription at Amazon; the scheduled syncs keep polling",
    )
    .requiredOption('--account <id>', 'the seller account')
    .addOption(notificationTypeOption())
    .action((opts, cmd: Command) =>
      withContext(async (ctx) => {
        const removed = await unsubscribeAccount(ctx.getDb(), ctx.config, opts.account, opts.type);
        print(
          cmd,
          { ...removed, removed: true },
          `${removed.accountId}: unsubscribed from ${removed.notificationType}`,
        );
      }),
    );
}

/** ORDER_CHANGE: orders in seconds; TRANSACTION_UPDATE: a financeSync soon after Amazon posts a transaction. */
function notificationTypeOption(): Option {
  return new Option('--type <type>', 'the notification type').choices([...NOTIFICATION_TYPES]).default(ORDER_CHANGE);
}
