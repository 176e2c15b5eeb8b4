import type { Client } from '@temporalio/client';
import { z } from 'zod';
import { listAccounts } from '../../book/accounts';
import { accountMarketplaces } from '../../book/marketplaces';
import type { Scope, TokenInfo } from '../../book/api-tokens';
import { findOrder, ordersPage, OrderView, orderView } from '../../book/orders';
import { checkShipmentRequest } from '../../book/packages';
import { listMismatches, listPayouts, payoutView } from '../../book/payouts';
import { pickList } from '../../book/pick-list';
import { stockLevels } from '../../book/stock-levels';
import { lastSyncs } from '../../book/sync-status';
import { getWebhook, listWebhooks, webhookAttempts } from '../../book/webhooks';
import type { Db } from '../../db';
import { InvalidShipment } from '../../lib/errors';
import type { Logger } from '../../lib/logger';
import { retry } from '../../workflows/order';
import { HttpError } from '../app';
import type { Answer } from './idempotency';
import { countStock } from './stock-counts';
import { REFUSAL_STATUS, ShipmentNotTaken, ShipmentOutcome, shipAndAwait } from './shipping';

/**
 * What the Book API v1 does, once, for its two doors: the JSON handlers (servers/api-v1/*.ts) and the console's pages
 * (servers/console/). Each function takes the caller's token and refuses (403 naming the scope) what its scopes do not
 * allow, so a page can do nothing the API would refuse. The book is reached only through its operations.
 */
export interface V1Services {
  db: Db;
  temporal: () => Promise<Client>;
  taskQueue: string;
  /** The Temporal Web UI's base URL and namespace, for each order's workflow link. */
  temporalUiUrl: string;
  namespace: string;
  /** How long a shipment waits for Amazon's answer at most (about 30 s). */
  shipmentWaitMs: number;
  logger?: Logger;
}

/** Who asks, and where their PII reads are logged (the request's logger). */
export interface Caller {
  token: TokenInfo;
  log: Pick<Logger, 'info'>;
}

export const scopeRefusal = (scope: Scope) =>
  new HttpError(
    403,
    'forbidden',
    `this token lacks the scope "${scope}": create one with --scopes ${scope} (\`connector api tokens create\`)`,
    { details: { missingScope: scope } },
  );

export function assertScope(caller: Caller, scope: Scope): void {
  if (!caller.token.scopes.includes(scope)) throw scopeRefusal(scope);
}

export const can = (caller: Caller, scope: Scope): boolean => caller.token.scopes.includes(scope);

const notFound = (amazonOrderId: string) =>
  new HttpError(404, 'not_found', `no order ${amazonOrderId} in the book (check the id, or its account)`);

/** Without the `pii` scope: no buyer, no street, no phone, no gift message; city, postal code and country stay. */
function withoutPii(view: OrderView): OrderView {
  const address = view.deliveryAddress;
  return {
    ...view,
    customer: null,
    deliveryAddress: address && {
      ...address,
      name: null,
      company: null,
      street: null,
      street2: null,
      street3: null,
      phone: null,
    },
    lines: view.lines.map((l) => (l.kind === 'note' ? { ...l, note: null } : l)),
  };
}

export const OrderDetail = OrderView.extend({
  /** The order's workflow in the Temporal Web UI. */
  workflowUrl: z.string(),
  /** Whether customer and address are included (the token has the `pii` scope). */
  pii: z.boolean(),
});
export type OrderDetail = z.infer<typeof OrderDetail>;

type Input<F extends (...args: any) => any> = Parameters<F>[1];

export async function listOrderPage(s: V1Services, caller: Caller, query: Input<typeof ordersPage>) {
  assertScope(caller, 'read');
  return ordersPage(s.db, query);
}

