import { allEventTypes } from '@leadrelay/destinations';
import { eventTypeLabels } from './display.ts';
import { html, type HtmlValue } from './html.ts';

/** What the fields show: a destination's settings, or what a refused form held. */
export interface DestinationFieldValues {
  name?: string;
  url?: string;
  events?: readonly string[];
  timeoutMs?: number | string;
  /** A stored filter (an object), or the text a refused form held. */
  filter?: unknown;
}

/** A refused form's values (PortalFlash.formValues) as the fields take them. */
export function fieldValuesOfForm(values: Record<string, string | string[]> | undefined): DestinationFieldValues | undefined {
  if (!values) return undefined;
  const text = (name: string) => (typeof values[name] === 'string' ? values[name] : undefined);
  const events = values.events === undefined ? [] : Array.isArray(values.events) ? values.events : [values.events];
  return { name: text('name'), url: text('url'), events, timeoutMs: text('timeoutMs'), filter: text('filter') };
}

/** The fields a subscriber sets on a destination, for the register form and the edit form alike. */
export function destinationFormFields(destination?: DestinationFieldValues): HtmlValue {
  const events = new Set<string>(destination?.events ?? allEventTypes);
  return html`
    <label for="name">Name</label>
    <input id="name" name="name" type="text" maxlength="200" required value="${destination?.name ?? ''}">
    <label for="url">URL <span class="hint">Where LeadRelay POSTs each lead document (seed 003's format), https in production.</span></label>
    <input id="url" name="url" type="url" maxlength="2000" required value="${destination?.url ?? ''}">
    <fieldset><legend>Events</legend>
      ${allEventTypes.map(
        (type) => html`<label><input type="checkbox" name="events" value="${type}"${events.has(type) ? html` checked` : null}> ${eventTypeLabels[type]}</label>`,
      )}
    </fieldset>
    <label for="timeoutMs">Timeout, in milliseconds <span class="hint">Per request; 100 to 60000, default 10000.</span></label>
    <input id="timeoutMs" name="timeoutMs" type="number" min="100" max="60000" step="1" value="${destination?.timeoutMs ?? ''}">
    ${filterField(destination)}`;
}

/** The field filter, edited as JSON (the API's `filter`); empty: every lead. */
function filterField(destination: DestinationFieldValues | undefined): HtmlValue {
  const filter = destination?.filter;
  const text = typeof filter === 'string' ? filter : filter === undefined || filter === null ? '' : JSON.stringify(filter, null, 2);
  return html`
    <label for="filter">Filter, as JSON <span class="hint">Which leads it receives, e.g. {"all":[{"field":"phone","exists":true},{"field":"source","equals":"zillow"}]}, with "any" and "not" too. Empty: every lead.</span></label>
    <textarea id="filter" name="filter" rows="5" maxlength="20000">${text}</textarea>`;
}
