import type { DeliveryDetail, DestinationView } from '@leadrelay/destinations';
import type { PortalFlash } from '../services/portal-session-store.ts';
import { answerSummary, deliveryStatusBadge, formatTime } from './display.ts';
import { html, type HtmlValue } from './html.ts';
import { postButton, renderPage, type PageViewer } from './layout.ts';

/**
 * What each attempt sent, exactly: its headers (signatures included) and its body. In <details>,
 * which opens without JavaScript; the last attempt's is open.
 */
function sentRequests(delivery: DeliveryDetail): HtmlValue {
  const sent = delivery.attempts.filter((attempt) => attempt.request !== null);
  if (sent.length === 0) return null;
  const last = sent.at(-1);
  return html`<section class="card" id="sent"><h2>What was sent</h2>
    ${sent.map(
      (attempt) => html`<details${attempt === last ? html` open` : null}><summary>Attempt ${attempt.number}, ${formatTime(attempt.startedAt)}</summary>
        <h3 class="small">Headers</h3><pre class="sent-headers">${Object.entries(attempt.request!.headers).map(([name, value]) => `${name}: ${value}`).join('\n')}</pre>
        <h3 class="small">Body</h3>${attempt.request!.body !== null
          ? html`<pre class="sent-body">${attempt.request!.body}</pre>`
          : html`<p class="small muted">The lead document was removed (retention or erasure).</p>`}
      </details>`,
    )}
  </section>`;
}

export interface DeliveryPageView {
  viewer: PageViewer;
  flash?: PortalFlash;
  destination: Pick<DestinationView, 'id' | 'name'>;
  delivery: DeliveryDetail;
}

/** One delivery: every attempt with the receiver's answer, and a way to send it again. */
export function renderDeliveryPage({ viewer, flash, destination, delivery }: DeliveryPageView): string {
  const attempts = delivery.attempts.map(
    (attempt) => html`<tr>
      <td data-label="#">${attempt.number}</td>
      <td data-label="Started">${formatTime(attempt.startedAt)}</td>
      <td data-label="Took">${attempt.durationMs} ms</td>
      <td data-label="Answer">${answerSummary(attempt)}</td>
      <td data-label="Answer body">${attempt.responseBody !== null
        ? html`<pre>${attempt.responseBody}</pre>`
        : attempt.responseBodyRemovedAt
          ? html`<span class="small muted">removed by retention ${formatTime(attempt.responseBodyRemovedAt)}</span>`
          : html`<span class="muted">—</span>`}</td>
    </tr>`,
  );
  return renderPage({
    title: `Delivery ${delivery.id}`,
    viewer,
    ...(flash ? { flash } : {}),
    body: html`<p class="small"><a href="/destinations/${destination.id}/deliveries">← deliveries of ${destination.name}</a></p>
      <div class="spread"><h1>Delivery</h1><span id="delivery-status">${deliveryStatusBadge(delivery.status)}</span></div>
      <section class="card" id="summary">
        <p class="small">Event: <strong>${delivery.eventType}</strong> of lead <code>${delivery.leadId}</code><br>
          X-Lead-Router-Message-Id: <code>${delivery.messageId}</code><br>
          Made: ${formatTime(delivery.createdAt)}${delivery.deliveredAt ? html` · delivered ${formatTime(delivery.deliveredAt)}` : null}
          ${delivery.nextAttemptAt ? html`<br>Next attempt: ${formatTime(delivery.nextAttemptAt)}` : null}</p>
        <div class="actions">${delivery.status === 'pending' ? html`<span class="small muted">Being sent: it can be replayed once this run ends.</span>` : postButton(viewer, `/deliveries/${delivery.id}/replay`, 'Replay this delivery')}</div>
      </section>
      <section class="card" id="attempts"><h2>Attempts</h2>
        ${attempts.length === 0
          ? html`<p class="muted">No attempt yet.</p>`
          : html`<div class="table-wrap"><table class="cards"><thead><tr><th>#</th><th>Started</th><th>Took</th><th>Answer</th><th>Answer body (first 1 KiB)</th></tr></thead><tbody>${attempts}</tbody></table></div>`}
      </section>
      ${sentRequests(delivery)}`,
  });
}
