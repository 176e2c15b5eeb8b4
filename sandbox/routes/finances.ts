import crypto from 'node:crypto';
import type { Ctx, Route } from '../context';
import type { StoredTransaction } from '../finances/ledger';
import { advanceFinances, financeClock } from '../finances/service';
import { invalidInput, ok, Reply } from '../http';
import { marketplace } from '../marketplaces';
import { spApiModel } from '../../lib/sp-api-models';
import { decodePageToken, encodePageToken } from '../page-tokens';

/**
 * Finances API 2024-06-19 listTransactions (finances_2024-06-19.json), over what sandbox orders generated
 * (finances/): a time window, or a related identifier, filtered by marketplace and status, 100 a page, oldest first.
 * Amazon's lag applies: a transaction shows only `financeLag` after it was posted.
 */

const PAGE_SIZE = 100;
const MAX_RANGE_MS = 180 * 86_400_000;
const STATUSES = ['DEFERRED', 'RELEASED', 'DEFERRED_RELEASED'];
/** The model: "FINANCIAL_EVENT_GROUP_ID and ORDER_ID are the only relatedIdentifier with filtering capabilities". */
const FILTERABLE = ['FINANCIAL_EVENT_GROUP_ID', 'ORDER_ID'];
const US = 'ATVPDKIKX0DER';

const IDENTIFIER_NAMES: string[] =
  spApiModel('finances_2024-06-19.json').definitions.RelatedIdentifier.properties.relatedIdentifierName.enum;

interface PageToken {
  v: 1;
  s: string;
  f: string;
  /** The effective postedBefore, fixed by the first page. */
  b: number;
  /** The last (postedAt, transactionId) served. */
  k: [number, string];
}

interface Filters {
  after?: number;
  before: number;
  marketplaceId?: string;
  status?: string;
  identifier?: { name: string; value: string };
}

function parse(ctx: Ctx): Filters & { fingerprint: string } {
  const { query: q, sb } = ctx;
  const now = sb.now();
  const minutes = sb.config.minBeforeLagSeconds / 60;
  const name = q.get('relatedIdentifierName');
  const value = q.get('relatedIdentifierValue');
  if ((name === undefined) !== (value === undefined))
    throw invalidInput('relatedIdentifierName and relatedIdentifierValue must be provided together.');
  if (name !== undefined && !IDENTIFIER_NAMES.includes(name))
    throw invalidInput(`Invalid relatedIdentifierName: ${name}. Allowed values: ${IDENTIFIER_NAMES.join(', ')}.`);
  if (name !== undefined && !FILTERABLE.includes(name))
    throw invalidInput(`relatedIdentifierName ${name} cannot be used to filter: only ${FILTERABLE.join(' and ')} can.`);
  if (!q.has('postedAfter') && name === undefined)
    throw invalidInput('Start date cannot be null', 'Start date cannot be null');
  const after = q.time('postedAfter');
  const givenBefore = q.time('postedBefore');
  if (givenBefore !== undefined && after === undefined)
    throw invalidInput('postedAfter must be provided with postedBefore.');
  const limit = now - sb.config.minBeforeLagSeconds * 1000;
  if (after !== undefined && after > limit)
    throw invalidInput(`postedAfter must be more than ${minutes} minutes before the time of the request.`);
  if (givenBefore !== undefined && givenBefore > limit)
    throw invalidInput(`postedBefore must be more than ${minutes} minutes before the time of the request.`);
  if (givenBefore !== undefined && after !== undefined && givenBefore <= after)
    throw invalidInput('postedBefore must be later than postedAfter.');

  const marketplaceId = q.get('marketplaceId');
  if (marketplaceId !== undefined) {
    const seller = sb.state.sellers.get(ctx.sellerId)!;
    const m = marketplace(marketplaceId);
    if (!m || !seller.marketplaceIds.includes(marketplaceId) || (ctx.region && m.region !== ctx.region))
      throw invalidInput(`Invalid marketplaceId: ${marketplaceId} is not a marketplace of this seller in this region.`);
  }
  const status = q.get('transactionStatus');
  if (status !== undefined && !STATUSES.includes(status))
    throw invalidInput(`Invalid transactionStatus: ${status}. Allowed values: ${STATUSES.join(', ')}.`);

  const fingerprint = crypto
    .createHash('sha256')
    .update(
      JSON.stringify(
        [
          'postedAfter',
          'postedBefore',
          'marketplaceId',
          'transactionStatus',
          'relatedIdentifierName',
          'relatedIdentifierValue',
        ].map((k) => q.get(k) ?? null),
      ),
    )
    .digest('base64url')
    .slice(0, 16);
  return {
    after,
    before: givenBefore ?? limit,
    marketplaceId,
    status,
    identifier: name !== undefined ? { name, value: value! } : undefined,
    fingerprint,
  };
}