export async function orderDetail(
  s: V1Services,
  caller: Caller,
  key: { amazonOrderId: string; account?: string },
): Promise<OrderDetail> {
  assertScope(caller, 'read');
  const view = await orderView(s.db, { amazonOrderId: key.amazonOrderId, accountId: key.account });
  if (!view) throw notFound(key.amazonOrderId);
  const pii = can(caller, 'pii');
  // Who read PII, never the PII itself.
  if (pii) caller.log.info({ tokenName: caller.token.name, amazonOrderId: key.amazonOrderId }, 'PII read: order');
  const workflowUrl = `${s.temporalUiUrl}/namespaces/${encodeURIComponent(s.namespace)}/workflows/${encodeURIComponent(view.workflowId)}`;
  return { ...(pii ? view : withoutPii(view)), workflowUrl, pii };
}

export async function deliveries(
  s: V1Services,
  caller: Caller,
  query: Omit<NonNullable<Input<typeof pickList>>, 'withRecipient'>,
) {
  assertScope(caller, 'read');
  const withRecipient = can(caller, 'pii');
  if (withRecipient) caller.log.info({ tokenName: caller.token.name }, 'PII read: pick list recipients');
  return pickList(s.db, { ...query, withRecipient });
}

/** A package shipped: recorded by the order's workflow (the `ship` Update), then Amazon's answer awaited. */
export async function shipPackage(
  s: V1Services,
  caller: Caller,
  input: { amazonOrderId: string; account?: string; shipment: unknown; wait: boolean; updateId?: string },
): Promise<{ status: 201 | 202 | 422; body: ShipmentOutcome }> {
  assertScope(caller, 'ship');
  let checked;
  try {
    checked = await checkShipmentRequest(s.db, {
      amazonOrderId: input.amazonOrderId,
      accountId: input.account,
      payload: input.shipment,
      wording: 'json',
    });
  } catch (err) {
    if (err instanceof InvalidShipment)
      throw new HttpError(REFUSAL_STATUS[err.refusal], err.refusal, err.message, { field: err.field });
    throw err;
  }
  let outcome: ShipmentOutcome;
  try {
    outcome = await shipAndAwait(s.db, await s.temporal(), {
      order: checked.order,
      shipment: checked.shipment,
      waitMs: input.wait ? s.shipmentWaitMs : 0,
      updateId: input.updateId,
    });
  } catch (err) {
    if (err instanceof ShipmentNotTaken)
      throw new HttpError(err.code === 'workflow_closed' ? 409 : 422, err.code, err.message);
    throw err;
  }
  const status = outcome.amazon === 'accepted' ? 201 : outcome.amazon === 'rejected' ? 422 : 202;
  return { status, body: outcome };
}

/** The `retry` signal to an order flagged needs_attention. */
export async function retryOrder(
  s: V1Services,
  caller: Caller,
  key: { amazonOrderId: string; account?: string },
): Promise<{ status: 202; body: { workflowId: string; signalled: 'retry' } }> {
  assertScope(caller, 'ship');
  const order = await findOrder(s.db, { amazonOrderId: key.amazonOrderId, accountId: key.account });
  if (!order) throw notFound(key.amazonOrderId);
  if (order.state !== 'needs_attention')
    throw new HttpError(
      409,
      'not_flagged',
      `${key.amazonOrderId} is ${order.state}, not waiting in needs_attention: retry is for an order flagged with a reason`,
    );
  await (await s.temporal()).workflow.getHandle(order.workflowId).signal(retry);
  return { status: 202, body: { workflowId: order.workflowId, signalled: 'retry' } };
}

export async function stockPage(s: V1Services, caller: Caller, query: Input<typeof stockLevels>) {
  assertScope(caller, 'read');
  return stockLevels(s.db, query);
}

