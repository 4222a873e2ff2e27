import type { DestinationView } from '@leadrelay/destinations';
import { html, type HtmlValue } from './html.ts';

/**
 * A destination whose signing secret is short enough to guess. Shown only when the view says
 * so (`secretWarnings`, from the destination service); the portal never reads secrets itself.
 */
export function weakSecretWarning(destination: DestinationView): HtmlValue {
  const warnings = (destination as DestinationView & { secretWarnings?: string[] }).secretWarnings ?? [];
  return warnings.map((warning) => html`<div class="warning small">Weak secret: ${warning}</div>`);
}
