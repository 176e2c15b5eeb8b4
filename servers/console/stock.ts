import { z } from 'zod';
import type { App } from '../app';
import { can, putStock, stockPage, V1Services } from '../api-v1/service';
import { html, when } from './html';
import { csrfField, notice, pager, sendPage, toQuery } from './layout';
import { callerOfSession } from './session';

/** Stock levels per product; a counted quantity saved here goes the PUT /v1/stock path (putStock), stockSync after. */

const PAGE_SIZE = 50;

export function registerStock(app: App, s: V1Services): void {
  app.get(
    '/stock',
    {
      schema: {
        querystring: z.object({
          sku: z.string().trim().optional(),
          cursor: z.string().optional(),
          saved: z.string().optional(),
          synced: z.coerce.number().int().optional(),
        }),
      },
    },
    async (request, reply) => {
      const caller = callerOfSession(request);
      const session = request.consoleSession!;
      const { sku, cursor, saved, synced } = request.query;
      const list = await stockPage(s, caller, { sku: sku || undefined, cursor, limit: PAGE_SIZE });
      const editable = can(caller, 'stock');
      const rows = list.items.map(
        (p) =>
          html`<tr>
            <th scope="row">${p.sku}<br /><span class="muted">${p.name}</span></th>
            <td class="num">${p.onHand}</td>
            <td class="num">${p.reserved}</td>
            <td class="num">${p.free}</td>
            <td>
              ${p.offers.length ? p.offers.map((o) => html`${o.account} ${o.marketplace} ${o.channel}: ${o.lastPushed ?? '—'}${o.lastPushedAt ? html` <span class="muted">(${when(o.lastPushedAt)})</span>` : ''}${o.lastError ? html` <span class="badge bad">${o.lastError}</span>` : ''}<br />`) : '—'}
            </td>
            <td class="num">${p.fba}</td>
            <td>
              ${p.drift.length ? p.drift.map((d) => html`${d.account}: ${d.drift > 0 ? '+' : ''}${d.drift}<br />`) : '—'}
            </td>
            ${
              editable
                ? html`<td>
                    <form method="post" action="/stock" class="inline">
                      ${csrfField(session)}
                      <input type="hidden" name="sku" value="${p.sku}" />
                      <label for="onhand-${p.sku}" class="visually-hidden">New on-hand quantity of ${p.sku}</label>
                      <input
                        id="onhand-${p.sku}"
                        name="quantity"
                        type="number"
                        min="0"
                        step="1"
                        value="${p.onHand}"
                        required
                      />
                      <button type="submit" aria-label="Save on hand of ${p.sku}">Save</button>
                    </form>
                  </td>`
                : ''
            }
          </tr>`,
      );
      return sendPage(
        reply,
        { title: 'Stock', current: '/stock', session },
        html`<h1>Stock</h1>
          ${saved ? notice('good', `On hand of ${saved} saved. Stock sync requested for ${synced ?? 0} account(s): Amazon gets the new quantity with the next stockSync.`) : ''}
          <form method="get" action="/stock" class="filters" role="search" aria-label="Find a product">
            <div><label for="sku">SKU</label><input id="sku" name="sku" value="${sku ?? ''}" /></div>
            <div><button type="submit">Find</button></div>
          </form>
          <p class="muted">
            On hand in our warehouse (WH), reserved by open FBM deliveries, free for Amazon; per offer the quantity
            Amazon last took; Amazon's FBA quantity, and the drift the last FBA sync found.
          </p>
          ${
            rows.length
              ? html`<div class="table-wrap">
                  <table aria-label="Stock levels">
                    <thead>
                      <tr>
                        <th scope="col">Product</th>
                        <th scope="col" class="num">On hand</th>
                        <th scope="col" class="num">Reserved</th>
                        <th scope="col" class="num">Free</th>
                        <th scope="col">Last pushed to Amazon</th>
                        <th scope="col" class="num">FBA</th>
                        <th scope="col">Drift</th>
                        ${editable ? html`<th scope="col">Counted on hand</th>` : ''}
                      </tr>
                    </thead>
                    <tbody>
                      ${rows}
                    </tbody>
                  </table>
                </div>`
              : html`<p>No products match.</p>`
          }
          ${pager('/stock', { sku: sku || undefined, cursor }, list.nextCursor)}`,
      );
    },
  );

  app.post(
    '/stock',
    { schema: { body: z.object({ sku: z.string().min(1), quantity: z.string(), _csrf: z.string() }) } },
    async (request, reply) => {
      const { sku, quantity } = request.body;
      const answer = await putStock(s, callerOfSession(request), {
        items: [{ sku, quantity: /^\d+$/.test(quantity.trim()) ? Number(quantity) : -1 }],
      });
      const synced = (answer.body as { stockSyncRequested: string[] }).stockSyncRequested.length;
      return reply.redirect(`/stock${toQuery({ sku, saved: sku, synced: String(synced) })}`, 303);
    },
  );
}
