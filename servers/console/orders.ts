import { z } from 'zod';
import { ORDER_STATES, OrderPageRow, SHIP_BY_STATES } from '../../book/orders';
import type { App } from '../app';
import { can, Caller, listOrderPage, OrderDetail, orderDetail, retryOrder, V1Services } from '../api-v1/service';
import { html, Html, when } from './html';
import { csrfField, notice, pager, riskBadge, sendPage, toQuery } from './layout';
import { orderMoney } from './money';
import { callerOfSession, localPath } from './session';

/** Orders: the list with filters and a search by Amazon order id; an order's page; Needs attention; Retry. */

const PAGE_SIZE = 50;
const STATES = [...ORDER_STATES, ...SHIP_BY_STATES] as const;
const orderHref = (id: string, account?: string) => `/orders/${encodeURIComponent(id)}${toQuery({ account })}`;

/** The Retry button of a flagged order (scope ship); after it, back to `back`. */
function retryForm(caller: Caller, csrf: Html, order: { amazonOrderId: string; account: string }, back: string) {
  if (!can(caller, 'ship')) return '';
  return html`<form
    method="post"
    action="/orders/${encodeURIComponent(order.amazonOrderId)}/retry${toQuery({ account: order.account })}"
    class="inline"
  >
    ${csrf}<input type="hidden" name="back" value="${back}" />
    <button type="submit" aria-label="Retry ${order.amazonOrderId}">Retry</button>
  </form>`;
}

function orderRows(rows: z.infer<typeof OrderPageRow>[], extra?: (o: z.infer<typeof OrderPageRow>) => Html | '') {
  return rows.map(
    (o) =>
      html`<tr>
        <td><a href="${orderHref(o.amazonOrderId, o.account)}">${o.amazonOrderId}</a></td>
        <td>${o.account}</td>
        <td>${o.marketplace ?? '—'}</td>
        <td>${o.channel ?? '—'}</td>
        <td>${o.state} ${riskBadge(o.shipBy)}</td>
        <td>${o.amazonStatus}</td>
        <td class="num">${o.total ?? '—'} ${o.currency ?? ''}</td>
        <td>${when(o.purchaseDate)}</td>
        ${
          extra
            ? html`<td>${o.attentionReason ?? ''}</td>
                <td>${extra(o)}</td>`
            : ''
        }
      </tr>`,
  );
}

const HEAD = html`<th scope="col">Amazon order</th>
  <th scope="col">Account</th>
  <th scope="col">Marketplace</th>
  <th scope="col">Channel</th>
  <th scope="col">State</th>
  <th scope="col">Amazon status</th>
  <th scope="col" class="num">Total</th>
  <th scope="col">Purchased</th>`;

const NOTICES: Record<string, { kind: 'good' | 'warn'; text: string }> = {
  retry: { kind: 'good', text: 'Retry sent: the order’s workflow tries again; this page shows the outcome.' },
};

