import type { NormalizedLead } from '@leadrelay/lead';
import type { LeadRow } from './persist-rows.ts';

/**
 * The lead fields that come straight from a normalized lead, each with its `leads` column and
 * SQL type: the one table behind a new lead's row, an update's changes, the `LeadRow` fields and
 * the columns the worker writes and reads.
 */
export const scalarLeadColumns = [
  { field: 'email', column: 'email', type: 'text' },
  { field: 'phone', column: 'phone', type: 'text' },
  { field: 'firstName', column: 'first_name', type: 'text' },
  { field: 'lastName', column: 'last_name', type: 'text' },
  { field: 'salutation', column: 'salutation', type: 'text' },
  { field: 'gender', column: 'gender', type: 'text' },
  { field: 'age', column: 'age', type: 'int4' },
  { field: 'dateOfBirth', column: 'date_of_birth', type: 'text' },
  { field: 'source', column: 'source', type: 'text' },
  { field: 'company', column: 'company', type: 'text' },
  { field: 'address', column: 'address', type: 'text' },
  { field: 'city', column: 'city', type: 'text' },
  { field: 'state', column: 'state', type: 'text' },
  { field: 'zip', column: 'zip', type: 'text' },
  { field: 'country', column: 'country', type: 'text' },
  { field: 'timezone', column: 'timezone', type: 'text' },
  { field: 'website', column: 'website', type: 'text' },
  { field: 'notes', column: 'notes', type: 'text' },
] as const satisfies readonly { field: keyof NormalizedLead; column: string; type: 'text' | 'int4' }[];

type ScalarLeadColumn = (typeof scalarLeadColumns)[number];
type ScalarField = ScalarLeadColumn['field'];

/** A lead row's scalar fields, typed by their column: null where the lead has no value. */
export type ScalarLeadValues = {
  [Column in ScalarLeadColumn as Column['field']]: Column['type'] extends 'int4' ? number | null : string | null;
};

export type LeadChanges = Partial<Pick<LeadRow, ScalarField | 'custom' | 'extra'>>;

/** The row of a new lead: absent fields are null. */
export function newLeadRow(id: string, partnerId: string, lead: NormalizedLead, now: Date): LeadRow {
  const row = { id, partnerId, custom: lead.custom ?? {}, extra: lead.extra ?? {}, createdAt: now, updatedAt: now } as LeadRow;
  const columns = row as unknown as Record<ScalarField, unknown>;
  for (const { field } of scalarLeadColumns) columns[field] = lead[field] ?? null;
  return row;
}

/**
 * The changes an update makes: fields present in the submission replace stored ones, absent
 * fields stay, and custom/extra are merged key by key. Empty when nothing would change.
 */
export function leadChanges(stored: LeadRow, submitted: NormalizedLead): LeadChanges {
  const changes: Record<string, unknown> = {};
  for (const { field } of scalarLeadColumns) {
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
