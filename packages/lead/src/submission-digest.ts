import { hash } from 'node:crypto';

/**
 * A JSON value as one canonical text: RFC 8785 (JSON Canonicalization Scheme), i.e. no whitespace,
 * object members sorted by the UTF-16 code units of their names, strings and numbers as
 * ECMAScript's JSON.stringify writes them. A raw submission is stored as JSONB, which keeps neither
 * the partner's key order nor its spacing, so its digest is taken over this text: anyone holding
 * the stored (or exported) payload can compute it again with any RFC 8785 implementation.
 */
export function canonicalJson(value: unknown): string {
  if (value === null || typeof value === 'boolean' || typeof value === 'string') return JSON.stringify(value);
  if (typeof value === 'number') {
    if (!Number.isFinite(value)) throw new TypeError(`canonical JSON has no form for the number ${value}`);
    return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const members = Object.entries(value as Record<string, unknown>)
      .filter(([, member]) => member !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${members.map(([name, member]) => `${JSON.stringify(name)}:${canonicalJson(member)}`).join(',')}}`;
  }
  throw new TypeError(`canonical JSON has no form for a ${typeof value}`);
}

/** SHA-256 (hex) of a stored raw submission's payload in its canonical JSON form (`canonicalJson`). */
export function rawSubmissionSha256(payload: unknown): string {
  return hash('sha256', canonicalJson(payload), 'hex');
}
