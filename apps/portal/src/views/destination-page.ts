import type { DeliveryView, DestinationView } from '@leadrelay/destinations';
import type { PortalFlash } from '../services/portal-session-store.ts';
import { destinationFormFields } from './destination-form-fields.ts';
import { deliveriesTable } from './deliveries-table.ts';
import { eventTypeLabels, formatTime, healthSummary, modeBadge } from './display.ts';
import { html, type HtmlValue } from './html.ts';
import { csrfInput, postButton, renderPage, type PageViewer } from './layout.ts';
import { weakSecretWarning } from './secret-warning.ts';

export interface DestinationPageView {
  viewer: PageViewer;
  flash?: PortalFlash;
  destination: DestinationView;
  recentDeliveries: DeliveryView[];
  /** The replay form's default: a day ago, as `datetime-local` wants it (UTC). */
  replaySinceDefault: string;
}

/** Seed 003's flow: test first, then ask to go live with a description, a Partner ID Label and Help. */
function modeSection(viewer: PageViewer, destination: DestinationView): HtmlValue {
  const path = `/destinations/${destination.id}`;
  if (destination.mode === 'live') {
    return html`<p>${modeBadge('live')} It receives real leads${destination.partnerId ? html`, with Partner ID <code>${destination.partnerId}</code>` : null}.</p>`;
  }
  if (destination.mode === 'pending_review') {
    const request = destination.liveRequest;
    return html`<p>${modeBadge('pending_review')} You asked to go live; the LeadRelay operators will review it. Until then it receives test traffic only.</p>
      ${request
        ? html`<dl class="small"><dt>Description</dt><dd>${request.description}</dd><dt>Partner ID Label</dt><dd>${request.partnerIdLabel}</dd><dt>Partner ID Help</dt><dd>${request.partnerIdHelp}</dd></dl>`
        : null}`;
  }
  const previous = destination.liveRequest;
  return html`<p>${modeBadge('test')} It receives test sends and leads from sandbox partners only.</p>
    ${destination.reviewNote ? html`<div class="flash error" id="review-note"><strong>An operator returned it to test:</strong> ${destination.reviewNote}</div>` : null}
    <form class="stacked" method="post" action="${path}/request-live">${csrfInput(viewer)}
      <label for="description">Description <span class="hint">What your destination does, shown to clients connecting to it.</span></label>
      <textarea id="description" name="description" maxlength="2000" required>${previous?.description ?? ''}</textarea>
      <label for="partnerIdLabel">Partner ID Label <span class="hint">What your system calls a client's account, e.g. "Account ID", "Site Code".</span></label>
      <input id="partnerIdLabel" name="partnerIdLabel" type="text" maxlength="100" required value="${previous?.partnerIdLabel ?? ''}">
      <label for="partnerIdHelp">Partner ID Help <span class="hint">How a client finds it, e.g. "Visit Settings from your Dashboard".</span></label>
      <textarea id="partnerIdHelp" name="partnerIdHelp" maxlength="1000" required>${previous?.partnerIdHelp ?? ''}</textarea>
      <div class="actions"><button type="submit">Ask to go live</button></div>
    </form>`;
}

/** One destination: what it is and how it is doing, and every action a CRM takes on it. */
export function renderDestinationPage({ viewer, flash, destination, recentDeliveries, replaySinceDefault }: DestinationPageView): string {
  const path = `/destinations/${destination.id}`;
  return renderPage({
    title: destination.name,
    viewer,
    ...(flash ? { flash } : {}),
    body: html`<div class="spread"><h1>${destination.name}</h1><span class="row">${modeBadge(destination.mode)} ${healthSummary(destination)}</span></div>
      <div class="grid">
        <section class="card" id="overview"><h2>Overview</h2>
          <p class="url"><code>${destination.url}</code></p>
          ${weakSecretWarning(destination)}
          <p class="small">Events: ${destination.events.map((type) => eventTypeLabels[type]).join(', ')}<br>
            Timeout: ${destination.timeoutMs} ms<br>
            Registered: ${formatTime(destination.createdAt)}
            ${destination.secretSwitchAt ? html`<br>New secret signs X-Lead-Router-Signature from ${formatTime(destination.secretSwitchAt)}` : null}</p>
          <div class="actions">
            ${postButton(viewer, `${path}/test`, 'Send a test')}
            ${destination.enabled ? null : postButton(viewer, `${path}/enable`, 'Enable again', { style: 'secondary' })}
          </div>
        </section>
        <section class="card" id="mode"><h2>Going live</h2>${modeSection(viewer, destination)}</section>
      </div>
      <section class="card" id="recent-deliveries"><div class="spread"><h2>Latest deliveries</h2><a href="${path}/deliveries">All deliveries</a></div>
        ${deliveriesTable(recentDeliveries)}
        <form class="row" method="post" action="${path}/replay">${csrfInput(viewer)}
          <label for="since">Send again everything failed or paused since (UTC)</label>
          <input id="since" name="since" type="datetime-local" required value="${replaySinceDefault}">
          <button type="submit" class="secondary">Replay failed</button>
        </form>
      </section>
      <div class="grid">
        <section class="card" id="edit"><h2>Settings</h2>
          <form class="stacked" method="post" action="${path}/edit">${csrfInput(viewer)}
            ${destinationFormFields(destination)}
            <div class="actions"><button type="submit">Save</button></div>
          </form>
        </section>
        <section class="card" id="secret"><h2>Signing secret</h2>
          <p class="small">A new secret is shown once. Until it takes over, X-Lead-Router-Signature is still signed with the old one, so your receiver can switch in its own time.</p>
          <form class="stacked" method="post" action="${path}/rotate-secret">${csrfInput(viewer)}
            <label for="newSecret">New secret <span class="hint">Leave empty to have one made; 1 to 256 bytes.</span></label>
            <input id="newSecret" name="secret" type="text" maxlength="256" autocomplete="off">
            <fieldset><legend>Takes over X-Lead-Router-Signature</legend>
              <label><input type="radio" name="switch" value="later" checked> in 24 hours</label>
              <label><input type="radio" name="switch" value="now"> at once</label>
            </fieldset>
            <div class="actions"><button type="submit" class="secondary">Rotate the secret</button></div>
          </form>
          <h2>Remove</h2>
          <p class="small">Its deliveries stay for the record; nothing is sent to it any more.</p>
          <form method="post" action="${path}/delete">${csrfInput(viewer)}
            <label class="small"><input type="checkbox" name="confirm" value="yes" required> Yes, delete ${destination.name}</label>
            <div class="actions"><button type="submit" class="danger">Delete this destination</button></div>
          </form>
        </section>
      </div>`,
  });
}
