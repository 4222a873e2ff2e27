import { html, type HtmlValue, type SafeHtml } from './html.ts';
import type { PortalFlash } from '../services/portal-session-store.ts';
import { csrfField } from '../plugins/page-security.ts';

/** Who is signed in, for the header and the forms' CSRF field; absent on the sign-in page. */
export interface PageViewer {
  subscriberName: string;
  csrfToken: string;
}

export interface PageFrame {
  title: string;
  viewer?: PageViewer;
  flash?: PortalFlash;
  body: HtmlValue;
}

/** The hidden CSRF field every form of a signed-in page carries. */
export function csrfInput(viewer: PageViewer): SafeHtml {
  return html`<input type="hidden" name="${csrfField}" value="${viewer.csrfToken}">`;
}

/** A one-button form posting to `action`: every change is a POST, never a link. */
export function postButton(viewer: PageViewer, action: string, label: string, { style = '' }: { style?: 'secondary' | 'danger' | '' } = {}): SafeHtml {
  return html`<form class="inline" method="post" action="${action}">${csrfInput(viewer)}<button type="submit" class="${style}">${label}</button></form>`;
}

function flashBlock(flash: PortalFlash | undefined): HtmlValue {
  if (!flash) return null;
  return html`<div class="flash ${flash.kind}" role="${flash.kind === 'error' ? 'alert' : 'status'}">
    <strong>${flash.message}</strong>
    ${flash.details?.length ? html`<ul>${flash.details.map((detail) => html`<li>${detail}</li>`)}</ul>` : null}
    ${flash.preformatted !== undefined ? html`<pre>${flash.preformatted}</pre>` : null}
    ${flash.secret
      ? html`<div class="secret"><div>The signing secret, shown only this once: keep it in your receiver.</div><code id="shown-secret">${flash.secret}</code></div>`
      : null}
  </div>`;
}

/** Every page: one stylesheet from the portal itself, no script, a header with the way out. */
export function renderPage({ title, viewer, flash, body }: PageFrame): string {
  return `<!doctype html>${html`<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · LeadRelay portal</title>
<link rel="stylesheet" href="/assets/portal.css">
</head>
<body>
<header class="top"><div class="bar">
  <a class="brand" href="${viewer ? '/destinations' : '/'}">LeadRelay portal</a>
  ${viewer
    ? html`<nav><a href="/destinations">Destinations</a><a href="/destinations/new">Register</a></nav>
      <span class="who">${viewer.subscriberName}</span>
      ${postButton(viewer, '/session/logout', 'Sign out', { style: 'secondary' })}`
    : null}
</div></header>
<main>
${flashBlock(flash)}
${body}
</main>
</body>
</html>`.value}`;
}
