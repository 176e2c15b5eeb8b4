import crypto from 'node:crypto';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { ConsoleSession } from '../../book/console-sessions';
import { CARRIER_CODES } from '../../lib/carriers';
import { App, HttpError } from '../app';
import { assertScope, can, deliveries, OrderDetail, orderDetail, shipPackage, V1Services } from '../api-v1/service';
import type { ShipmentOutcome } from '../api-v1/shipping';
import { html, Html, when } from './html';
import { csrfField, notice, pager, riskBadge, sendPage, toQuery } from './layout';
import { callerOfSession } from './session';

/** The home page: the pick list; a ship form per order with Amazon's answer; a printable packing slip (pii). */

const PAGE_SIZE = 50;
const orderLink = (id: string, account: string) => `/orders/${encodeURIComponent(id)}${toQuery({ account })}`;

export function registerToShip(app: App, s: V1Services): void {
  app.get(
    '/',
    {
      schema: {
        querystring: z.object({
          state: z.enum(['ready', 'ship_risk']).default('ready'),
          cursor: z.string().optional(),
        }),
      },
    },
    async (request, reply) => {
      const caller = callerOfSession(request);
      const session = request.consoleSession!;
      const { state, cursor } = request.query;
      const list = await deliveries(s, caller, { state, cursor, limit: PAGE_SIZE });
      const rows = list.items.map(
        (d) =>
          html`<tr>
            <td>${when(d.latestShipDate)} ${riskBadge(d.shipRisk)}</td>
            <td>
              <a href="${orderLink(d.amazonOrderId, d.account)}">${d.amazonOrderId}</a><br /><span class="muted"
                >${d.account} · ${d.marketplace ?? '—'}</span
              >
            </td>
            <td>${d.shipServiceLevel ?? '—'}</td>
            <td>
              <ul>
                ${d.lines.map((l) => html`<li>${l.quantity} × ${l.sku ?? '—'} <span class="muted">${l.name ?? ''}</span></li>`)}
              </ul>
            </td>
            ${d.recipient !== undefined ? html`<td>${d.recipient?.city ?? '—'}, ${d.recipient?.countryCode ?? ''}</td>` : ''}
            <td>
              ${can(caller, 'ship') ? html`<a class="button" href="/orders/${encodeURIComponent(d.amazonOrderId)}/ship${toQuery({ account: d.account })}" aria-label="Ship ${d.amazonOrderId}">Ship</a>` : ''}
              ${can(caller, 'pii') ? html` <a class="button secondary" href="/orders/${encodeURIComponent(d.amazonOrderId)}/slip${toQuery({ account: d.account })}" aria-label="Packing slip of ${d.amazonOrderId}">Packing slip</a>` : ''}
            </td>
          </tr>`,
      );
      return sendPage(
        reply,
        { title: 'To ship', current: '/', session },
        html`<h1>To ship</h1>
          <p class="muted">Open deliveries of FBM orders, the soonest latest ship date first.</p>
          <form method="get" action="/" class="filters" aria-label="Filter the pick list">
            <div>
              <label for="state">Show</label>
              <select id="state" name="state">
                <option value="ready" ${state === 'ready' ? html` selected` : ''}>Everything to ship</option>
                <option value="ship_risk" ${state === 'ship_risk' ? html` selected` : ''}>
                  Ship risk and late only
                </option>
              </select>
            </div>
            <div><button type="submit">Show</button></div>
          </form>
          ${
            rows.length
              ? html`<div class="table-wrap">
                  <table aria-label="Pick list">
                    <thead>
                      <tr>
                        <th scope="col">Latest ship date</th>
                        <th scope="col">Order</th>
                        <th scope="col">Service</th>
                        <th scope="col">Items</th>
                        ${list.items[0]?.recipient !== undefined ? html`<th scope="col">Ship to</th>` : ''}
                        <th scope="col">Actions</th>
                      </tr>
                    </thead>
                    <tbody>
                      ${rows}
                    </tbody>
                  </table>
                </div>`
              : html`<p>Nothing to ship.</p>`
          }
          ${pager('/', { state: state === 'ready' ? undefined : state, cursor }, list.nextCursor)}`,
      );
    },
  );

  const OrderParams = z.object({ amazonOrderId: z.string().min(1).max(40) });
  const AccountQuery = z.object({ account: z.string().optional() });

  app.get(
    '/orders/:amazonOrderId/ship',
    { schema: { params: OrderParams, querystring: AccountQuery } },
    async (request, reply) => {
      const caller = callerOfSession(request);
      assertScope(caller, 'ship');
      const order = await orderDetail(s, caller, { ...request.params, account: request.query.account });
      return shipFormPage(reply, request.consoleSession!, order, {});
    },
  );

  app.post(
    '/orders/:amazonOrderId/ship',
    {
      schema: {
        params: OrderParams,
        querystring: AccountQuery,
        body: z.record(z.string(), z.string()),
      },
    },
    async (request, reply) => {
      const caller = callerOfSession(request);
      assertScope(caller, 'ship'); // before anything: a refusal is the error page, not the form again
      const form = request.body;
      const key = { ...request.params, account: request.query.account };
      const order = await orderDetail(s, caller, key);
      const shipment = shipmentOfForm(form, openLines(order));
      try {
        const outcome = await shipPackage(s, caller, {
          ...key,
          shipment,
          wait: true,
          // The form's own id: a second click of the same form is the same Workflow Update, recorded once.
          updateId: /^[\w-]{8,64}$/.test(form.formId ?? '') ? `console:${form.formId}` : undefined,
        });
        return shipAnswerPage(reply, request.consoleSession!, order, outcome.body);
      } catch (err) {
        if (err instanceof HttpError && err.status < 500)
          return shipFormPage(reply, request.consoleSession!, order, form, err.message, err.status);
        throw err;
      }
    },
  );

  app.get(
    '/orders/:amazonOrderId/slip',
    { schema: { params: OrderParams, querystring: AccountQuery } },
    async (request, reply) => {
      const caller = callerOfSession(request);
      assertScope(caller, 'pii');
      const order = await orderDetail(s, caller, { ...request.params, account: request.query.account });
      return slipPage(reply, request.consoleSession!, order);
    },
  );
}

