import Decimal from 'decimal.js';
import { z } from 'zod';
import { PAYOUT_STATUSES, type PayoutRow } from '../../book/payouts';
import type { App } from '../app';
import { mismatchPage, type OrderDetail, payoutDetail, payoutPage, V1Services } from '../api-v1/service';
import { html, Html, when } from './html';
import { pager, sendPage } from './layout';
import { callerOfSession } from './session';

/**
 * Money (docs/finances.md): Amazon's payouts and whether each reached the bank as the sum of its transactions, the
 * mismatches reconciliation found, and each order's fees, credit notes and net (on the order page). Read scope.
 */

const PAGE_SIZE = 50;
/** Open mismatches shown above the payouts, newest first; the page points to `connector finances mismatches` for more. */
const MISMATCHES_SHOWN = 50;

/** An amount as a person reads it: cents always shown ("36.10"), a finer figure of Amazon's kept. */
const amount = (value: string | null) => {
  if (value === null) return '—';
  const d = new Decimal(value);
  return d.decimalPlaces() < 2 ? d.toFixed(2) : d.toFixed();
};

const STATUS_BADGE: Record<PayoutRow['status'], Html> = {
  reconciled: html`<span class="badge good">Reconciled</span>`,
  mismatch: html`<span class="badge bad">Mismatch</span>`,
  open: html`<span class="badge risk">Open</span>`,
};

const orderLink = (amazonOrderId: string) =>
  html`<a href="/orders/${encodeURIComponent(amazonOrderId)}">${amazonOrderId}</a>`;
/** A payout by its period (dates), linked to its page; Amazon's long group id below, allowed to wrap. */
const day = (iso: string | null) => (iso ? iso.slice(0, 10) : '…');
const payoutCell = (p: PayoutRow) =>
  html`<a href="/money/payouts/${p.id}">${day(p.periodStart)} – ${day(p.periodEnd)}</a><br /><span class="muted id"
      >${p.groupId}</span
    >`;

