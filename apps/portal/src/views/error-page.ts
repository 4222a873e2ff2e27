import { html } from './html.ts';
import { renderPage, type PageViewer } from './layout.ts';

const titles: Record<number, string> = { 400: 'Bad request', 403: 'Refused', 404: 'Not found', 409: 'Not now', 429: 'Too many attempts' };

/** A page that could not be shown or an action that was refused, with the safe message of its error. */
export function renderErrorPage({ statusCode, message, viewer }: { statusCode: number; message: string; viewer?: PageViewer }): string {
  const title = titles[statusCode] ?? (statusCode >= 500 ? 'Something went wrong' : 'Cannot do that');
  return renderPage({
    title,
    ...(viewer ? { viewer } : {}),
    body: html`<div class="card"><h1>${title}</h1><p>${message}</p><p><a href="${viewer ? '/destinations' : '/'}">Back to the portal</a></p></div>`,
  });
}