/** The lines still to ship: the open delivery's. */
function openLines(order: OrderDetail): Array<{ sku: string; quantity: number; name: string | null }> {
  const open = order.deliveries.find((d) => d.state === 'open');
  return (open?.lines ?? [])
    .filter((l): l is { sku: string; quantity: number } => l.sku !== null)
    .map((l) => ({ ...l, name: order.lines.find((x) => x.sku === l.sku && x.kind === 'product')?.name ?? null }));
}

/** The form as a shipment: every open line at its full quantity ships the rest (no items); fewer make a partial package. */
export function shipmentOfForm(form: Record<string, string>, lines: Array<{ sku: string; quantity: number }>) {
  const carrier = form.carrier === 'Other' ? 'Other' : (form.carrier ?? '');
  const items = lines.map((l, i) => ({ sku: l.sku, quantity: Number(form[`qty_${i}`] ?? l.quantity) }));
  const bad = items.find((i) => !Number.isInteger(i.quantity) || i.quantity < 0);
  if (bad) throw new HttpError(422, 'invalid_input', `the quantity of ${bad.sku} must be a whole number, 0 or more`);
  if (carrier === 'Other' && !form.carrierName?.trim())
    throw new HttpError(422, 'invalid_input', 'carrier Other needs its name: fill in "Carrier name, when Other"');
  const whole = items.every((i, n) => i.quantity === lines[n].quantity);
  const chosen = items.filter((i) => i.quantity > 0);
  return {
    carrier,
    ...(carrier === 'Other' ? { carrierName: form.carrierName?.trim() ?? '' } : {}),
    trackingNumber: form.trackingNumber ?? '',
    ...(whole ? {} : { items: chosen.length ? chosen : [] }),
  };
}

function shipFormPage(
  reply: FastifyReply,
  session: ConsoleSession,
  order: OrderDetail,
  form: Record<string, string>,
  error?: string,
  status = 200,
): FastifyReply {
  const lines = openLines(order);
  const carrier = form.carrier ?? '';
  const title = `Ship ${order.amazonOrderId}`;
  const body = lines.length
    ? html`<form
        method="post"
        action="/orders/${encodeURIComponent(order.amazonOrderId)}/ship${toQuery({ account: order.account })}"
      >
        ${csrfField(session)}
        <input type="hidden" name="formId" value="${form.formId ?? crypto.randomUUID()}" />
        <label for="carrier">Carrier</label>
        <select id="carrier" name="carrier" required>
          <option value="">Choose a carrier</option>
          ${CARRIER_CODES.map((c) => html`<option value="${c}" ${carrier === c ? html` selected` : ''}>${c}</option>`)}
          <option value="Other" ${carrier === 'Other' ? html` selected` : ''}>Other (name it below)</option>
        </select>
        <label for="carrierName">Carrier name, when Other</label>
        <input
          id="carrierName"
          name="carrierName"
          value="${form.carrierName ?? ''}"
          aria-describedby="carrierName-help"
        />
        <p id="carrierName-help" class="muted">Amazon gets it as carrier Other with this name.</p>
        <label for="trackingNumber">Tracking number</label>
        <input
          id="trackingNumber"
          name="trackingNumber"
          required
          value="${form.trackingNumber ?? ''}"
          autocomplete="off"
        />
        <fieldset>
          <legend>Items in this package</legend>
          <p class="muted">
            Every item at its full quantity ships the order; fewer ship a partial package, the rest stays to ship.
          </p>
          ${lines.map(
            (l, i) =>
              html`<label for="qty_${i}"
                  >${l.sku} <span class="muted">${l.name ?? ''}</span> (open: ${l.quantity})</label
                >
                <input
                  id="qty_${i}"
                  name="qty_${i}"
                  type="number"
                  min="0"
                  max="${l.quantity}"
                  step="1"
                  value="${form[`qty_${i}`] ?? l.quantity}"
                />`,
          )}
        </fieldset>
        <p><button type="submit">Ship and confirm to Amazon</button></p>
      </form>`
    : html`<p>Nothing is left to ship on this order.</p>`;
  return sendPage(
    reply,
    { title, current: '/', session, status },
    html`<h1>${title}</h1>
      <p>
        <a href="/orders/${encodeURIComponent(order.amazonOrderId)}${toQuery({ account: order.account })}"
          >Order page</a
        >
        · latest ship date ${when(order.latestShipDate)} ${riskBadge(order.shipBy)}
      </p>
      ${error ? notice('bad', html`Not shipped: ${error}`) : ''} ${body}`,
  );
}

