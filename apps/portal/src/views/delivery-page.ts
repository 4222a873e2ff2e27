import type { DeliveryDetail, DestinationView } from '@leadrelay/destinations';
import type { PortalFlash } from '../services/portal-session-store.ts';
import { answerSummary, deliveryStatusBadge, formatTime } from './display.ts';
import { html, type HtmlValue } from './html.ts';
import { postButton, renderPage, type PageViewer } from './layout.ts';

/** What was sent, when the delivery service gives it: the body and headers exactly as they left. */
interface SentRequest {
  requestBody?: string | null;
  requestHeaders?: Record<string, string> | null;
}

export interface DeliveryPageView {
  viewer: PageViewer;
  flash?: PortalFlash;
  destination: Pick<DestinationView, 'id' | 'name'>;
  delivery: DeliveryDetail & SentRequest;
}

function sentRequest(delivery: SentRequest): HtmlValue {
  if (!delivery.requestBody && !delivery.requestHeaders) return null;
  const headers = Object.entries(delivery.requestHeaders ?? {}).map(([name, value]) => `${name}: ${value}`).join('\n');
  return html`<section class="card" id="sent"><h2>What was sent</h2>
    ${headers ? html`<h3 class="small">Headers</h3><pre>${headers}</pre>` : null}
    ${delivery.requestBody ? html`<h3 class="small">Body</h3><pre>${delivery.requestBody}</pre>` : null}
  </section>`;
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
      ${sentRequest(delivery)}`,
  });
}