/** Counted quantities in (all or nothing), then the debounced stockSync of every account selling the products. */
export async function putStock(
  s: V1Services,
  caller: Caller,
  input: { items: Array<{ sku: string; quantity: number; location?: string }>; idempotencyKey?: string },
): Promise<Answer> {
  assertScope(caller, 'stock');
  const { syncError, ...body } = await countStock(s.db, s.temporal, {
    items: input.items,
    origin: `api (${caller.token.name})`,
    taskQueue: s.taskQueue,
    ...(input.idempotencyKey ? { reference: `api:${caller.token.id}:${input.idempotencyKey}` } : {}),
  });
  // The stock is saved: the next scheduled stockSync sends it.
  if (syncError) s.logger?.warn({ err: syncError }, 'stock saved; no stock sync requested');
  return { status: 200, body };
}

export const AccountStatus = z.object({
  account: z.string(),
  sellerId: z.string(),
  region: z.string(),
  /** Sandbox base URL, or null for Amazon's real hosts. */
  endpoint: z.string().nullable(),
  enabled: z.boolean(),
  marketplaces: z.array(z.object({ code: z.string(), participating: z.boolean(), enabled: z.boolean() })),
  /** orderSync has searched Amazon up to here (null: never finished). */
  ordersSyncedUpTo: z.string().nullable(),
  /** The latest stockSync run: its status, when it finished, accepted and rejected SKUs, its error. */
  lastStockSync: z
    .object({
      status: z.string(),
      finishedAt: z.string().nullable(),
      accepted: z.number().int(),
      rejected: z.number().int(),
      error: z.string().nullable(),
    })
    .nullable(),
});
export type AccountStatus = z.infer<typeof AccountStatus>;

export async function accountStatuses(s: V1Services, caller: Caller): Promise<AccountStatus[]> {
  assertScope(caller, 'read');
  const [accounts, syncs] = await Promise.all([listAccounts(s.db, {}), lastSyncs(s.db, {})]);
  return Promise.all(
    accounts.map(async (a) => {
      const sync = syncs.find((x) => x.account === a.id);
      const run = sync?.stockSync;
      return {
        account: a.id,
        sellerId: a.sellerId,
        region: a.region,
        endpoint: a.endpoint,
        enabled: a.enabled,
        marketplaces: (await accountMarketplaces(s.db, { accountId: a.id })).map((m) => ({
          code: m.code,
          participating: m.participating,
          enabled: m.enabled,
        })),
        ordersSyncedUpTo: sync?.ordersSyncedUpTo?.toISOString() ?? null,
        lastStockSync: run
          ? {
              status: run.status,
              finishedAt: run.finishedAt?.toISOString() ?? null,
              accepted: run.accepted,
              rejected: run.rejected,
              error: run.error,
            }
          : null,
      };
    }),
  );
}

export async function webhookList(s: V1Services, caller: Caller) {
  assertScope(caller, 'admin');
  return listWebhooks(s.db, {});
}

export async function webhookDeliveries(s: V1Services, caller: Caller, input: { id: string; limit: number }) {
  assertScope(caller, 'admin');
  let webhook;
  try {
    webhook = await getWebhook(s.db, { id: input.id });
  } catch {
    throw new HttpError(404, 'not_found', `no webhook ${input.id}`);
  }
  return { webhook, attempts: await webhookAttempts(s.db, { id: webhook.id, limit: input.limit }) };
}

/** Payouts with their reconciliation, newest period first (Finances; docs/finances.md). */
export async function payoutPage(s: V1Services, caller: Caller, query: Input<typeof listPayouts>) {
  assertScope(caller, 'read');
  return listPayouts(s.db, query);
}

/** One payout by our id or Amazon's group id: its transactions and mismatches. */
export async function payoutDetail(s: V1Services, caller: Caller, key: { id: string; account?: string }) {
  assertScope(caller, 'read');
  const view = await payoutView(s.db, key);
  if (!view) throw new HttpError(404, 'not_found', `no payout ${key.id} in the book`);
  return view;
}

/** What reconciliation found: payouts whose transfer differs, orders charged unlike their proceeds. */
export async function mismatchPage(s: V1Services, caller: Caller, query: Input<typeof listMismatches>) {
  assertScope(caller, 'read');
  return listMismatches(s.db, query);
}
