import type { DestinationView } from '@leadrelay/destinations';
import { html, type HtmlValue } from './html.ts';

/**
 * A destination whose signing secret is short enough to guess, as the destination service says
 * (`secretWarnings`, from the stored length): the portal never reads secrets itself.
 */
export function weakSecretWarning(destination: DestinationView): HtmlValue {
  return destination.secretWarnings.map((warning) => html`<div class="warning small">Weak secret: ${warning}</div>`);
}