/**
 * The transactions a query may see, in serving order (postedAt, then transactionId), from `from` on: those of the
 * order or group when an identifier is given, else the seller's own.
 */
function* candidates(ctx: Ctx, f: Filters, from: number): Generator<StoredTransaction> {
  const ledger = ctx.sb.state.finances;
  const stored = (id: string) => ledger.transactions.get(id)!;
  if (f.identifier) {
    const ids =
      f.identifier.name === 'ORDER_ID'
        ? ledger.orderTransactions(f.identifier.value)
        : (ledger.groups.get(f.identifier.value)?.transactionIds ?? []);
    yield* ids
      .map(stored)
      .filter((t) => t.sellerId === ctx.sellerId)
      .sort((a, b) => a.postedAt - b.postedAt || (idOf(a) < idOf(b) ? -1 : 1));
    return;
  }
  const ids = ledger.sellerTransactions(ctx.sellerId);
  let lo = 0;
  let hi = ids.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (stored(ids[mid]).postedAt < from) lo = mid + 1;
    else hi = mid;
  }
  for (let i = lo; i < ids.length; i++) yield stored(ids[i]);
}

const idOf = (t: StoredTransaction) => t.transaction.transactionId;

function listTransactions(ctx: Ctx): Reply {
  const { sb } = ctx;
  advanceFinances(sb);
  const now = sb.now();
  const f = parse(ctx);
  let cursor: [number, string] | undefined;
  const tokenText = ctx.query.get('nextToken');
  if (tokenText !== undefined) {
    const token = decodePageToken<PageToken>(tokenText);
    if (!token || token.v !== 1 || token.s !== ctx.sellerId) throw invalidInput('Invalid nextToken.');
    if (token.f !== f.fingerprint)
      throw invalidInput('The arguments differ from the call that returned this nextToken: send the same arguments.');
    f.before = token.b;
    cursor = token.k;
  }
  // "If PostedAfter and PostedBefore are more than 180 days apart, the response is empty."
  if (f.after !== undefined && f.before - f.after > MAX_RANGE_MS) return ok({ payload: { transactions: [] } });

  const lagMs = financeClock(sb).lagMs;
  const page: StoredTransaction[] = [];
  let more = false;
  for (const t of candidates(ctx, f, cursor?.[0] ?? f.after ?? -Infinity)) {
    if (cursor && (t.postedAt < cursor[0] || (t.postedAt === cursor[0] && idOf(t) <= cursor[1]))) continue;
    if (t.postedAt >= f.before) break;
    if (f.after !== undefined && t.postedAt < f.after) continue;
    if (t.postedAt + lagMs > now) continue;
    if (ctx.region && marketplace(t.marketplaceId)?.region !== ctx.region) continue;
    // The model: "If you want to retrieve MFN orders in the US store, do not supply the marketplaceId parameter."
    if (f.marketplaceId !== undefined && (t.marketplaceId !== f.marketplaceId || (f.marketplaceId === US && t.usMfn)))
      continue;
    if (f.status !== undefined && t.transaction.transactionStatus !== f.status) continue;
    if (page.length === PAGE_SIZE) {
      more = true;
      break;
    }
    page.push(t);
  }
  const payload: Record<string, unknown> = { transactions: page.map((t) => t.transaction) };
  if (more) {
    const last = page[page.length - 1];
    const token: PageToken = { v: 1, s: ctx.sellerId, f: f.fingerprint, b: f.before, k: [last.postedAt, idOf(last)] };
    payload.nextToken = encodePageToken(token);
  }
  return ok({ payload });
}

export const financeRoutes: Route[] = [
  {
    method: 'GET',
    path: '/finances/2024-06-19/transactions',
    kind: 'spapi',
    operation: 'listTransactions',
    handler: listTransactions,
  },
];
