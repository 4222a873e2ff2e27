import type { DeliveryView } from '@leadrelay/destinations';
import { deliveryStatusBadge, formatTime } from './display.ts';
import { html, type HtmlValue } from './html.ts';

/** Deliveries, newest first, each linking to its attempts. */
export function deliveriesTable(deliveries: DeliveryView[]): HtmlValue {
  if (deliveries.length === 0) return html`<p class="muted">No deliveries.</p>`;
  return html`<div class="table-wrap"><table class="cards deliveries">
    <thead><tr><th>Made</th><th>Event</th><th>Status</th><th>Attempts</th><th>Last error</th></tr></thead>
    <tbody>${deliveries.map(
      (delivery) => html`<tr data-delivery-id="${delivery.id}">
        <td data-label="Made"><a href="/deliveries/${delivery.id}">${formatTime(delivery.createdAt)}</a></td>
        <td data-label="Event">${delivery.eventType}</td>
        <td data-label="Status">${deliveryStatusBadge(delivery.status)}</td>
        <td data-label="Attempts">${delivery.attemptCount}</td>
        <td data-label="Last error" class="small">${delivery.lastError ?? '—'}</td>
      </tr>`,
    )}</tbody></table></div>`;
}
