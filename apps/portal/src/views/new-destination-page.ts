import type { PortalFlash } from '../services/portal-session-store.ts';
import { destinationFormFields, fieldValuesOfForm } from './destination-form-fields.ts';
import { html } from './html.ts';
import { csrfInput, renderPage, type PageViewer } from './layout.ts';

/** Registering a destination: it starts in test mode; the secret is generated unless the CRM keeps its own. */
export function renderNewDestinationPage({ viewer, flash }: { viewer: PageViewer; flash?: PortalFlash }): string {
  return renderPage({
    title: 'Register a destination',
    viewer,
    ...(flash ? { flash } : {}),
    body: html`<h1>Register a destination</h1>
      <div class="card"><form class="stacked" method="post" action="/destinations">${csrfInput(viewer)}
        ${destinationFormFields(fieldValuesOfForm(flash?.formValues))}
        <label for="secret">Signing secret <span class="hint">Leave empty and LeadRelay makes one (32 random bytes). A receiver moving from the Real Geeks router may keep its own: 1 to 256 bytes; below 16 you will be warned.</span></label>
        <input id="secret" name="secret" type="text" maxlength="256" autocomplete="off">
        <p class="small muted">It starts in test mode: it receives test sends and leads from sandbox partners only, until an operator approves it going live.</p>
        <div class="actions"><button type="submit">Register</button><a class="button secondary" href="/destinations">Cancel</a></div>
      </form></div>`,
  });
}
