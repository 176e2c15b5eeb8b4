import type { App } from '../app';
import { webhookDeliveries, webhookList, V1Services } from '../api-v1/service';
import { html, when } from './html';
import { sendPage } from './layout';
import { callerOfSession } from './session';

/** Webhook endpoints (scope admin): each with its recent deliveries; failing ones first and marked. */
const RECENT = 5;

export function registerWebhooks(app: App, s: V1Services): void {
  app.get('/webhooks', async (request, reply) => {
    const caller = callerOfSession(request);
    const endpoints = await Promise.all(
      (await webhookList(s, caller)).map((w) => webhookDeliveries(s, caller, { id: w.id, limit: RECENT })),
    );
    const failing = (e: (typeof endpoints)[number]) =>
      !e.webhook.enabled || (e.attempts[0] !== undefined && e.attempts[0].error !== null);
    endpoints.sort((a, b) => Number(failing(b)) - Number(failing(a)));
    return sendPage(
      reply,
      { title: 'Webhooks', current: '/webhooks', session: request.consoleSession },
      html`<h1>Webhooks</h1>
        ${endpoints.length ? '' : html`<p>No endpoint: <code>connector webhooks add &lt;url&gt;</code> or POST /v1/webhooks.</p>`}
        ${endpoints.map(
          (e) =>
            html`<section aria-labelledby="wh-${e.webhook.id}">
              <h2 id="wh-${e.webhook.id}">
                ${e.webhook.url}
                ${
                  !e.webhook.enabled
                    ? html`<span class="badge bad">Disabled</span>`
                    : failing(e)
                      ? html`<span class="badge bad">Failing</span>`
                      : html`<span class="badge good">Delivering</span>`
                }
              </h2>
              <p class="muted">
                ${e.webhook.id} · ${e.webhook.types.join(', ')} · delivered up to event
                ${e.webhook.cursor}${e.webhook.description ? ` · ${e.webhook.description}` : ''}
              </p>
              ${e.webhook.disabledReason ? html`<p>${e.webhook.disabledReason}</p>` : ''}
              ${
                e.attempts.length
                  ? html`<table aria-label="Recent deliveries to ${e.webhook.url}">
                      <thead>
                        <tr>
                          <th scope="col">When</th>
                          <th scope="col">Event</th>
                          <th scope="col">Status</th>
                          <th scope="col" class="num">Latency</th>
                          <th scope="col">Next retry</th>
                        </tr>
                      </thead>
                      <tbody>
                        ${e.attempts.map(
                          (a) =>
                            html`<tr>
                              <td>${when(a.attemptedAt)}</td>
                              <td>${a.eventId}</td>
                              <td>
                                ${a.error ? html`<span class="badge bad">${a.statusCode ?? 'no answer'}</span> ${a.error}` : html`<span class="badge good">${a.statusCode}</span>`}
                              </td>
                              <td class="num">${a.latencyMs} ms</td>
                              <td>${a.nextRetryAt ? when(a.nextRetryAt) : '—'}</td>
                            </tr>`,
                        )}
                      </tbody>
                    </table>`
                  : html`<p>No delivery yet.</p>`
              }
            </section>`,
        )}`,
    );
  });
}