export function registerOrders(app: App, s: V1Services): void {
  const ListQuery = z.object({
    q: z.string().trim().optional(),
    state: z.enum(STATES).or(z.literal('')).optional(),
    channel: z.enum(['FBA', 'FBM']).or(z.literal('')).optional(),
    marketplace: z.string().trim().optional(),
    account: z.string().trim().optional(),
    cursor: z.string().optional(),
  });

  app.get('/orders', { schema: { querystring: ListQuery } }, async (request, reply) => {
    const caller = callerOfSession(request);
    const f = request.query;
    const list = await listOrderPage(s, caller, {
      q: f.q || undefined,
      state: f.state || undefined,
      channel: f.channel || undefined,
      marketplace: f.marketplace || undefined,
      account: f.account || undefined,
      cursor: f.cursor,
      limit: PAGE_SIZE,
    });
    const option = (value: string, current: string | undefined, label = value) =>
      html`<option value="${value}" ${value === (current ?? '') ? html` selected` : ''}>${label}</option>`;
    return sendPage(
      reply,
      { title: 'Orders', current: '/orders', session: request.consoleSession },
      html`<h1>Orders</h1>
        <form method="get" action="/orders" class="filters" role="search" aria-label="Find orders">
          <div>
            <label for="q">Amazon order id</label
            ><input id="q" name="q" value="${f.q ?? ''}" placeholder="113-1234567-…" inputmode="numeric" />
          </div>
          <div>
            <label for="state">State</label
            ><select id="state" name="state">
              ${option('', f.state, 'Any')}${STATES.map((x) => option(x, f.state))}
            </select>
          </div>
          <div>
            <label for="channel">Channel</label
            ><select id="channel" name="channel">
              ${option('', f.channel, 'Any')}${option('FBM', f.channel)}${option('FBA', f.channel)}
            </select>
          </div>
          <div>
            <label for="marketplace">Marketplace</label
            ><input id="marketplace" name="marketplace" value="${f.marketplace ?? ''}" size="6" placeholder="DE" />
          </div>
          <div>
            <label for="account">Account</label
            ><input id="account" name="account" value="${f.account ?? ''}" size="10" />
          </div>
          <div><button type="submit">Find</button></div>
        </form>
        ${
          list.items.length
            ? html`<div class="table-wrap">
                <table aria-label="Orders">
                  <thead>
                    <tr>
                      ${HEAD}
                    </tr>
                  </thead>
                  <tbody>
                    ${orderRows(list.items)}
                  </tbody>
                </table>
              </div>`
            : html`<p>No orders match.</p>`
        }
        ${pager('/orders', { ...f, state: f.state || undefined, channel: f.channel || undefined }, list.nextCursor)}`,
    );
  });

  app.get(
    '/attention',
    { schema: { querystring: z.object({ cursor: z.string().optional(), notice: z.string().optional() }) } },
    async (request, reply) => {
      const caller = callerOfSession(request);
      const session = request.consoleSession!;
      const { cursor } = request.query;
      const flash = NOTICES[request.query.notice ?? ''];
      const list = await listOrderPage(s, caller, { state: 'needs_attention', cursor, limit: PAGE_SIZE });
      const csrf = csrfField(session);
      return sendPage(
        reply,
        { title: 'Needs attention', current: '/attention', session },
        html`<h1>Needs attention</h1>
          ${flash ? notice(flash.kind, flash.text) : ''}
          <p class="muted">
            Orders flagged with a reason. Fix what the reason names, then Retry: the order's workflow tries again.
          </p>
          ${
            list.items.length
              ? html`<div class="table-wrap">
                  <table aria-label="Orders needing attention">
                    <thead>
                      <tr>
                        ${HEAD}
                        <th scope="col">Reason</th>
                        <th scope="col">Action</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${orderRows(list.items, (o) => retryForm(caller, csrf, o, '/attention'))}
                    </tbody>
                  </table>
                </div>`
              : html`<p>No order needs attention.</p>`
          }
          ${pager('/attention', { cursor }, list.nextCursor)}`,
      );
    },
  );

  const OrderParams = z.object({ amazonOrderId: z.string().min(1).max(40) });

  app.get(
    '/orders/:amazonOrderId',
    {
      schema: {
        params: OrderParams,
        querystring: z.object({ account: z.string().optional(), notice: z.string().optional() }),
      },
    },
    async (request, reply) => {
      const caller = callerOfSession(request);
      const order = await orderDetail(s, caller, { ...request.params, account: request.query.account });
      const flash = NOTICES[request.query.notice ?? ''];
      return sendPage(
        reply,
        { title: `Order ${order.amazonOrderId}`, current: '/orders', session: request.consoleSession },
        html`${flash ? notice(flash.kind, flash.text) : ''}${orderPage(caller, csrfField(request.consoleSession!), order)}`,
      );
    },
  );

  app.post(
    '/orders/:amazonOrderId/retry',
    {
      schema: {
        params: OrderParams,
        querystring: z.object({ account: z.string().optional() }),
        body: z.record(z.string(), z.string()),
      },
    },
    async (request, reply) => {
      await retryOrder(s, callerOfSession(request), { ...request.params, account: request.query.account });
      const back = localPath(request.body.back);
      const target =
        back === '/attention' ? '/attention' : `${orderHref(request.params.amazonOrderId, request.query.account)}`;
      return reply.redirect(`${target}${target.includes('?') ? '&' : '?'}notice=retry`, 303);
    },
  );
}

