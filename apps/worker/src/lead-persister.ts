import { Prisma, withTransaction, type DatabaseClient, type TransactionClient } from '@leadrelay/db';
import { AppendActivitiesPayload } from '@leadrelay/queue';
import { ConcurrentWriteError } from './concurrent-write-error.ts';
import { classifyDatabaseError } from './database-error.ts';
import { LeadBatchPlan, type BatchWrites, type ClaimRepair, type PartnerSettings, type StoredLead, type StoredState } from './lead-batch-plan.ts';
import {
  activitiesTable,
  consentsTable,
  eventsTable,
  externalIdsTable,
  leadAliasesTable,
  leadContentColumns,
  leadTextColumns,
  leadsTable,
  pendingSubmissionsTable,
  rawSubmissionsTable,
  type LeadRow,
} from './persist-rows.ts';
import { columnArraySql, insertRowsSql, quoteIdentifier, type Table } from './persist-tables.ts';
import type { Submission, SubmissionOutcome } from './submission.ts';

export interface LeadPersisterOptions {
  db: DatabaseClient;
  /** Times a batch is planned again at once after losing a race with another transaction. */
  maxConflictRetries?: number;
  /** A batch's transaction is rolled back after this long. */
  transactionTimeoutMs?: number;
}

export interface PersistResult {
  /** One outcome per submission, at the submission's index. */
  outcomes: SubmissionOutcome[];
  /** Committed events not in Redis yet: the outbox relay enqueues them. */
  eventIdsToEnqueue: string[];
  claimRepairs: ClaimRepair[];
}

const leadSelectList = Prisma.raw(
  [
    'id',
    ...leadTextColumns.map(([field, column]) => `${quoteIdentifier(column)} AS ${quoteIdentifier(field)}`),
    'age',
    'custom',
    'extra',
    'partner_id AS "partnerId"',
    'created_at AS "createdAt"',
    'updated_at AS "updatedAt"',
    // The row version: an update only applies if nobody changed the lead since it was read.
    'xmin::text AS version',
  ].join(', '),
);

/**
 * Persists a batch of submissions in one transaction: reads what the rules depend on (a few
 * queries for the whole batch), applies the rules in memory (LeadBatchPlan), then writes with
 * one statement per table. Everything a submission writes, its events included (the outbox),
 * commits together or not at all.
 */
export class LeadPersister {
  readonly #db: DatabaseClient;
  readonly #maxConflictRetries: number;
  readonly #transactionTimeoutMs: number;

  constructor({ db, maxConflictRetries = 3, transactionTimeoutMs = 30_000 }: LeadPersisterOptions) {
    this.#db = db;
    this.#maxConflictRetries = maxConflictRetries;
    this.#transactionTimeoutMs = transactionTimeoutMs;
  }

  async persist(submissions: readonly Submission[]): Promise<PersistResult> {
    for (let retry = 0; ; retry += 1) {
      try {
        return await withTransaction(this.#db, (tx) => this.#persistOnce(tx, submissions), { timeoutMs: this.#transactionTimeoutMs });
      } catch (error) {
        if (retry >= this.#maxConflictRetries || classifyDatabaseError(error) !== 'conflict') throw error;
      }
    }
  }

  async #persistOnce(tx: TransactionClient, submissions: readonly Submission[]): Promise<PersistResult> {
    const now = new Date();
    const stored = await this.#readStoredState(tx, submissions);
    const plan = new LeadBatchPlan(submissions, stored, { now });
    await this.#write(tx, plan.writes);
    return { outcomes: plan.outcomes, eventIdsToEnqueue: plan.eventIdsToEnqueue, claimRepairs: plan.claimRepairs };
  }

  async #readStoredState(tx: TransactionClient, submissions: readonly Submission[]): Promise<StoredState> {
    const submissionIds = unique(submissions.map((submission) => submission.payload.submissionId));
    const namedLeadIds = unique(submissions.map((submission) => submission.payload.leadId));
    const emails: string[] = [];
    const phones: string[] = [];
    for (const submission of submissions) {
      if (submission.kind !== 'persist-lead') continue;
      if (submission.payload.lead.email) emails.push(submission.payload.lead.email);
      if (submission.payload.lead.phone) phones.push(submission.payload.lead.phone);
    }

    const processedRows = await tx.$queryRaw<{ id: string; leadId: string; eventId: string | null; notEnqueued: boolean | null }[]>`
      SELECT submission.id, submission.lead_id AS "leadId", event.id AS "eventId", event.enqueued_at IS NULL AS "notEnqueued"
      FROM raw_submissions AS submission LEFT JOIN events AS event ON event.submission_id = submission.id
      WHERE submission.id = ANY(${submissionIds}::uuid[])`;
    const processed: StoredState['processed'] = new Map();
    for (const row of processedRows) {
      let entry = processed.get(row.id);
      if (!entry) processed.set(row.id, (entry = { leadId: row.leadId, eventIds: [], eventIdsNotEnqueued: [] }));
      if (row.eventId) entry.eventIds.push(row.eventId);
      if (row.eventId && row.notEnqueued) entry.eventIdsNotEnqueued.push(row.eventId);
    }

    const aliasRows = await tx.$queryRaw<{ id: string; leadId: string }[]>`
      SELECT id, lead_id AS "leadId" FROM lead_aliases WHERE id = ANY(${namedLeadIds}::uuid[])`;
    const aliases = new Map(aliasRows.map((row) => [row.id, row.leadId]));

    const leadIds = unique([...namedLeadIds, ...aliases.values()]);
    const leads = await tx.$queryRaw<StoredLead[]>`
      SELECT ${leadSelectList} FROM leads
      WHERE id = ANY(${leadIds}::uuid[]) OR email = ANY(${unique(emails)}::text[]) OR phone = ANY(${unique(phones)}::text[])`;

    // Pending activities matter only for leads this batch may create or merge under an alias.
    const storedIds = new Set([...leads.map((lead) => lead.id), ...aliases.keys()]);
    const creatable = unique(
      submissions.filter((submission) => submission.kind === 'persist-lead' && !storedIds.has(submission.payload.leadId)).map((submission) => submission.payload.leadId),
    );
    const pending =
      creatable.length === 0
        ? []
        : (
            await tx.$queryRaw<{ payload: unknown; receivedAt: Date }[]>`
              SELECT payload, received_at AS "receivedAt" FROM pending_submissions WHERE lead_id = ANY(${creatable}::uuid[])`
          ).map((row) => ({ payload: AppendActivitiesPayload.parse(row.payload), receivedAt: row.receivedAt }));

    const partnerIds = unique([
      ...submissions.map((submission) => submission.payload.partnerId),
      ...leads.map((lead) => lead.partnerId),
      ...pending.map((entry) => entry.payload.partnerId),
    ]);
    const partnerRows = await tx.$queryRaw<PartnerSettings[]>`
      SELECT id, slug, name, site_uuid AS "siteUuid", site_domain AS "siteDomain", site_login_url AS "siteLoginUrl", lead_role AS "leadRole"
      FROM partners WHERE id = ANY(${partnerIds}::uuid[])`;
    const partners = new Map(partnerRows.map((partner) => [partner.id, partner]));

    return { processed, aliases, leads: leads.map(asStoredLead), partners, pending };
  }

