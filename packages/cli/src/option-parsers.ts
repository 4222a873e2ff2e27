import { InvalidArgumentError } from 'commander';

/** Commander argument parsers: a bad value is a usage error (exit 2) with a one-line reason. */

export function parseAdminUrl(value: string): string {
  let url: URL;
  try {
    url = new URL(value);
  } catch (error) {
    throw new InvalidArgumentError(`not a URL: ${(error as Error).message}`);
  }
  if (url.protocol !== 'http:' && url.protocol !== 'https:') throw new InvalidArgumentError('must be an http(s) URL');
  return value;
}

export function parsePositiveInteger(value: string): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || !Number.isSafeInteger(number) || number < 1) throw new InvalidArgumentError('must be a positive whole number');
  return number;
}

/** A comma-separated list, e.g. `created,updated`; empty items are dropped. */
export function parseList(value: string): string[] {
  return value
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item.length > 0);
}

/** `from=to` pairs for a partner's fieldMap; the option may repeat. */
export function collectFieldMapping(value: string, previous: Record<string, string> = {}): Record<string, string> {
  const separator = value.indexOf('=');
  if (separator < 1 || separator === value.length - 1) throw new InvalidArgumentError('expected partnerField=canonicalField');
  return { ...previous, [value.slice(0, separator).trim()]: value.slice(separator + 1).trim() };
}

const durationUnitsMs: Record<string, number> = { s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * A point in time as ISO 8601: given as ISO 8601 (`2025-01-31`, `2025-01-31T08:00:00Z`) or as a
 * time ago (`90m`, `24h`, `7d`).
 */
export function parseSince(value: string, now: Date = new Date()): string {
  const ago = /^(\d+)([smhd])$/.exec(value.trim());
  if (ago) return new Date(now.getTime() - Number(ago[1]) * durationUnitsMs[ago[2]!]!).toISOString();
  const time = /^\d{4}-\d{2}-\d{2}/.test(value) ? Date.parse(value) : Number.NaN;
  if (Number.isNaN(time)) throw new InvalidArgumentError('expected an ISO 8601 time (2025-01-31T08:00:00Z) or a time ago (90m, 24h, 7d)');
  return new Date(time).toISOString();
}

const uuidPattern = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isUuid(value: string): boolean {
  return uuidPattern.test(value);
}
