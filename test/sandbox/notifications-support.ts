import {
  CreateQueueCommand,
  DeleteMessageBatchCommand,
  GetQueueAttributesCommand,
  Message,
  ReceiveMessageCommand,
  SQSClient,
} from '@aws-sdk/client-sqs';
import { MotoServer, startMoto } from '../../lib/moto';
import { http, TestSandbox, TestSeller } from './support';

/** Helpers for the notification tests: moto as the SQS server, queues, grantless tokens, receiving messages. */

/** Starts moto and points the AWS SDK's standard settings at it (the sandbox's publisher reads the same ones). */
export async function startTestMoto(): Promise<{ moto: MotoServer; sqs: SQSClient }> {
  const moto = await startMoto();
  Object.assign(process.env, moto.env);
  return { moto, sqs: new SQSClient({}) };
}

let queues = 0;

/** A new queue and its ARN as SQS reports it. */
export async function newQueue(sqs: SQSClient, prefix = 'spapi-notifications'): Promise<{ url: string; arn: string }> {
  const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: `${prefix}-${++queues}-${Date.now()}` }));
  const attrs = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
  return { url: QueueUrl!, arn: attrs.Attributes!.QueueArn! };
}

/** Receives (and deletes) messages until `count` arrived or `timeoutMs` passed; then a last short poll for extras. */
export async function receive(
  sqs: SQSClient,
  url: string,
  count: number,
  timeoutMs = 10_000,
): Promise<Array<{ body: any; at: number }>> {
  const got: Array<{ body: any; at: number }> = [];
  const deadline = Date.now() + timeoutMs;
  const poll = async (wait: number) => {
    const res = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: url, MaxNumberOfMessages: 10, WaitTimeSeconds: wait }),
    );
    const messages: Message[] = res.Messages ?? [];
    for (const m of messages) got.push({ body: JSON.parse(m.Body!), at: Date.now() });
    if (messages.length) {
      await sqs.send(
        new DeleteMessageBatchCommand({
          QueueUrl: url,
          Entries: messages.map((m, i) => ({ Id: String(i), ReceiptHandle: m.ReceiptHandle! })),
        }),
      );
    }
    return messages.length;
  };
  while (got.length < count && Date.now() < deadline) await poll(1);
  while ((await poll(0)) > 0); // anything beyond `count` (duplicates the test must see)
  return got;
}

/** Waits until the publisher has nothing pending or held for the type (ORDER_CHANGE by default). */
export async function publisherIdle(t: TestSandbox, timeoutMs = 10_000, type = 'ORDER_CHANGE'): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const s = (await t.admin.notificationStats())[type];
    if (!s || (s.pending === 0 && s.held === 0)) return;
    if (Date.now() > deadline) throw new Error(`publisher still busy: ${JSON.stringify(s)}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/** An LWA token from the client_credentials grant (a grantless operation's token). */
export async function grantlessToken(
  t: TestSandbox,
  seller: TestSeller,
  scope = 'sellingpartnerapi::notifications',
): Promise<string> {
  const res = await http(`${t.url}/auth/o2/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({
      grant_type: 'client_credentials',
      scope,
      client_id: seller.spec.clientId,
      client_secret: seller.spec.clientSecret,
    }).toString(),
  });
  if (res.status !== 200) throw new Error(`client_credentials: ${res.status} ${res.text}`);
  return res.json.access_token;
}

/** A destination for the queue (grantless) and the seller's subscription to it (ORDER_CHANGE by default). */
export async function subscribe(
  t: TestSandbox,
  seller: TestSeller,
  arn: string,
  processingDirective?: Record<string, unknown>,
  notificationType = 'ORDER_CHANGE',
): Promise<{ destinationId: string; subscriptionId: string }> {
  const token = await grantlessToken(t, seller);
  const dest = await seller.call('POST', '/notifications/v1/destinations', {
    token,
    body: { name: `queue ${arn}`, resourceSpecification: { sqs: { arn } } },
  });
  if (dest.status !== 200) throw new Error(`createDestination: ${dest.status} ${dest.text}`);
  const destinationId = dest.json.payload.destinationId;
  const sub = await seller.call('POST', `/notifications/v1/subscriptions/${notificationType}`, {
    body: { payloadVersion: '1.0', destinationId, ...(processingDirective ? { processingDirective } : {}) },
  });
  if (sub.status !== 200) throw new Error(`createSubscription: ${sub.status} ${sub.text}`);
  return { destinationId, subscriptionId: sub.json.payload.subscriptionId };
}
