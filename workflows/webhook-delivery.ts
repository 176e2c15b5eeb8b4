import { ActivityFailure, ApplicationFailure, continueAsNew, proxyActivities } from '@temporalio/workflow';
import type { WebhookDeliveryActivities } from '../activities/webhook-delivery';
import { BOOK_WRITE, WEBHOOK_DELIVERY } from './retry-policies';

export interface WebhookDeliveryInput {
  endpointId: string;
  /** How long a failing endpoint is retried before it is disabled (CONNECTOR_WEBHOOK_RETRY_FOR, default 3 days). */
  retryForMs: number;
}

/** Batches of deliveries per run before continue-as-new: a busy endpoint's history stays small. */
const BATCHES_PER_RUN = 200;

/**
 * One per webhook endpoint (id `webhook:<endpointId>`, on the webhooks task queue with its own worker slots, so a slow
 * or dead endpoint never delays another, nor the order path). Delivers the feed to it in order, at least once; an
 * endpoint that keeps failing for `retryForMs`, or answers 410, is disabled with the reason.
 */
export async function webhookDelivery(input: WebhookDeliveryInput): Promise<void> {
  const { deliverWebhookEvents } = proxyActivities<WebhookDeliveryActivities>({
    ...WEBHOOK_DELIVERY,
    scheduleToCloseTimeout: input.retryForMs,
  });
  const { disableWebhookEndpoint } = proxyActivities<WebhookDeliveryActivities>(BOOK_WRITE);
  for (let batch = 0; batch < BATCHES_PER_RUN; batch++) {
    try {
      // An idle wait must end well inside the retry window, which also bounds each activity's whole run.
      const maxWaitMs = Math.min(30_000, Math.floor(input.retryForMs / 4));
      if ((await deliverWebhookEvents({ endpointId: input.endpointId, maxWaitMs })).stopped) return;
    } catch (err) {
      if (!(err instanceof ActivityFailure)) throw err;
      const cause = err.cause instanceof ApplicationFailure ? err.cause.message : (err.cause?.message ?? err.message);
      await disableWebhookEndpoint({
        endpointId: input.endpointId,
        reason: `disabled ${new Date().toISOString()} after failed deliveries: ${cause}`,
      });
      return;
    }
  }
  await continueAsNew<typeof webhookDelivery>(input);
}
