import { DeliveryStatusSchema, type DeliveryView, type DestinationView } from '@leadrelay/destinations';
import type { PortalFlash } from '../services/portal-session-store.ts';
import { deliveriesTable } from './deliveries-table.ts';
import { html } from './html.ts';
import { renderPage, type PageViewer } from './layout.ts';

export interface DeliveriesPageView {
  viewer: PageViewer;
  flash?: PortalFlash;
  destination: DestinationView;
  deliveries: DeliveryView[];
  status: DeliveryView['status'] | undefined;
  /** The next (older) page's cursor; null on the last page. */
  nextCursor: string | null;
  /** True past the first page, for a link back to the newest. */
  paged: boolean;
}

/** A destination's deliveries, newest first, by status, one page at a time (the filter is a GET form). */
export function renderDeliveriesPage({ viewer, flash, destination, deliveries, status, nextCursor, paged }: DeliveriesPageView): string {
  const path = `/destinations/${destination.id}/deliveries`;
  const withStatus = (query: Record<string, string>) => `${path}?${new URLSearchParams({ ...(status ? { status } : {}), ...query })}`;
  return renderPage({
    title: `Deliveries of ${destination.name}`,
    viewer,
    ...(flash ? { flash } : {}),
    body: html`<p class="small"><a href="/destinations/${destination.id}">← ${destination.name}</a></p>
      <h1>Deliveries</h1>
      <form class="row card" method="get" action="${path}">
        <label for="status">Status</label>
        <select id="status" name="status">
          <option value="">any</option>
          ${DeliveryStatusSchema.options.map((option) => html`<option value="${option}"${option === status ? html` selected` : null}>${option}</option>`)}
        </select>
        <button type="submit" class="secondary">Show</button>
      </form>
      <div class="card">${deliveriesTable(deliveries)}
        <div class="actions">
          ${paged ? html`<a class="button secondary" href="${withStatus({})}">Newest</a>` : null}
          ${nextCursor ? html`<a class="button secondary" rel="next" href="${withStatus({ cursor: nextCursor })}">Older</a>` : null}
        </div>
      </div>`,
  });
}