export function registerMoney(app: App, s: V1Services): void {
  const ListQuery = z.object({
    status: z.enum(PAYOUT_STATUSES).or(z.literal('')).optional(),
    account: z.string().trim().optional(),
    cursor: z.string().optional(),
  });

  app.get('/money', { schema: { querystring: ListQuery } }, async (request, reply) => {
    const caller = callerOfSession(request);
    const f = request.query;
    const account = f.account || undefined;
    const [payouts, mismatches] = await Promise.all([
      payoutPage(s, caller, { status: f.status || undefined, account, cursor: f.cursor, limit: PAGE_SIZE }),
      mismatchPage(s, caller, { account, includeResolved: false, limit: MISMATCHES_SHOWN }),
    ]);
    const option = (value: string, label: string) =>
      html`<option value="${value}" ${value === (f.status ?? '') ? html` selected` : ''}>${label}</option>`;
    return sendPage(
      reply,
      { title: 'Money', current: '/money', session: request.consoleSession },
      html`<h1>Money</h1>
        <h2 id="mismatches-h">Open mismatches</h2>
        ${
          mismatches.items.length
            ? mismatchTable(mismatches.items, 'mismatches-h')
            : html`<p>No open mismatch: every settled payout and every order's charges reconcile to the cent.</p>`
        }
        ${mismatches.nextCursor ? html`<p class="muted">More: <code>connector finances mismatches</code>.</p>` : ''}
        <h2 id="payouts-h">Payouts</h2>
        <form method="get" action="/money" class="filters" role="search" aria-label="Filter payouts">
          <div>
            <label for="status">Status</label
            ><select id="status" name="status">
              ${option('', 'Any')}${option('mismatch', 'Mismatch')}${option('open', 'Open')}${option('reconciled', 'Reconciled')}
            </select>
          </div>
          <div>
            <label for="account">Account</label
            ><input id="account" name="account" value="${f.account ?? ''}" size="10" />
          </div>
          <div><button type="submit">Show</button></div>
        </form>
        ${payouts.items.length ? payoutTable(payouts.items) : html`<p>No payout matches.</p>`}
        ${pager('/money', { status: f.status || undefined, account }, payouts.nextCursor)}`,
    );
  });

  app.get(
    '/money/payouts/:id',
    { schema: { params: z.object({ id: z.string().min(1).max(100) }) } },
    async (request, reply) => {
      const p = await payoutDetail(s, callerOfSession(request), { id: request.params.id });
      return sendPage(
        reply,
        { title: `Payout ${p.groupId}`, current: '/money', session: request.consoleSession },
        html`<h1>Payout ${p.groupId} ${STATUS_BADGE[p.status]}</h1>
          <p><a href="/money">All payouts</a></p>
          <dl class="facts">
            <dt>Account</dt>
            <dd>${p.account}${p.marketplaceId ? ` · ${p.marketplaceId}` : ''}</dd>
            <dt>Settlement</dt>
            <dd>${p.settlementId ?? '—'}</dd>
            <dt>Period</dt>
            <dd>${when(p.periodStart)} – ${when(p.periodEnd)}</dd>
            <dt>Transfer to the bank</dt>
            <dd>
              ${p.transfer === null ? 'not yet' : `${amount(p.transfer)} ${p.currency}`}
              ${p.settledAt ? html`<span class="muted">(${when(p.settledAt)})</span>` : ''}
            </dd>
            <dt>Sum of its transactions</dt>
            <dd>${amount(p.transactionsTotal)} ${p.currency} (${p.transactions})</dd>
            <dt>Difference</dt>
            <dd>${amount(p.difference)}</dd>
          </dl>
          ${
            p.mismatches.length
              ? html`<h2 id="pm-h">Mismatches</h2>
                  ${mismatchTable(p.mismatches, 'pm-h')}`
              : ''
          }
          <h2 id="tx-h">Transactions</h2>
          <div class="table-wrap">
            <table aria-labelledby="tx-h">
              <thead>
                <tr>
                  <th scope="col">Posted</th>
                  <th scope="col">Type</th>
                  <th scope="col">Status</th>
                  <th scope="col">Order</th>
                  <th scope="col">Description</th>
                  <th scope="col" class="num">Total</th>
                </tr>
              </thead>
              <tbody>
                ${p.transactionList.map(
                  (t) =>
                    html`<tr>
                      <td>${when(t.postedAt)}</td>
                      <td>${t.type}</td>
                      <td>${t.status}</td>
                      <td>${t.amazonOrderId ? orderLink(t.amazonOrderId) : '—'}</td>
                      <td>${t.description ?? ''}</td>
                      <td class="num">${amount(t.total)}</td>
                    </tr>`,
                )}
              </tbody>
              <tfoot>
                <tr>
                  <th scope="row" colspan="5">
                    Sum of ${p.transactions} transactions, the transfer aside (${p.currency})
                  </th>
                  <td class="num"><strong>${amount(p.transactionsTotal)}</strong></td>
                </tr>
              </tfoot>
            </table>
          </div>`,
      );
    },
  );
}

function payoutTable(rows: PayoutRow[]): Html {
  return html`<div class="table-wrap">
    <table aria-labelledby="payouts-h">
      <thead>
        <tr>
          <th scope="col">Period (payout)</th>
          <th scope="col">Account</th>
          <th scope="col" class="num">Transfer</th>
          <th scope="col" class="num">Sum of transactions</th>
          <th scope="col" class="num">Difference</th>
          <th scope="col">Status</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (p) =>
            html`<tr>
              <th scope="row">${payoutCell(p)}</th>
              <td>${p.account}${p.marketplaceId ? html`<br /><span class="muted">${p.marketplaceId}</span>` : ''}</td>
              <td class="num">${amount(p.transfer)} ${p.currency}</td>
              <td class="num">
                ${amount(p.transactionsTotal)} ${p.currency}<br /><span class="muted"
                  >${p.transactions} transactions</span
                >
              </td>
              <td class="num">${amount(p.difference)}</td>
              <td>${STATUS_BADGE[p.status]}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

type MismatchRow = Awaited<ReturnType<typeof mismatchPage>>['items'][number];

function mismatchTable(rows: MismatchRow[], labelledBy: string): Html {
  return html`<div class="table-wrap">
    <table aria-labelledby="${labelledBy}">
      <thead>
        <tr>
          <th scope="col">What</th>
          <th scope="col">Of</th>
          <th scope="col" class="num">Expected</th>
          <th scope="col" class="num">Actual</th>
          <th scope="col" class="num">Difference</th>
          <th scope="col">Why</th>
          <th scope="col">Found</th>
        </tr>
      </thead>
      <tbody>
        ${rows.map(
          (m) =>
            html`<tr>
              <td><span class="badge bad">${m.kind === 'payout_total' ? 'Payout total' : 'Order charges'}</span></td>
              <td>
                ${m.amazonOrderId ? orderLink(m.amazonOrderId) : m.subject}${m.payoutId ? html`<br /><a href="/money/payouts/${m.payoutId}">its payout</a>` : ''}
              </td>
              <td class="num">${amount(m.expected)} ${m.currency}</td>
              <td class="num">${amount(m.actual)} ${m.currency}</td>
              <td class="num"><strong>${amount(m.difference)}</strong></td>
              <td>${m.explanation}</td>
              <td>${when(m.detectedAt)}</td>
            </tr>`,
        )}
      </tbody>
    </table>
  </div>`;
}

/** An order's money, on its page: Amazon's fees by type, refunds as credit notes, what the seller keeps. */
export function orderMoney(o: OrderDetail): Html {
  if (o.net === null)
    return html`<h2>Money</h2>
      <p class="muted">Amazon's Finances has no transaction of this order yet.</p>`;
  return html`<h2 id="money-h">Money</h2>
    <div class="table-wrap">
      <table aria-labelledby="money-h">
        <tbody>
          ${(o.fees ?? []).map(
            (f) =>
              html`<tr>
                <th scope="row">Amazon fee: ${f.type}</th>
                <td class="num">${amount(f.amount)}</td>
              </tr>`,
          )}
          ${o.refunds.map(
            (r) =>
              html`<tr>
                <th scope="row">
                  Credit note ${r.refundId ?? r.transactionId} <span class="muted">(${when(r.postedAt)})</span>
                </th>
                <td class="num">${amount(r.total)}</td>
              </tr>`,
          )}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row">Net proceeds (${o.currency ?? ''})</th>
            <td class="num"><strong>${amount(o.net)}</strong></td>
          </tr>
        </tfoot>
      </table>
    </div>`;
}
