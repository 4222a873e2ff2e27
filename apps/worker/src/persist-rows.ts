import type { LeadAction } from '@leadrelay/lead';
import type { Column, Table } from './persist-tables.ts';
import { scalarLeadColumns, type ScalarLeadValues } from './lead-fields.ts';

/** A lead as a batch reads and writes it (the `leads` table). */
export interface LeadRow extends ScalarLeadValues {
  id: string;
  custom: Record<string, unknown>;
  extra: Record<string, unknown>;
  partnerId: string;
  createdAt: Date;
  updatedAt: Date;
}

export interface RawSubmissionRow {
  id: string;
  leadId: string;
  partnerId: string;
  route: string;
  payloadJson: string;
  receivedAt: Date;
  storedAt: Date;
}

export interface ExternalIdRow {
  partnerId: string;
  externalId: string;
  leadId: string;
  createdAt: Date;
}

export interface ConsentRow {
  id: string;
  leadId: string;
  partnerId: string;
  submissionId: string;
  text: string | null;
  ip: string | null;
  timestampRaw: string | null;
  givenAt: Date | null;
  createdAt: Date;
}

export interface ActivityRow {
  id: string;
  leadId: string;
  submissionId: string;
  position: number;
  type: string;
  description: string;
  property: Record<string, unknown> | null;
  source: string | null;
  occurredAt: Date | null;
  createdAt: Date;
}

export interface EventRow {
  id: string;
  leadId: string;
  type: LeadAction;
  submissionId: string;
  partnerSlug: string;
  documentJson: string;
  requestId: string | null;
  createdAt: Date;
}

export interface LeadAliasRow {
  id: string;
  leadId: string;
  createdAt: Date;
}

export interface PendingSubmissionRow {
  id: string;
  leadId: string;
  partnerId: string;
  payloadJson: string;
  receivedAt: Date;
  storedAt: Date;
}

const uuid = <Row>(column: string, value: (row: Row) => string): Column<Row> => ({ column, type: 'uuid', value });
const text = <Row>(column: string, value: (row: Row) => string | null): Column<Row> => ({ column, type: 'text', value });
const json = <Row>(column: string, value: (row: Row) => string): Column<Row> => ({ column, type: 'jsonb', value });
/** A JSON column that may be SQL NULL; a JSON `null` document is stored as SQL NULL too. */
const nullableJson = <Row>(column: string, value: (row: Row) => string | null): Column<Row> => ({ column, type: 'jsonb', value, nullableJson: true });
const timestamp = <Row>(column: string, value: (row: Row) => Date | null): Column<Row> => ({
  column,
  type: 'timestamp',
  value: (row) => isoTimestamp(value(row)),
});

// Most timestamps of a batch are the same few instants (the batch's own time, each job's
// receivedAt), so consecutive rows mostly format the instant the previous row did.
let lastFormattedMs = Number.NaN;
let lastFormatted = '';

function isoTimestamp(date: Date | null): string | null {
  if (date === null) return null;
  const ms = date.getTime();
  if (ms !== lastFormattedMs) {
    lastFormatted = date.toISOString();
    lastFormattedMs = ms;
  }
  return lastFormatted;
}

/** Every column of a lead but its id, partner and creation time: what an update rewrites. */
export const leadContentColumns: readonly Column<LeadRow>[] = [
  ...scalarLeadColumns.map(({ field, column, type }): Column<LeadRow> => ({ column, type, value: (row) => row[field] })),
  json<LeadRow>('custom', (row) => JSON.stringify(row.custom)),
  json<LeadRow>('extra', (row) => JSON.stringify(row.extra)),
  timestamp<LeadRow>('updated_at', (row) => row.updatedAt),
];

export const leadsTable: Table<LeadRow> = {
  name: 'leads',
  columns: [
    uuid('id', (row) => row.id),
    uuid('partner_id', (row) => row.partnerId),
    timestamp('created_at', (row) => row.createdAt),
    ...leadContentColumns,
  ],
};

export const rawSubmissionsTable: Table<RawSubmissionRow> = {
  name: 'raw_submissions',
  columns: [
    uuid('id', (row) => row.id),
    uuid('lead_id', (row) => row.leadId),
    uuid('partner_id', (row) => row.partnerId),
    text('route', (row) => row.route),
    json('payload', (row) => row.payloadJson),
    timestamp('received_at', (row) => row.receivedAt),
    timestamp('stored_at', (row) => row.storedAt),
  ],
};

export const externalIdsTable: Table<ExternalIdRow> = {
  name: 'external_ids',
  columns: [
    uuid('partner_id', (row) => row.partnerId),
    text('external_id', (row) => row.externalId),
    uuid('lead_id', (row) => row.leadId),
    timestamp('created_at', (row) => row.createdAt),
  ],
};

export const consentsTable: Table<ConsentRow> = {
  name: 'consents',
  columns: [
    uuid('id', (row) => row.id),
    uuid('lead_id', (row) => row.leadId),
    uuid('partner_id', (row) => row.partnerId),
    uuid('submission_id', (row) => row.submissionId),
    text('text', (row) => row.text),
    text('ip', (row) => row.ip),
    text('timestamp_raw', (row) => row.timestampRaw),
    timestamp('given_at', (row) => row.givenAt),
    timestamp('created_at', (row) => row.createdAt),
  ],
};

export const activitiesTable: Table<ActivityRow> = {
  name: 'activities',
  columns: [
    uuid('id', (row) => row.id),
    uuid('lead_id', (row) => row.leadId),
    uuid('submission_id', (row) => row.submissionId),
    { column: 'position', type: 'int4', value: (row) => row.position },
    text('type', (row) => row.type),
    text('description', (row) => row.description),
    nullableJson('property', (row) => (row.property === null ? null : JSON.stringify(row.property))),
    text('source', (row) => row.source),
    timestamp('occurred_at', (row) => row.occurredAt),
    timestamp('created_at', (row) => row.createdAt),
  ],
};

export const eventsTable: Table<EventRow> = {
  name: 'events',
  columns: [
    uuid('id', (row) => row.id),
    uuid('lead_id', (row) => row.leadId),
    { column: 'type', type: 'event_type', value: (row) => row.type },
    uuid('submission_id', (row) => row.submissionId),
    text('partner_slug', (row) => row.partnerSlug),
    json('document', (row) => row.documentJson),
    text('request_id', (row) => row.requestId),
    timestamp('created_at', (row) => row.createdAt),
  ],
};

/** One row per new event: the event id and its creation time, read from the event row itself. */
export const outboxEntriesTable: Table<EventRow> = {
  name: 'outbox_entries',
  columns: [uuid('event_id', (row) => row.id), timestamp('created_at', (row) => row.createdAt)],
};

export const leadAliasesTable: Table<LeadAliasRow> = {
  name: 'lead_aliases',
  columns: [uuid('id', (row) => row.id), uuid('lead_id', (row) => row.leadId), timestamp('created_at', (row) => row.createdAt)],
};

export const pendingSubmissionsTable: Table<PendingSubmissionRow> = {
  name: 'pending_submissions',
  columns: [
    uuid('id', (row) => row.id),
    uuid('lead_id', (row) => row.leadId),
    uuid('partner_id', (row) => row.partnerId),
    json('payload', (row) => row.payloadJson),
    timestamp('received_at', (row) => row.receivedAt),
    timestamp('stored_at', (row) => row.storedAt),
  ],
};
