import type { App } from '../app';
import { accountStatuses, V1Services } from '../api-v1/service';
import { html, when } from './html';
import { sendPage } from './layout';
import { callerOfSession } from './session';

/** Seller accounts: linked and enabled, marketplaces, how far orderSync got, the last stockSync's outcome. */
export function registerAccounts(app: App, s: V1Services): void {
  app.get('/accounts', async (request, reply) => {
    const accounts = await accountStatuses(s, callerOfSession(request));
    const stockOutcome = (a: (typeof accounts)[number]) => {
      const run = a.lastStockSync;
      if (!run) return html`never`;
      const bad = run.error || run.rejected > 0;
      return html`<span class="badge ${bad ? 'bad' : 'good'}">${run.status}</span> ${when(run.finishedAt)} ·
        ${run.accepted} accepted, ${run.rejected} rejected${run.error ? html`<br />${run.error}` : ''}`;
    };
    return sendPage(
      reply,
      { title: 'Accounts', current: '/accounts', session: request.consoleSession },
      html`<h1>Accounts</h1>
        ${
          accounts.length
            ? html`<div class="table-wrap">
                <table aria-label="Seller accounts">
                  <thead>
                    <tr>
                      <th scope="col">Account</th>
                      <th scope="col">Linked</th>
                      <th scope="col">Marketplaces</th>
                      <th scope="col">Orders synced up to</th>
                      <th scope="col">Last stock sync</th>
                    </tr>
                  </thead>
                  <tbody>
                    ${accounts.map(
                      (a) =>
                        html`<tr>
                          <th scope="row">
                            ${a.account}<br /><span class="muted">${a.sellerId} · ${a.region.toUpperCase()}</span>
                          </th>
                          <td>
                            ${a.enabled ? html`<span class="badge good">Linked, enabled</span>` : html`<span class="badge bad">Linked, disabled</span>`}<br /><span
                              class="muted"
                              >${a.endpoint ? `sandbox ${a.endpoint}` : 'Amazon'}</span
                            >
                          </td>
                          <td>
                            ${a.marketplaces.map((m) => html`${m.code}: ${m.enabled ? 'enabled' : 'off'}${m.participating ? '' : ' (not participating)'}<br />`)}
                          </td>
                          <td>${when(a.ordersSyncedUpTo)}</td>
                          <td>${stockOutcome(a)}</td>
                        </tr>`,
                    )}
                  </tbody>
                </table>
              </div>`
            : html`<p>No account yet: <code>connector accounts add</code>.</p>`
        }`,
    );
  });
}
