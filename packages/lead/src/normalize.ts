import { parsePhoneNumberFromString, type CountryCode } from 'libphonenumber-js/max';

/** A field that failed normalization, with its path in the submitted item. */
export interface FieldError {
  path: string;
  message: string;
}

// Deliberately simple: one @, no spaces, a dot in the domain. Deliverability is not ours to judge.
const emailPattern = /^[^\s@]+@[^\s@]+\.[^\s@.]+$/;

// Characters that render as nothing: format characters (zero-width space U+200B, non-joiners
// U+200C/U+200D, word joiner U+2060, byte order mark U+FEFF, soft hyphen U+00AD, bidi marks, ...)
// and the other default-ignorable ones (variation selectors, Hangul fillers). Pasted from a web
// page or a spreadsheet they make an address that looks like another one a different lead.
const invisibleCharacters = /[\p{Cf}\p{Default_Ignorable_Code_Point}]/gu;

/**
 * The form of an email address that decides identity, and the one stored and delivered:
 * invisible characters removed, Unicode NFC (a composed and a decomposed "é" are one letter),
 * trimmed and lower-cased; null when it is not an email address. Nothing else is folded:
 * Gmail's dots and `+tags` and compatibility forms (full-width letters) stay as sent.
 */
export function normalizeEmail(raw: string): string | null {
  const email = raw.replace(invisibleCharacters, '').trim().toLowerCase().normalize('NFC');
  return email.length <= 254 && emailPattern.test(email) ? email : null;
}

/**
 * E.164, read in `defaultCountry` when it has no international prefix; null when it cannot be a
 * phone number. "Possible" (right length for the country), not "valid": the seeds' own examples
 * (808-123-1234, 8181234567) use exchanges that strict numbering-plan checks reject.
 */
export function normalizePhone(raw: string, defaultCountry: string = 'US'): string | null {
  const phone = parsePhoneNumberFromString(raw.trim(), {
    defaultCountry: defaultCountry.toUpperCase() as CountryCode,
  });
  return phone?.isPossible() ? phone.number : null;
}

/** Collapses inner white space and trims; empty becomes null. */
export function normalizeName(raw: string): string | null {
  const name = raw.replace(/\s+/g, ' ').trim();
  return name.length > 0 ? name : null;
}

const isoDatePattern = /^(\d{4})-(\d{2})-(\d{2})$/;
const usDatePattern = /^(\d{1,2})[/-](\d{1,2})[/-](\d{4})$/;

/**
 * A calendar date as `YYYY-MM-DD`. Accepts ISO dates and the US `MM/DD/YYYY` or `MM-DD-YYYY`
 * that aloware documents; null when it is not a real date.
 */
export function normalizeDate(raw: string): string | null {
  const text = raw.trim();
  let year: number;
  let month: number;
  let day: number;
  const iso = isoDatePattern.exec(text);
  const us = usDatePattern.exec(text);
  if (iso) {
    [year, month, day] = [Number(iso[1]), Number(iso[2]), Number(iso[3])];
  } else if (us) {
    [month, day, year] = [Number(us[1]), Number(us[2]), Number(us[3])];
  } else {
    return null;
  }
  const date = new Date(Date.UTC(year, month - 1, day));
  if (date.getUTCFullYear() !== year || date.getUTCMonth() !== month - 1 || date.getUTCDate() !== day) return null;
  return date.toISOString().slice(0, 10);
}

/** An ISO 8601 timestamp in UTC, or null when it cannot be read as one. */
export function normalizeTimestamp(raw: string): string | null {
  const text = raw.trim();
  if (!/^\d{4}-\d{2}-\d{2}/.test(text)) return null;
  // Without a zone, JavaScript would read the time in the server's zone: read it as UTC instead,
  // so the result does not depend on where we run.
  const hasTime = /\d{2}:\d{2}/.test(text);
  const hasZone = /(Z|[+-]\d{2}:?\d{2})$/i.test(text);
  const time = Date.parse(hasTime && !hasZone ? `${text.replace(' ', 'T')}Z` : text);
  return Number.isNaN(time) ? null : new Date(time).toISOString();
}
