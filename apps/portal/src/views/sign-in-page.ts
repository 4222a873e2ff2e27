import { html } from './html.ts';
import { renderPage } from './layout.ts';
import type { SignedOutReason } from '../plugins/portal-session.ts';

const signedOutMessages: Record<SignedOutReason, string> = {
  expired: 'Your session ended. Sign in again.',
  disabled: 'This subscriber was disabled by the LeadRelay operators.',
  'key-changed': 'Your subscriber key was rotated: sign in with the new one.',
};

export interface SignInView {
  /** Why the last attempt or the last session failed. */
  error?: string;
  signedOut?: SignedOutReason;
}

/** The key field, and nothing else: the key is exchanged for a session cookie and never kept by the browser. */
export function renderSignInPage({ error, signedOut }: SignInView): string {
  const message = error ?? (signedOut ? signedOutMessages[signedOut] : undefined);
  return renderPage({
    title: 'Sign in',
    ...(message ? { flash: { kind: 'error' as const, message } } : {}),
    body: html`<div class="card sign-in">
      <h1>Sign in</h1>
      <p class="muted">Sign in with the subscriber key the LeadRelay operators gave you (it starts with <code>lrsub_</code>).</p>
      <form class="stacked" method="post" action="/session">
        <label for="apiKey">Subscriber key</label>
        <input id="apiKey" name="apiKey" type="password" autocomplete="current-password" required>
        <div class="actions"><button type="submit">Sign in</button></div>
      </form>
    </div>`,
  });
}
