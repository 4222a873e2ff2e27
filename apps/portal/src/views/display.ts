import type { DeliveryView, DestinationView } from '@leadrelay/destinations';
import { html, type SafeHtml } from './html.ts';

/** Times as UTC, to the second, the same on every page and every subscriber's machine. */
export function formatTime(iso: string | null): string {
  if (!iso) return '—';
  return `${iso.slice(0, 10)} ${iso.slice(11, 19)} UTC`;
}

const modeBadges: Record<DestinationView['mode'], SafeHtml> = {
  test: html`<span class="badge info">test</span>`,
  pending_review: html`<span class="badge warn">waiting for review</span>`,
  live: html`<span class="badge good">live</span>`,
};

export function modeBadge(mode: DestinationView['mode']): SafeHtml {
  return modeBadges[mode];
}

/** Delivering, failing since when, or disabled and why: what a CRM wants to know first. */
export function healthSummary(destination: DestinationView): SafeHtml {
  if (!destination.enabled) {
    return html`<span class="badge bad">disabled</span> <span class="small">${formatTime(destination.disabledAt)}${destination.disabledReason ? html`: ${destination.disabledReason}` : null}</span>`;
  }
  if (destination.failingSince) return html`<span class="badge bad">failing</span> <span class="small">since ${formatTime(destination.failingSince)}</span>`;
  return html`<span class="badge good">delivering</span>`;
}

const statusStyles: Record<DeliveryView['status'], string> = {
  delivered: 'good',
  pending: 'info',
  failed: 'bad',
  stopped: 'warn',
  paused: 'plain',
};

export function deliveryStatusBadge(status: DeliveryView['status']): SafeHtml {
  return html`<span class="badge ${statusStyles[status]}">${status}</span>`;
}

/** An attempt's or a test's outcome in one line: the status the receiver answered, or why there was none. */
export function answerSummary({ statusCode, error }: { statusCode: number | null; error: string | null }): SafeHtml {
  if (statusCode !== null) {
    const style = statusCode >= 200 && statusCode < 300 ? 'good' : 'bad';
    return html`<span class="badge ${style}">HTTP ${statusCode}</span>${error ? html` <span class="small">${error}</span>` : null}`;
  }
  return html`<span class="badge bad">no answer</span> <span class="small">${error ?? ''}</span>`;
}

export const eventTypeLabels: Record<DestinationView['events'][number], string> = {
  created: 'New lead (created)',
  updated: 'Lead updated (updated)',
  activity_added: 'Activities added (activity_added)',
};