function shipAnswerPage(
  reply: FastifyReply,
  session: ConsoleSession,
  order: OrderDetail,
  outcome: ShipmentOutcome,
): FastifyReply {
  const pkg = outcome.package;
  const what = pkg ? `package ${pkg.packageReferenceId} (${pkg.carrier ?? ''} ${pkg.trackingNumber})` : 'the package';
  const answer: Html =
    outcome.amazon === 'accepted'
      ? notice('good', html`<strong>Amazon accepted</strong> ${what}.`)
      : outcome.amazon === 'rejected'
        ? notice('bad', html`<strong>Amazon rejected</strong> ${what}: ${outcome.error?.message ?? ''}`)
        : notice(
            'warn',
            html`<strong>Amazon has not answered yet</strong> for
              ${what}${outcome.error ? html`: ${outcome.error.message}` : '.'} The order page shows the answer when it
              comes.`,
          );
  const orderHref = `/orders/${encodeURIComponent(order.amazonOrderId)}${toQuery({ account: order.account })}`;
  return sendPage(
    reply,
    { title: `Shipped ${order.amazonOrderId}`, current: '/', session },
    html`<h1>Shipment of ${order.amazonOrderId}</h1>
      ${answer} ${outcome.duplicate ? html`<p>This package was recorded before: nothing was sent again.</p>` : ''}
      <p>
        <a class="button" href="/">Back to the pick list</a>
        <a class="button secondary" href="${orderHref}">Order page</a>
      </p>`,
  );
}

function slipPage(reply: FastifyReply, session: ConsoleSession, order: OrderDetail): FastifyReply {
  const a = order.deliveryAddress;
  const gift = order.lines.find((l) => l.kind === 'note')?.note;
  return sendPage(
    reply,
    { title: `Packing slip ${order.amazonOrderId}`, current: '/', session },
    html`<div class="slip">
      <h1>Packing slip</h1>
      <p class="no-print"><a href="/">Back to the pick list</a> · print with your browser (Ctrl+P).</p>
      <dl class="facts">
        <dt>Amazon order</dt>
        <dd>${order.amazonOrderId}</dd>
        <dt>Marketplace</dt>
        <dd>${order.marketplace ?? '—'}</dd>
        <dt>Ordered</dt>
        <dd>${when(order.purchaseDate)}</dd>
        <dt>Ship by</dt>
        <dd>${when(order.latestShipDate)}</dd>
      </dl>
      <h2>Ship to</h2>
      <address>
        ${a ? [a.name, a.company, a.street, a.street2, a.street3, [a.postalCode, a.city].filter(Boolean).join(' '), a.stateOrRegion, a.countryCode].filter(Boolean).map((x) => html`${x}<br />`) : 'No address (purged)'}
      </address>
      <h2>Items</h2>
      <table aria-label="Items to pack">
        <thead>
          <tr>
            <th scope="col">SKU</th>
            <th scope="col">Item</th>
            <th scope="col" class="num">Quantity</th>
          </tr>
        </thead>
        <tbody>
          ${openLines(order).map(
            (l) =>
              html`<tr>
                <td>${l.sku}</td>
                <td>${l.name ?? ''}</td>
                <td class="num">${l.quantity}</td>
              </tr>`,
          )}
        </tbody>
      </table>
      ${
        gift
          ? html`<h2>Gift message</h2>
              <p>${gift}</p>`
          : ''
      }
    </div>`,
  );
}
