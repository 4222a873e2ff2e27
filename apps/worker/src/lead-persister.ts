import { Prisma, withStatementTransaction, type DatabaseClient, type StatementTransaction } from '@leadrelay/db';
import { suppressionHashes } from '@leadrelay/lead';
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
  leadsTable,
  outboxEntriesTable,
  pendingSubmissionsTable,
  rawSubmissionsTable,
  type LeadRow,
} from './persist-rows.ts';
import { columnArraySql, insertRowsSql, quoteIdentifier, type Table } from './persist-tables.ts';
import { scalarLeadColumns } from './lead-fields.ts';
import { holdErasureFenceSharedSql } from './erasure-fence.ts';
import type { Submission, SubmissionOutcome } from './submission.ts';

export interface LeadPersisterOptions {
  db: DatabaseClient;
  /** Times a batch is planned again at once after losing a race with another transaction. */
  maxConflictRetries?: number;
  /** A batch's transaction is rolled back after this long. */
  transactionTimeoutMs?: number;
  /**
   * Pending submissions (activities for a lead not stored) a partner may have at most; past it
   * its new ones are dropped. About: batches written at once each count before inserting.
   */
  maxPendingPerPartner?: number;
  /** SUPPRESSION_HASH_KEY: a submission of a suppressed person is dropped, nothing of it stored. */
  suppressionHashKey: string;
}

export interface PersistResult {
  /** One outcome per submission, at the submission's index. */
  outcomes: SubmissionOutcome[];
  /** Committed events not in Redis yet: the outbox relay enqueues them. */
  eventIdsToEnqueue: string[];
  claimRepairs: ClaimRepair[];
  /** Activities for a lead not stored, dropped because their partner had too many pending. */
  droppedPending: { partnerId: string; submissionId: string }[];
  /** Activities refused because their partner may not change the lead they name. */
  refusedChanges: LeadBatchPlan['refusedChanges'];
  /** Where the transaction's time went, for debug logs. */
  phasesMs: { read: number; plan: number; write: number };
}

