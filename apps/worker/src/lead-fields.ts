import type { NormalizedLead } from '@leadrelay/lead';

/** Lead columns that come straight from a normalized lead. */
export const scalarLeadFields = [
  'email',
  'phone',
  'firstName',
  'lastName',
  'salutation',
  'gender',
  'age',
  'dateOfBirth',
  'source',
  'company',
  'address',
  'city',
  'state',
  'zip',
  'country',
  'timezone',
  'website',
  'notes',
] as const satisfies readonly (keyof NormalizedLead)[];

type ScalarField = (typeof scalarLeadFields)[number];
type StoredLead = { [Field in ScalarField]: NormalizedLead[Field] | null } & {
  custom: unknown;
  extra: unknown;
};

/** The columns of a new lead. */
export function leadColumns(lead: NormalizedLead): Record<string, unknown> {
  const columns: Record<string, unknown> = { custom: lead.custom ?? {}, extra: lead.extra ?? {} };
  for (const field of scalarLeadFields) {
    if (lead[field] !== undefined) columns[field] = lead[field];
  }
  return columns;
}

/**
 * The changes an update makes: fields present in the submission replace stored ones, absent
 * fields stay, and custom/extra are merged key by key. Empty when nothing would change.
 */
export function leadChanges(stored: StoredLead, submitted: NormalizedLead): Record<string, unknown> {
  const changes: Record<string, unknown> = {};
  for (const field of scalarLeadFields) {
    const value = submitted[field];
    if (value !== undefined && value !== stored[field]) changes[field] = value;
  }
  for (const field of ['custom', 'extra'] as const) {
    const submittedMap = submitted[field];
    if (!submittedMap) continue;
    const storedMap = (stored[field] ?? {}) as Record<string, unknown>;
    const merged = { ...storedMap, ...submittedMap };
    if (JSON.stringify(merged) !== JSON.stringify(storedMap)) changes[field] = merged;
  }
  return changes;
}
