import { NormalizedLeadSchema } from '@leadrelay/lead';
import { describe, expect, it } from 'vitest';
import { leadChanges, newLeadRow, scalarLeadColumns } from './lead-fields.ts';

// Fields of a normalized lead that are not columns of `leads`: stored in tables of their own.
const storedElsewhere = ['externalId', 'consent', 'activities', 'custom', 'extra'];

describe('the lead field table', () => {
  it('has a column for every field of a normalized lead not stored elsewhere, and no other', () => {
    const fields = Object.keys(NormalizedLeadSchema.shape).filter((field) => !storedElsewhere.includes(field));
    expect(scalarLeadColumns.map(({ field }) => field).sort()).toEqual(fields.sort());
  });

  it('drives a new row and an update from the same fields', () => {
    const now = new Date('2026-01-01T00:00:00.000Z');
    const row = newLeadRow('lead-id', 'partner-id', { email: 'a@example.com', age: 40, city: 'Hilo' }, now);
    expect(row).toMatchObject({ email: 'a@example.com', age: 40, city: 'Hilo', phone: null, notes: null, custom: {}, extra: {} });
    expect(leadChanges(row, { age: 41, city: 'Hilo', zip: '96720' })).toEqual({ age: 41, zip: '96720' });
  });
});