const leadSelectList = Prisma.raw(
  [
    'id',
    ...scalarLeadColumns.map(({ field, column }) => `${quoteIdentifier(column)} AS ${quoteIdentifier(field)}`),
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
  readonly #maxPendingPerPartner: number;
  readonly #suppressionHashKey: string;

  constructor({ db, maxConflictRetries = 3, transactionTimeoutMs = 30_000, maxPendingPerPartner = 10_000, suppressionHashKey }: LeadPersisterOptions) {
    this.#db = db;
    this.#suppressionHashKey = suppressionHashKey;
    this.#maxConflictRetries = maxConflictRetries;
    this.#transactionTimeoutMs = transactionTimeoutMs;
    this.#maxPendingPerPartner = maxPendingPerPartner;
  }

  async persist(submissions: readonly Submission[]): Promise<PersistResult> {
    for (let retry = 0; ; retry += 1) {
      try {
        return await withStatementTransaction(this.#db, (tx) => this.#persistOnce(tx, submissions), {
          statementTimeoutMs: this.#transactionTimeoutMs,
          keyLookupsOnly: true,
        });
      } catch (error) {
        if (retry >= this.#maxConflictRetries || classifyDatabaseError(error) !== 'conflict') throw error;
      }
    }
  }

  async #persistOnce(tx: StatementTransaction, allSubmissions: readonly Submission[]): Promise<PersistResult> {
    const now = new Date();
    const startedAt = performance.now();
    const refusals = await this.#erasureRefusals(tx, allSubmissions);
    const submissions = refusals.size === 0 ? allSubmissions : allSubmissions.filter((_, index) => !refusals.has(index));
    const stored = await this.#readStoredState(tx, submissions);
    const readAt = performance.now();
    const plan = new LeadBatchPlan(submissions, stored, { now });
    const droppedPending = plan.writes.pendingInserts.length === 0 ? [] : await this.#dropPendingPastCap(tx, plan);
    if (plan.writes.pendingInserts.length > 0) await this.#checkPendingLeadsStillMissing(tx, plan.writes.pendingInserts.map((row) => row.leadId));
    const plannedAt = performance.now();
    await this.#write(tx, plan.writes);
    let planned = 0;
    return {
      outcomes: allSubmissions.map((submission, index): SubmissionOutcome => {
        const refusal = refusals.get(index);
        if (refusal === undefined) return plan.outcomes[planned++]!;
        return { status: 'dropped', leadId: submission.payload.leadId, reason: refusal, personRemoved: true };
      }),
      eventIdsToEnqueue: plan.eventIdsToEnqueue,
      claimRepairs: plan.claimRepairs,
      droppedPending,
      refusedChanges: plan.refusedChanges,
      phasesMs: { read: Math.round(readAt - startedAt), plan: Math.round(plannedAt - readAt), write: Math.round(performance.now() - plannedAt) },
    };
  }

  /**
   * The submissions of erased or suppressed people, by index, with why: a lead whose email or
   * phone is on the suppression list, or any submission naming an erased lead (or an alias of
   * one). Read after taking the erasure fence shared: an erasure that started looking for the
   * person's leads has committed, so its suppression is seen here (see erasure-fence.ts).
   */
  async #erasureRefusals(tx: StatementTransaction, submissions: readonly Submission[]): Promise<Map<number, string>> {
    await tx.query(holdErasureFenceSharedSql);
    const hashesByIndex = submissions.map((submission) =>
      submission.kind === 'persist-lead' ? suppressionHashes(submission.payload.lead, this.#suppressionHashKey) : [],
    );
    const leadIds = unique(submissions.map((submission) => submission.payload.leadId));
    const rows = await tx.query<{ kind: 'hash' | 'lead'; value: string }>(Prisma.sql`
      SELECT 'hash' AS kind, hash AS value FROM suppressions WHERE hash = ANY(${unique(hashesByIndex.flat())}::text[])
      UNION ALL SELECT 'lead', id::text FROM leads WHERE id = ANY(${leadIds}::uuid[]) AND erased_at IS NOT NULL
      UNION ALL SELECT 'lead', alias.id::text FROM lead_aliases AS alias JOIN leads AS lead ON lead.id = alias.lead_id
        WHERE alias.id = ANY(${leadIds}::uuid[]) AND lead.erased_at IS NOT NULL`);
    const refusals = new Map<number, string>();
    if (rows.length === 0) return refusals;
    const suppressed = new Set(rows.filter((row) => row.kind === 'hash').map((row) => row.value));
    const erased = new Set(rows.filter((row) => row.kind === 'lead').map((row) => row.value));
    submissions.forEach((submission, index) => {
      if (hashesByIndex[index]!.some((hash) => suppressed.has(hash))) refusals.set(index, 'suppressed: the person is on the suppression list');
      else if (erased.has(submission.payload.leadId)) refusals.set(index, 'erased: the lead was erased');
    });
    return refusals;
  }

  /**
   * Counts the pending rows of the partners this batch would add some for (up to the cap: no more
   * index entries are read than the cap), and drops the new ones past it. Rows of this batch that
   * are stored already (an earlier run of their job) are not new: they neither count twice nor
   * get dropped.
   */
  async #dropPendingPastCap(tx: StatementTransaction, plan: LeadBatchPlan): Promise<PersistResult['droppedPending']> {
    const inserts = plan.writes.pendingInserts;
    const partnerIds = unique(inserts.map((row) => row.partnerId));
    const rows = await tx.query<{ partnerId: string; pending: number; storedIds: string[] }>(Prisma.sql`
      SELECT partner.id AS "partnerId",
        (SELECT count(*) FROM (SELECT 1 FROM pending_submissions WHERE partner_id = partner.id LIMIT ${this.#maxPendingPerPartner}) AS capped)::int AS pending,
        ARRAY(SELECT id::text FROM pending_submissions WHERE partner_id = partner.id AND id = ANY(${inserts.map((row) => row.id)}::uuid[])) AS "storedIds"
      FROM unnest(${partnerIds}::uuid[]) AS partner(id)`);
    const storedIds = new Set(rows.flatMap((row) => row.storedIds));
    const room = new Map(rows.map((row) => [row.partnerId, this.#maxPendingPerPartner - row.pending]));
    return plan.dropPendingPastRoom((partnerId) => room.get(partnerId) ?? 0, (submissionId) => storedIds.has(submissionId));
  }

  /**
   * Activities are set aside for a lead this batch did not see; another worker's transaction may
   * be storing that very lead right now, having looked for waiting activities before ours were
   * written, and neither transaction would see the other's rows: the activities would wait until
   * they expire. So both sides take the lead's pending-activities lock (`lockPendingActivitiesOf`):
   * the one storing the lead before it reads what waits for it, this one before it writes. Holding
   * it, a lead committed meanwhile is seen here, and the batch is planned again and applies them.
   */
  async #checkPendingLeadsStillMissing(tx: StatementTransaction, leadIds: string[]): Promise<void> {
    const ids = unique(leadIds);
    await lockPendingActivitiesOf(tx, ids);
    const [row] = await tx.query<{ stored: number }>(Prisma.sql`
      SELECT (SELECT count(*) FROM leads WHERE id = ANY(${ids}::uuid[])) + (SELECT count(*) FROM lead_aliases WHERE id = ANY(${ids}::uuid[])) AS stored`);
    if (Number(row?.stored ?? 0) > 0) {
      throw new ConcurrentWriteError('a lead that activities were to wait for was stored meanwhile by another transaction');
    }
  }

  async #readStoredState(tx: StatementTransaction, submissions: readonly Submission[]): Promise<StoredState> {
    const submissionIds = unique(submissions.map((submission) => submission.payload.submissionId));
    const namedLeadIds = unique(submissions.map((submission) => submission.payload.leadId));
    const emails: string[] = [];
    const phones: string[] = [];
    for (const submission of submissions) {
      if (submission.kind !== 'persist-lead') continue;
      if (submission.payload.lead.email) emails.push(submission.payload.lead.email);
      if (submission.payload.lead.phone) phones.push(submission.payload.lead.phone);
    }

    const processedRows = await tx.query<{ id: string; leadId: string; eventId: string | null; notEnqueued: boolean | null }>(Prisma.sql`
      SELECT submission.id, submission.lead_id AS "leadId", event.id AS "eventId", outbox.event_id IS NOT NULL AS "notEnqueued"
      FROM raw_submissions AS submission
      LEFT JOIN events AS event ON event.submission_id = submission.id
      LEFT JOIN outbox_entries AS outbox ON outbox.event_id = event.id
      WHERE submission.id = ANY(${submissionIds}::uuid[])`);
    const processed: StoredState['processed'] = new Map();
    for (const row of processedRows) {
      let entry = processed.get(row.id);
      if (!entry) processed.set(row.id, (entry = { leadId: row.leadId, eventIds: [], eventIdsNotEnqueued: [] }));
      if (row.eventId) entry.eventIds.push(row.eventId);
      if (row.eventId && row.notEnqueued) entry.eventIdsNotEnqueued.push(row.eventId);
    }

    const aliasRows = await tx.query<{ id: string; leadId: string }>(Prisma.sql`
      SELECT id, lead_id AS "leadId" FROM lead_aliases WHERE id = ANY(${namedLeadIds}::uuid[])`);
    const aliases = new Map(aliasRows.map((row) => [row.id, row.leadId]));

    const leadIds = unique([...namedLeadIds, ...aliases.values()]);
    // Locked until commit, in id order (so two batches cannot deadlock on them): a batch writing
    // to a lead another transaction is writing to (another write lane, under an alias; another
    // worker process) waits for it and then reads it as committed, so a lead's events are
    // numbered in commit order. NO KEY: rows referring to these leads can still be inserted.
    //
    // The ids are found first (three index look-ups, OR-ed), and only those rows are then read in
    // id order. With the whole condition beside ORDER BY id, a planner without statistics (a new
    // table, or autovacuum off) read the whole primary-key index in id order to skip the sort,
    // filtering every stored lead: a cost that grew with the table. A lead another transaction
    // changes meanwhile is read as it left it once the lock is ours, even if its email or phone
    // no longer match; one stored meanwhile is not seen, and its unique keys refuse our insert
    // (a conflict: the batch is planned again).
    const leads = await tx.query<StoredLead>(Prisma.sql`
      SELECT ${leadSelectList} FROM leads
      WHERE id = ANY(ARRAY(
        SELECT id FROM leads
        WHERE id = ANY(${leadIds}::uuid[]) OR email = ANY(${unique(emails)}::text[]) OR phone = ANY(${unique(phones)}::text[])))
      ORDER BY id FOR NO KEY UPDATE`);

    // Pending activities matter only for leads this batch may create or merge under an alias.
    // Locked, so the expiry sweep (which skips locked rows) cannot delete one this batch applies;
    // one the sweep deleted first is not read.
    const storedIds = new Set([...leads.map((lead) => lead.id), ...aliases.keys()]);
    const creatable = unique(
      submissions.filter((submission) => submission.kind === 'persist-lead' && !storedIds.has(submission.payload.leadId)).map((submission) => submission.payload.leadId),
    );
    // Taken before reading what waits, so activities another transaction sets aside for these
    // leads meanwhile are either committed (and read below) or see our lead (#checkPendingLeadsStillMissing).
    if (creatable.length > 0) await lockPendingActivitiesOf(tx, creatable);
    const pending =
      creatable.length === 0
        ? []
        : (
            await tx.query<{ payload: unknown; receivedAt: Date }>(Prisma.sql`
              SELECT payload, received_at AS "receivedAt" FROM pending_submissions WHERE lead_id = ANY(${creatable}::uuid[])
              ORDER BY id FOR UPDATE`)
          ).map((row) => ({ payload: AppendActivitiesPayload.parse(row.payload), receivedAt: row.receivedAt }));

    const partnerIds = unique([
      ...submissions.map((submission) => submission.payload.partnerId),
      ...leads.map((lead) => lead.partnerId),
      ...pending.map((entry) => entry.payload.partnerId),
    ]);
    const partnerRows = await tx.query<PartnerSettings>(Prisma.sql`
      SELECT id, slug, name, site_uuid AS "siteUuid", site_domain AS "siteDomain", site_login_url AS "siteLoginUrl", lead_role AS "leadRole", change_scope::text AS "changeScope"
      FROM partners WHERE id = ANY(${partnerIds}::uuid[])`);
    const partners = new Map(partnerRows.map((partner) => [partner.id, partner]));

    return { processed, aliases, leads: leads.map(asStoredLead), partners, pending };
  }

  /**
   * All of the batch's writes as one statement of data-modifying CTEs: one round trip per batch
   * instead of one per table (each round trip also waits its turn on the busy event loop). Foreign
   * keys are checked at the end of the statement, so rows may refer to leads inserted beside them.
   *
   * Rows the plan made for new submissions (leads, raw submissions and their consents, activities
   * and events) must all be new, so they are inserted plainly: if another transaction wrote one
   * meanwhile, its unique index refuses it (23505), the transaction rolls back and the batch is
   * planned again. That is also cheaper for PostgreSQL than `ON CONFLICT`, which probes every
   * unique index before inserting. Rows that may already exist (an external id another lead
   * holds, an alias or a pending submission written by an earlier run of the job) are skipped on
   * conflict. Updated leads report how many rows they changed; a shortfall means another
   * transaction changed one since it was read.
   */
  async #write(tx: StatementTransaction, writes: BatchWrites): Promise<void> {
    const parts: { name: string; sql: Prisma.Sql; expected?: number }[] = [];
    const insert = <Row>(name: string, table: Table<Row>, rows: readonly Row[], { mayExist }: { mayExist: boolean }) => {
      if (rows.length > 0) parts.push({ name, sql: insertRowsSql(table, rows, { onConflictDoNothing: mayExist }) });
    };
    insert('new_leads', leadsTable, writes.newLeads, { mayExist: false });
    if (writes.updatedLeads.length > 0) parts.push({ name: 'updated_leads', sql: updateLeadsSql(writes.updatedLeads), expected: writes.updatedLeads.length });
    insert('new_aliases', leadAliasesTable, writes.aliases, { mayExist: true });
    insert('new_raw_submissions', rawSubmissionsTable, writes.rawSubmissions, { mayExist: false });
    // An external id another lead holds already stays with that lead.
    insert('new_external_ids', externalIdsTable, writes.externalIds, { mayExist: true });
    insert('new_consents', consentsTable, writes.consents, { mayExist: false });
    insert('new_activities', activitiesTable, writes.activities, { mayExist: false });
    if (writes.pendingDeletes.length > 0) {
      parts.push({ name: 'applied_pending', sql: Prisma.sql`DELETE FROM pending_submissions WHERE id = ANY(${writes.pendingDeletes}::uuid[])` });
    }
    insert('new_pending', pendingSubmissionsTable, writes.pendingInserts, { mayExist: true });
    insert('new_events', eventsTable, writes.events, { mayExist: false });
    // Every new event starts on the outbox's list; the relay takes it off once its job is in Redis.
    insert('new_outbox_entries', outboxEntriesTable, writes.events, { mayExist: false });
    if (parts.length === 0) return;

    const checked = parts.filter((part) => part.expected !== undefined);
    const counts = checked.length === 0 ? Prisma.sql`1` : Prisma.join(checked.map((part) => Prisma.raw(`(SELECT count(*) FROM ${part.name})::int AS ${part.name}`)));
    const [row] = await tx.query<Record<string, number>>(Prisma.sql`
      WITH ${Prisma.join(parts.map((part) => Prisma.sql`${Prisma.raw(part.name)} AS (${part.sql})`))}
      SELECT ${counts}`);
    for (const part of checked) {
      if (row?.[part.name] !== part.expected) {
        throw new ConcurrentWriteError(`${part.name}: ${row?.[part.name]} of ${part.expected} rows changed, another transaction changed the others since they were read`);
      }
    }
  }
}

