import {
  normalizeCanonicalLead,
  type CanonicalLeadInput,
  type NormalizeResult,
} from '../canonical-lead.ts';
import type { FieldError } from '../normalize.ts';
import { findJsonBoundsViolation } from '../json-bounds.ts';
import { applyFieldMap, pathAsSent } from './field-map.ts';

/** What every partner profile is given besides the item. */
export interface ProfileOptions {
  /** Region for national phone numbers (partner's `defaultCountry`, default US). */
  defaultCountry?: string;
  /** Partner field name -> the profile's standard field name, applied before mapping. */
  fieldMap?: Record<string, string>;
}

/** Canonical error path (`consent.ip`) -> the profile field it came from (`compliance_ip`). */
export type CanonicalFieldSources = Record<string, string>;

// Keys that mean something to JavaScript objects; a lead's `extra` must never carry them.
const prototypeKeys: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/**
 * One item as a partner sent it, with the fieldMap applied, and the problems found reading it.
 * Readers never throw: a field of the wrong type becomes an error on that field.
 */
export class PartnerItemReader {
  readonly errors: FieldError[] = [];

  private constructor(
    /** The item exactly as sent, for naming fields in errors. */
    private readonly sent: Readonly<Record<string, unknown>>,
    /** The item under the profile's standard field names. */
    readonly fields: Readonly<Record<string, unknown>>,
    private readonly fieldMap: Readonly<Record<string, string>>,
  ) {}

  /** A reader, or null when the item is not a JSON object (an array, a string, null...). */
  static open(item: unknown, fieldMap: Record<string, string> = {}): PartnerItemReader | null {
    if (typeof item !== 'object' || item === null || Array.isArray(item)) return null;
    const sent = item as Record<string, unknown>;
    return new PartnerItemReader(sent, applyFieldMap(sent, fieldMap), fieldMap);
  }

  /** Whether the partner sent the field with a value (empty strings and null count as not sent). */
  has(field: string): boolean {
    const value = this.fields[field];
    if (typeof value === 'string') return value.trim() !== '';
    return value !== undefined && value !== null;
  }

  fail(path: string, message: string): void {
    this.errors.push({ path, message });
  }

  /** Trimmed text; undefined when absent or empty. */
  text(field: string): string | undefined {
    return this.untrimmedText(field)?.trim();
  }

  /** Text exactly as sent, for values where surrounding white space is itself a flaw. */
  untrimmedText(field: string): string | undefined {
    if (!this.has(field)) return undefined;
    const value = this.fields[field];
    if (typeof value !== 'string') {
      this.fail(field, 'must be a string');
      return undefined;
    }
    return value;
  }

  requiredText(field: string): string | undefined {
    if (!this.has(field)) {
      this.fail(field, 'is required');
      return undefined;
    }
    return this.text(field);
  }

  /** An id as text; partners that send it as a JSON number get its decimal digits. */
  identifier(field: string): string | undefined {
    const value = this.fields[field];
    if (typeof value === 'number' && Number.isSafeInteger(value) && value >= 0) return String(value);
    return this.text(field);
  }

  /** The fields no mapping used, as sent; undefined when there are none. */
  unmappedFields(isMapped: (field: string) => boolean): Record<string, unknown> | undefined {
    const extra: Record<string, unknown> = {};
    for (const [field, value] of Object.entries(this.fields)) {
      if (isMapped(field) || prototypeKeys.has(field)) continue;
      extra[field] = value;
    }
    return Object.keys(extra).length > 0 ? extra : undefined;
  }

  /** Where the item as sent goes past what an item may contain (`itemJsonBounds`), if it does. */
  boundsViolation(): FieldError | null {
    return findJsonBoundsViolation(this.sent);
  }

  /** An error path in the partner's own field names. */
  pathAsSent(path: string): string {
    return pathAsSent(path, this.sent, this.fieldMap);
  }
}

/** The answer for an item that is not a JSON object; fresh each time, callers may add to it. */
export function notAnObject(): NormalizeResult {
  return { ok: false, errors: [{ path: '', message: 'must be a JSON object' }] };
}

export interface MappedLead {
  /** The lead in canonical shape, holding only values that were read without error. */
  canonical: CanonicalLeadInput;
  /** Where canonical fields came from, for those whose profile name differs. */
  sources?: CanonicalFieldSources;
  extra?: Record<string, unknown> | undefined;
}

/**
 * Validates and normalizes the mapped lead with the canonical rules (so every profile gets the
 * same limits and formats), then reports every problem, the reader's and the canonical ones, under
 * the partner's field names. Which fields are required is the profile's rule: once the reader has
 * reported problems, canonical complaints about a field the mapping left out (its "email or phone"
 * check) only restate them. One error per field.
 */
export function finishLead(
  reader: PartnerItemReader,
  mapped: MappedLead,
  options: ProfileOptions,
): NormalizeResult {
  // The item is stored as sent: it is held to the bounds as a whole, unmapped fields included.
  const tooLarge = reader.boundsViolation();
  if (tooLarge) return { ok: false, errors: [tooLarge] };
  const normalizeOptions = options.defaultCountry === undefined ? {} : { defaultCountry: options.defaultCountry };
  const result = normalizeCanonicalLead(mapped.canonical, normalizeOptions);
  const errors = [...reader.errors];
  if (!result.ok) {
    for (const error of result.errors) {
      if (reader.errors.length > 0 && isAboutAbsentField(error.path, mapped.canonical)) continue;
      const path = profilePath(error.path, mapped.sources ?? {});
      if (!errors.some((known) => known.path === path)) errors.push({ path, message: error.message });
    }
  }
  if (errors.length > 0 || !result.ok) {
    return { ok: false, errors: errors.map((error) => ({ ...error, path: reader.pathAsSent(error.path) })) };
  }
  if (mapped.extra !== undefined) result.lead.extra = mapped.extra;
  return result;
}

function profilePath(canonicalPath: string, sources: CanonicalFieldSources): string {
  return Object.hasOwn(sources, canonicalPath) ? sources[canonicalPath]! : canonicalPath;
}

function isAboutAbsentField(canonicalPath: string, canonical: CanonicalLeadInput): boolean {
  const field = canonicalPath.split('.')[0] ?? '';
  return (canonical as Record<string, unknown>)[field] === undefined;
}