function orderPage(caller: Caller, csrf: Html, o: OrderDetail): Html {
  const a = o.deliveryAddress;
  const open = o.deliveries.some((d) => d.state === 'open');
  return html`<h1>Order ${o.amazonOrderId}</h1>
    ${
      o.state === 'needs_attention'
        ? html`<section class="notice warn" aria-labelledby="attention-h">
            <h2 id="attention-h">Needs attention</h2>
            <p>${o.attentionReason ?? 'no reason recorded'}</p>
            ${retryForm(caller, csrf, o, `/orders/${o.amazonOrderId}`)}
          </section>`
        : ''
    }
    <p>
      ${open && can(caller, 'ship') ? html`<a class="button" href="/orders/${encodeURIComponent(o.amazonOrderId)}/ship${toQuery({ account: o.account })}">Ship</a> ` : ''}
      <a href="${o.workflowUrl}" rel="noopener" target="_blank">Its workflow in the Temporal UI</a>
    </p>
    <dl class="facts">
      <dt>State</dt>
      <dd>${o.state} ${riskBadge(o.shipBy)}</dd>
      <dt>Amazon status</dt>
      <dd>${o.amazonStatus}</dd>
      <dt>Account</dt>
      <dd>${o.account}</dd>
      <dt>Marketplace</dt>
      <dd>${o.marketplace ?? '—'}</dd>
      <dt>Channel</dt>
      <dd>${o.channel ?? '—'}</dd>
      <dt>Purchased</dt>
      <dd>${when(o.purchaseDate)}</dd>
      <dt>Latest ship date</dt>
      <dd>${when(o.latestShipDate)}</dd>
      ${
        o.customer
          ? html`<dt>Customer</dt>
              <dd>${o.customer.name ?? '—'}</dd>`
          : ''
      }
    </dl>
    <h2>Lines</h2>
    <div class="table-wrap">
      <table aria-label="Order lines">
        <thead>
          <tr>
            <th scope="col">Kind</th>
            <th scope="col">SKU</th>
            <th scope="col">Item</th>
            <th scope="col" class="num">Qty</th>
            <th scope="col" class="num">Unit price</th>
            <th scope="col" class="num">Discount</th>
            <th scope="col" class="num">Tax</th>
            <th scope="col" class="num">Subtotal</th>
          </tr>
        </thead>
        <tbody>
          ${o.lines.map(
            (l) =>
              html`<tr>
                <td>${l.kind}</td>
                <td>${l.sku ?? ''}</td>
                <td>
                  ${l.name ?? l.note ?? ''}${l.buyerCancellationRequested ? html` <span class="badge bad">Buyer asked to cancel</span>` : ''}
                </td>
                <td class="num">${l.quantity}</td>
                <td class="num">${l.unitPrice ?? ''}</td>
                <td class="num">${l.discount ?? ''}</td>
                <td class="num">${l.tax ?? ''}</td>
                <td class="num">${l.subtotal ?? ''}</td>
              </tr>`,
          )}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colspan="7">Untaxed</th>
            <td class="num">${o.totals.untaxed ?? '—'}</td>
          </tr>
          <tr>
            <th scope="row" colspan="7">Taxes</th>
            <td class="num">${o.totals.tax ?? '—'}</td>
          </tr>
          <tr>
            <th scope="row" colspan="7">Total (${o.currency ?? ''})</th>
            <td class="num"><strong>${o.totals.total ?? '—'}</strong></td>
          </tr>
        </tfoot>
      </table>
    </div>
    ${orderMoney(o)}
    <h2>Delivery address</h2>
    <address>
      ${a ? [a.name, a.company, a.street, a.street2, [a.postalCode, a.city].filter(Boolean).join(' '), a.stateOrRegion, a.countryCode].filter(Boolean).map((x) => html`${x}<br />`) : '—'}
    </address>
    ${o.pii ? '' : html`<p class="muted">Name and street are shown to tokens with the pii scope.</p>`}
    <h2>Deliveries and packages</h2>
    <div class="table-wrap">
      <table aria-label="Deliveries and packages">
        <thead>
          <tr>
            <th scope="col">Delivery</th>
            <th scope="col">State</th>
            <th scope="col">Items</th>
            <th scope="col">Carrier</th>
            <th scope="col">Tracking</th>
            <th scope="col">Shipped</th>
            <th scope="col">Amazon</th>
          </tr>
        </thead>
        <tbody>
          ${o.deliveries.map(
            (d) =>
              html`<tr>
                <td>${d.packageReferenceId ? `package ${d.packageReferenceId}` : d.ref}</td>
                <td>${d.state}</td>
                <td>${d.lines.map((l) => html`${l.quantity} × ${l.sku ?? '—'}<br />`)}</td>
                <td>${d.carrier ?? ''}</td>
                <td>${d.tracking ?? ''}</td>
                <td>${d.shipDate ? when(d.shipDate) : ''}</td>
                <td>
                  ${d.confirmation === 'confirmed' ? html`<span class="badge good">Accepted</span>` : d.confirmation === 'rejected' ? html`<span class="badge bad">Rejected</span> ${d.confirmationError ?? ''}` : (d.confirmation ?? '')}
                </td>
              </tr>`,
          )}
        </tbody>
      </table>
    </div>`;
}
