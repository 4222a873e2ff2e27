import type { NormalizedLead } from '@leadrelay/lead';
import type { LeadRow } from './persist-rows.ts';

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
] as const satisfies readonly (keyof NormalizedLead & keyof LeadRow)[];

type ScalarField = (typeof scalarLeadFields)[number];
export type LeadChanges = Partial<Pick<LeadRow, ScalarField | 'custom' | 'extra'>>;

/** The row of a new lead: absent fields are null. */
export function newLeadRow(id: string, partnerId: string, lead: NormalizedLead, now: Date): LeadRow {
  const row = { id, partnerId, custom: lead.custom ?? {}, extra: lead.extra ?? {}, createdAt: now, updatedAt: now } as LeadRow;
  const columns = row as unknown as Record<ScalarField, unknown>;
  for (const field of scalarLeadFields) columns[field] = lead[field] ?? null;
  return row;
}

/**
 * The changes an update makes: fields present in the submission replace stored ones, absent
 * fields stay, and custom/extra are merged key by key. Empty when nothing would change.
 */
export function leadChanges(stored: LeadRow, submitted: NormalizedLead): LeadChanges {
  const changes: Record<string, unknown> = {};
  for (const field of scalarLeadFields) {
    const value = submitted[field];
    if (value !== undefined && value !== stored[field]) changes[field] = value;
  }
  for (const field of ['custom', 'extra'] as const) {
    const submittedMap = submitted[field];
    if (!submittedMap) continue;
    const storedMap = stored[field] ?? {};
    const merged = { ...storedMap, ...submittedMap };
    if (JSON.stringify(merged) !== JSON.stringify(storedMap)) changes[field] = merged;
  }
  return changes as LeadChanges;
}