  async #write(tx: TransactionClient, writes: BatchWrites): Promise<void> {
    // Leads first: everything else refers to them. A lead or submission that another
    // transaction wrote meanwhile (its row is missing from RETURNING) means the plan is stale.
    await this.#insertAll(tx, leadsTable, writes.newLeads, 'id');
    await this.#updateLeads(tx, writes.updatedLeads);
    await this.#insert(tx, leadAliasesTable, writes.aliases);
    await this.#insertAll(tx, rawSubmissionsTable, writes.rawSubmissions, 'id');
    await this.#insert(tx, externalIdsTable, writes.externalIds);
    await this.#insert(tx, consentsTable, writes.consents);
    await this.#insert(tx, activitiesTable, writes.activities);
    if (writes.pendingDeletes.length > 0) {
      await tx.$executeRaw`DELETE FROM pending_submissions WHERE id = ANY(${writes.pendingDeletes}::uuid[])`;
    }
    await this.#insert(tx, pendingSubmissionsTable, writes.pendingInserts);
    await this.#insertAll(tx, eventsTable, writes.events, 'id');
  }

  /** Inserts rows whose unique keys may already be taken (an external id another lead holds): those are skipped. */
  async #insert<Row>(tx: TransactionClient, table: Table<Row>, rows: readonly Row[]): Promise<void> {
    if (rows.length === 0) return;
    await tx.$executeRaw(insertRowsSql(table, rows, { onConflictDoNothing: true }));
  }

  /** Inserts rows that must all be new; one that is not means a concurrent write. */
  async #insertAll<Row>(tx: TransactionClient, table: Table<Row>, rows: readonly Row[], key: string): Promise<void> {
    if (rows.length === 0) return;
    const inserted = await tx.$queryRaw<unknown[]>(insertRowsSql(table, rows, { onConflictDoNothing: true, returning: key }));
    if (inserted.length !== rows.length) {
      throw new ConcurrentWriteError(`${rows.length - inserted.length} of ${rows.length} ${table.name} rows were written by another transaction`);
    }
  }

  /** One statement for all updated leads, each only if its row version is still the one read. */
  async #updateLeads(tx: TransactionClient, leads: readonly StoredLead[]): Promise<void> {
    if (leads.length === 0) return;
    const names = leadContentColumns.map((column) => quoteIdentifier(column.column));
    const assignments = names.map((name) => `${name} = batch.${name}`).join(', ');
    const updated = await tx.$queryRaw<unknown[]>`
      UPDATE leads AS lead SET ${Prisma.raw(assignments)}
      FROM unnest(
        ${leads.map((lead) => lead.id)}::uuid[],
        ${leads.map((lead) => lead.version)}::text[],
        ${Prisma.join(leadContentColumns.map((column) => columnArraySql<LeadRow>(column, leads)))}
      ) AS batch(id, version, ${Prisma.raw(names.join(', '))})
      WHERE lead.id = batch.id AND lead.xmin::text = batch.version
      RETURNING lead.id`;
    if (updated.length !== leads.length) throw new ConcurrentWriteError('a lead was changed by another transaction while its batch was planned');
  }
}

function asStoredLead(lead: StoredLead): StoredLead {
  return { ...lead, custom: lead.custom ?? {}, extra: lead.extra ?? {} };
}

function unique<Value>(values: Value[]): Value[] {
  return [...new Set(values)];
}
