import type { Knex } from 'knex';
import { z } from 'zod';
import { Cursor, decodeCursor, page } from './cursor';
import { operation } from './operation';

/**
 * The outbox: what changed in the book, for the feed (GET /v1/events) and the webhooks. Book operations write their
 * events with `emit`, in the same transaction as the change and as its last statement: a change that rolls back leaves
 * no event, a committed change always has its own. Events carry ids, states and counts, never personal data; each has
 * a link to the full record in the API.
 *
 * Gap-free: `emit` takes a transaction-level advisory lock before it draws the sequence and holds it to commit, so
 * sequences are handed out in commit order. A reader of `sequence > cursor` therefore never skips an event that
 * commits late (the trap of plain sequences, where a transaction that drew 10 commits after the one that drew 11).
 * The price: event-writing transactions commit one at a time from their last statement on (milliseconds).
 */

/** The advisory lock key of the outbox (any constant; "outbox" in ASCII). */
const OUTBOX_LOCK = 0x6f7574626f78;
/** The channel `emit` notifies at commit: webhook deliveries wake up on it instead of polling. */
export const EVENTS_CHANNEL = 'connector_events';

const link = z.string().describe('the record in the Book API v1');
const money = z.string().nullable();
const orderState = z.string();

/** Each event type's data: documented in the OpenAPI document through this union. */
export const EVENT_DATA = {
  'order.imported': z.object({
    state: orderState,
    channel: z.enum(['FBA', 'FBM']),
    amazonStatus: z.string(),
    total: money,
    currency: z.string().nullable(),
    link,
  }),
  'order.updated': z.object({
    state: orderState,
    previousState: orderState.nullable(),
    amazonStatus: z.string(),
    link,
  }),
  'order.cancelled': z.object({ previousState: orderState.nullable(), link }),
  'order.return_expected': z.object({ reason: z.string(), link }),
  'order.needs_attention': z.object({ reason: z.string(), source: z.string(), link }),
  'order.ship_risk': z.object({ status: z.enum(['ship_risk', 'late']), latestShipDate: z.string().nullable(), link }),
  'delivery.ready': z.object({
    deliveryId: z.number().int(),
    latestShipDate: z.string().nullable(),
    shipServiceLevel: z.string().nullable(),
    lines: z.array(z.object({ sku: z.string().nullable(), quantity: z.number().int() })),
    link,
  }),
  'shipment.confirmed': z.object({
    packageReferenceId: z.number().int(),
    carrier: z.string().nullable(),
    trackingNumber: z.string().nullable(),
    link,
  }),
  'shipment.rejected': z.object({
    packageReferenceId: z.number().int(),
    carrier: z.string().nullable(),
    trackingNumber: z.string().nullable(),
    /** Amazon's text. */
    error: z.string(),
    link,
  }),
  'stock.pushed': z.object({
    runId: z.number().int(),
    changed: z.number().int(),
    sent: z.number().int(),
    accepted: z.number().int(),
    rejected: z.number().int(),
    rejectedSkus: z.array(z.object({ marketplaceId: z.string(), sku: z.string(), error: z.string().nullable() })),
    link,
  }),
  'stock.fba_drift': z.object({
    runId: z.number().int(),
    drifted: z.number().int(),
    skus: z.array(z.object({ sku: z.string(), predicted: z.number().int(), amazon: z.number().int() })),
    link,
  }),
  'order.refunded': z.object({
    transactionId: z.string().describe("Amazon's Refund transaction"),
    refundId: z.string().nullable(),
    postedAt: z.string(),
    currency: z.string(),
    total: z.string().describe('what the refund takes from the seller (negative), fees given back included'),
    product: z.string(),
    shipping: z.string(),
    tax: z.string(),
    fees: z.string().describe('fee reversals minus the refund administration fee'),
    link,
  }),
  'payout.settled': z.object({
    payoutId: z.number().int(),
    groupId: z.string(),
    settlementId: z.string().nullable(),
    currency: z.string(),
    amount: z.string().describe('what reached the bank (negative: charged to the card), equal to its transactions'),
    transactions: z.number().int(),
    periodStart: z.string().nullable(),
    periodEnd: z.string().nullable(),
    link,
  }),
  'finance.mismatch': z.object({
    kind: z.enum(['payout_total', 'order_charges']),
    subject: z.string().describe('the settlement group id or the Amazon order id'),
    currency: z.string(),
    expected: z.string(),
    actual: z.string(),
    difference: z.string().describe('actual − expected'),
    resolved: z.boolean(),
    explanation: z.string(),
    link,
  }),
} as const;

export type EventType = keyof typeof EVENT_DATA;
export const EVENT_TYPES = Object.keys(EVENT_DATA) as EventType[];