/** One statement for all updated leads, each only if its row version is still the one read. */
function updateLeadsSql(leads: readonly StoredLead[]): Prisma.Sql {
  const names = leadContentColumns.map((column) => quoteIdentifier(column.column));
  const assignments = names.map((name) => `${name} = batch.${name}`).join(', ');
  return Prisma.sql`
    UPDATE leads AS lead SET ${Prisma.raw(assignments)}
    FROM unnest(
      ${leads.map((lead) => lead.id)}::uuid[],
      ${leads.map((lead) => lead.version)}::text[],
      ${Prisma.join(leadContentColumns.map((column) => columnArraySql<LeadRow>(column, leads)))}
    ) AS batch(id, version, ${Prisma.raw(names.join(', '))})
    WHERE lead.id = batch.id AND lead.xmin::text = batch.version
    RETURNING lead.id`;
}

function asStoredLead(lead: StoredLead): StoredLead {
  return { ...lead, custom: lead.custom ?? {}, extra: lead.extra ?? {} };
}

function unique<Value>(values: Value[]): Value[] {
  return [...new Set(values)];
}

/**
 * Transaction-scoped advisory locks, one per lead id (in the two-key space, under a class of
 * their own), taken in id order so two batches cannot deadlock on them. See
 * `#checkPendingLeadsStillMissing` for why.
 */
async function lockPendingActivitiesOf(tx: StatementTransaction, leadIds: readonly string[]): Promise<void> {
  await tx.query(Prisma.sql`
    SELECT count(pg_advisory_xact_lock(hashtext('leadrelay pending activities'), hashtext(id::text)))
    FROM (SELECT id FROM unnest(${[...leadIds].sort()}::uuid[]) AS id ORDER BY id) AS ordered`);
}
