import path from 'path';
import { CreateQueueCommand, GetQueueAttributesCommand, SQSClient } from '@aws-sdk/client-sqs';
import type { Db } from '../db';
import { accountEndpoints, findAccount, saveAccount } from '../book/accounts';
import { importProducts } from '../book/products';
import type { Config } from '../lib/config';
import { startMoto } from '../lib/moto';
import { keyringFromEnv } from '../lib/secrets';
import { NOTIFICATION_TYPES, subscribeAccount } from './notification-subscriptions';
import { startSandbox } from '../sandbox';
import { DEMO_SELLERS, seedDemo } from '../sandbox/demo';
import { CATALOG } from '../sandbox/generator-data';

/** The sandbox runs at x60 in the demo so that imports take seconds; the limiter follows (SPAPI_RATE_SPEEDUP). */
export const DEMO_RATE_SPEEDUP = 60;

/**
 * The demo's Amazon: a sandbox on SANDBOX_PORT (state kept in .data/sandbox.json), two demo sellers with a listed
 * catalog and generated orders, the matching connector accounts, and the catalog's products in the book.
 */
export async function createDemoAccounts(
  db: Db,
  options: { port: number; ordersPerAccount: number; dataDir: string; seed?: number },
): Promise<{ url: string; accountIds: string[]; speedup: number; close(): Promise<void> }> {
  const sandbox = await startSandbox({
    port: options.port,
    rateLimits: `x${DEMO_RATE_SPEEDUP}`,
    statePath: path.join(options.dataDir, 'sandbox.json'),
    seed: options.seed ?? 7,
  });
  try {
    await seedDemo(sandbox.url, { seed: options.seed ?? 7, orders: options.ordersPerAccount });
    const keyring = keyringFromEnv();
    for (const seller of DEMO_SELLERS) {
      const exists = await findAccount(db, { accountId: seller.name });
      if (exists) continue;
      await saveAccount(db, {
        keyring,
        account: {
          id: seller.name,
          sellerId: seller.sellerId,
          region: seller.region,
          endpoint: sandbox.url,
          clientId: seller.clientId,
          clientSecret: seller.clientSecret,
          refreshToken: seller.refreshToken,
        },
        marketplaces: seller.marketplaceIds.map((marketplaceId) => ({
          marketplaceId,
          participating: true,
          enabled: true,
        })),
      });
    }
    // A believable warehouse: each seller-fulfilled product on a shelf (FBA stock is Amazon's), at its list price.
    await importProducts(db, {
      products: CATALOG.map((item, i) => ({
        sku: item.sku,
        name: item.title.en,
        price: item.basePrice,
        ...(item.fulfilledBy === 'MERCHANT' ? { onHand: 24 + ((i * 37) % 60) } : {}),
      })),
      keepExisting: true,
    });
  } catch (err) {
    await sandbox.close();
    throw err;
  }
  return {
    url: sandbox.url,
    accountIds: DEMO_SELLERS.map((s) => s.name),
    speedup: DEMO_RATE_SPEEDUP,
    close: sandbox.close,
  };
}

/** True when every account talks to the demo sandbox (or there is none yet): `connector start` runs the sandbox then. */
export async function isDemoBook(db: Db, sandboxUrl: string): Promise<boolean> {
  return (await accountEndpoints(db, {})).every((endpoint) => endpoint === sandboxUrl);
}

/** The demo's SQS queue (on moto), which every demo account's ORDER_CHANGE subscription delivers to. */
export const DEMO_QUEUE = 'connector-demo-orders';

/**
 * The demo's SQS: moto's server (installed under .tools/moto on first use), with the AWS SDK's standard settings
 * pointed at it for this process (the sandbox's publisher and the worker's consumer both read them), unless
 * AWS_ENDPOINT_URL_SQS already names an SQS server. Started before the sandbox: a sandbox state kept from an earlier
 * run already has subscriptions and publishes as soon as it seeds.
 */
export async function startDemoSqs(dataDir: string): Promise<{ stop(): Promise<void>; url: string }> {
  if (process.env.AWS_ENDPOINT_URL_SQS) return { url: process.env.AWS_ENDPOINT_URL_SQS, stop: async () => {} };
  const moto = await startMoto({ logFile: path.join(dataDir, 'moto.log') });
  for (const [name, value] of Object.entries(moto.env)) process.env[name] ??= value;
  process.env.AWS_ENDPOINT_URL_SQS = moto.url;
  return { url: moto.url, stop: moto.stop };
}

/** The demo queue (made if missing) and each demo account subscribed to ORDER_CHANGE on it (idempotent). */
export async function subscribeDemoAccounts(db: Db, config: Config, accountIds: string[]): Promise<string> {
  const sqs = new SQSClient({});
  try {
    const { QueueUrl } = await sqs.send(new CreateQueueCommand({ QueueName: DEMO_QUEUE }));
    const attributes = await sqs.send(new GetQueueAttributesCommand({ QueueUrl, AttributeNames: ['QueueArn'] }));
    const queueArn = attributes.Attributes!.QueueArn!;
    for (const accountId of accountIds)
      for (const notificationType of NOTIFICATION_TYPES)
        await subscribeAccount(db, config, { accountId, queueArn, queueUrl: QueueUrl, notificationType });
    return QueueUrl!;
  } finally {
    sqs.destroy();
  }
}