export type NewEvent = {
  [T in EventType]: {
    type: T;
    account?: string | null;
    marketplace?: string | null;
    amazonOrderId?: string | null;
    data: z.input<(typeof EVENT_DATA)[T]>;
  };
}[EventType];

const common = {
  id: z.string().describe('evt_<sequence>: unique, the webhook-id of its deliveries'),
  sequence: z.number().int(),
  occurredAt: z.string(),
  account: z.string().nullable(),
  marketplace: z.string().nullable(),
  amazonOrderId: z.string().nullable(),
};
export type Event = {
  id: string;
  sequence: number;
  occurredAt: string;
  type: EventType;
  account: string | null;
  marketplace: string | null;
  amazonOrderId: string | null;
  data: any;
};
/** One schema per type, in one union: the OpenAPI document shows each type's data. */
export const Event = z.discriminatedUnion(
  'type',
  EVENT_TYPES.map((type) => z.object({ ...common, type: z.literal(type), data: EVENT_DATA[type] })) as unknown as [
    z.ZodObject,
    ...z.ZodObject[],
  ],
) as unknown as z.ZodType<Event>;

export const orderLink = (accountId: string, amazonOrderId: string) =>
  `/v1/orders/${amazonOrderId}?account=${encodeURIComponent(accountId)}`;

/**
 * Writes events in the caller's transaction: the last statement before its commit (the lock it takes is held until
 * then, and orders every event writer's commit).
 */
export async function emit(trx: Knex.Transaction, events: NewEvent[]): Promise<void> {
  if (events.length === 0) return;
  await trx.raw('SELECT pg_advisory_xact_lock(?)', [OUTBOX_LOCK]);
  await trx('events').insert(
    events.map((e) => ({
      type: e.type,
      account_id: e.account ?? null,
      marketplace_id: e.marketplace ?? null,
      amazon_order_id: e.amazonOrderId ?? null,
      data: JSON.stringify(e.data),
    })),
  );
  await trx.raw(`SELECT pg_notify('${EVENTS_CHANNEL}', '')`);
}

const toEvent = (r: any): Event => ({
  id: `evt_${r.sequence}`,
  sequence: Number(r.sequence),
  type: r.type,
  occurredAt: new Date(r.occurred_at).toISOString(),
  account: r.account_id,
  marketplace: r.marketplace_id,
  amazonOrderId: r.amazon_order_id,
  data: r.data,
});

/**
 * GET /v1/events: the events after a cursor, in sequence (commit) order. The next cursor is given also when the page
 * is empty, so a consumer simply keeps the last one it got.
 */
export const readEvents = operation(
  {
    name: 'readEvents',
    input: z.object({
      after: Cursor,
      types: z.array(z.enum(EVENT_TYPES as [EventType, ...EventType[]])).optional(),
      limit: z.number().int().min(1).max(500).default(100),
    }),
    output: z.object({ items: z.array(Event), nextCursor: z.string() }),
  },
  async (db, input) => {
    const after = input.after ? decodeCursor(z.tuple([z.number().int().min(0)]), input.after)[0] : 0;
    const q = db('events')
      .where('sequence', '>', after)
      .orderBy('sequence')
      .limit(input.limit + 1);
    if (input.types?.length) q.whereIn('type', input.types);
    const rows = await q;
    const { items, nextCursor } = page(rows, input.limit, (r) => [Number(r.sequence)]);
    const last = items.length ? Number(items[items.length - 1].sequence) : after;
    return { items: items.map(toEvent), nextCursor: nextCursor ?? encodeAfter(last) };
  },
);

/** The cursor that reads the events after `sequence` (0: from the beginning). */
export const encodeAfter = (sequence: number) => Buffer.from(JSON.stringify([sequence])).toString('base64url');

/** The events after a sequence for one webhook endpoint's types (its delivery reads on from its own cursor). */
export async function eventsAfter(db: Knex, after: number, types: string[], limit: number): Promise<Event[]> {
  const q = db('events').where('sequence', '>', after).orderBy('sequence').limit(limit);
  if (types.length && !types.includes('*')) q.whereIn('type', types);
  return (await q).map(toEvent);
}

/** The first sequence at or after a time (a webhook replay --since). */
export async function sequenceAt(db: Knex, since: string): Promise<number> {
  const row = await db('events').where('occurred_at', '>=', since).orderBy('sequence').first('sequence');
  return row ? Number(row.sequence) - 1 : Number((await db('events').max({ s: 'sequence' }).first())?.s ?? 0);
}

/** The sequence of the newest event (0: none): where a follower that wants only what comes next starts. */
export const lastEventSequence = operation(
  { name: 'lastEventSequence', input: z.object({}), output: z.number().int() },
  async (db) => Number((await db('events').max({ s: 'sequence' }).first())?.s ?? 0),
);
