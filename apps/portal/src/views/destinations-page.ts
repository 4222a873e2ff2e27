import type { DeliveryView, DestinationView } from '@leadrelay/destinations';
import type { PortalFlash } from '../services/portal-session-store.ts';
import { deliveryStatusBadge, formatTime, healthSummary, modeBadge } from './display.ts';
import { html, type HtmlValue } from './html.ts';
import { renderPage, type PageViewer } from './layout.ts';
import { weakSecretWarning } from './secret-warning.ts';

export interface DestinationSummary {
  destination: DestinationView;
  /** Its latest deliveries, newest first. */
  recentDeliveries: DeliveryView[];
}

function recentDeliveriesCell(recent: DeliveryView[]): HtmlValue {
  if (recent.length === 0) return html`<span class="muted small">none yet</span>`;
  return html`<span class="row">${recent.map(
    (delivery) => html`<a href="/deliveries/${delivery.id}" title="${formatTime(delivery.createdAt)}">${deliveryStatusBadge(delivery.status)}</a>`,
  )}</span>`;
}

/** Every destination of the subscriber: mode, health, the latest deliveries, and a weak secret. */
export function renderDestinationsPage({ viewer, flash, summaries }: { viewer: PageViewer; flash?: PortalFlash; summaries: DestinationSummary[] }): string {
  const rows = summaries.map(
    ({ destination, recentDeliveries }) => html`<tr>
      <td data-label="Destination"><a href="/destinations/${destination.id}"><strong>${destination.name}</strong></a>
        <div class="small muted url">${destination.url}</div>${weakSecretWarning(destination)}</td>
      <td data-label="Mode">${modeBadge(destination.mode)}</td>
      <td data-label="Health">${healthSummary(destination)}</td>
      <td data-label="Latest deliveries">${recentDeliveriesCell(recentDeliveries)}
        <div class="small"><a href="/destinations/${destination.id}/deliveries">all deliveries</a></div></td>
    </tr>`,
  );
  return renderPage({
    title: 'Destinations',
    viewer,
    ...(flash ? { flash } : {}),
    body: html`<div class="spread"><h1>Your destinations</h1><a class="button" href="/destinations/new">Register a destination</a></div>
      ${summaries.length === 0
        ? html`<div class="card"><p>No destination yet. Register the URL of your receiver: it starts in test mode, receiving only test leads, until you ask to go live.</p></div>`
        : html`<div class="card table-wrap"><table class="cards" id="destinations">
            <thead><tr><th>Destination</th><th>Mode</th><th>Health</th><th>Latest deliveries</th></tr></thead>
            <tbody>${rows}</tbody></table></div>`}`,
  });
}
