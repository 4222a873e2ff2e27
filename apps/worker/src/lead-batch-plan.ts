import { newTimeOrderedUuid } from '@leadrelay/db';
import { buildLeadDocument, identityKeys, type LeadAction, type NormalizedActivity, type NormalizedLead } from '@leadrelay/lead';
import type { AppendActivitiesPayload, PersistLeadPayload } from '@leadrelay/queue';
import { leadChanges, newLeadRow } from './lead-fields.ts';
import type {
  ActivityRow,
  ConsentRow,
  EventRow,
  ExternalIdRow,
  LeadAliasRow,
  LeadRow,
  PendingSubmissionRow,
  RawSubmissionRow,
} from './persist-rows.ts';
import type { AppendActivitiesSubmission, PersistLeadSubmission, Submission, SubmissionOutcome } from './submission.ts';

/** What a lead document needs from the lead's partner, and the slug events are filtered by. */
export interface PartnerSettings {
  id: string;
  slug: string;
  name: string;
  siteUuid: string;
  siteDomain: string;
  siteLoginUrl: string;
  leadRole: string;
  /** `any`: it may add activities to leads other partners created. */
  changeScope: 'own' | 'any';
}

/** A stored lead and its row version (`xmin`), so an update fails if someone changed it since. */
export interface StoredLead extends LeadRow {
  version: string;
}

/** An append-activities submission kept until its lead exists. */
export interface StoredPendingSubmission {
  payload: AppendActivitiesPayload;
  receivedAt: Date;
}

/** What PostgreSQL holds that the batch's rules depend on, read in the batch's transaction. */
export interface StoredState {
  /** Submissions committed by an earlier run of their job. */
  processed: Map<string, { leadId: string; eventIds: string[]; eventIdsNotEnqueued: string[] }>;
  /** Alias id -> the lead it was merged into. */
  aliases: Map<string, string>;
  /** Leads the batch names by id or alias, and leads holding any of its emails or phones. */
  leads: StoredLead[];
  /** Partners of the submissions and of the leads above. */
  partners: Map<string, PartnerSettings>;
  /** Pending submissions for leads this batch may create. */
  pending: StoredPendingSubmission[];
}

/** Every row the batch writes, one statement per table. */
export interface BatchWrites {
  newLeads: LeadRow[];
  updatedLeads: StoredLead[];
  aliases: LeadAliasRow[];
  rawSubmissions: RawSubmissionRow[];
  externalIds: ExternalIdRow[];
  consents: ConsentRow[];
  activities: ActivityRow[];
  events: EventRow[];
  pendingInserts: PendingSubmissionRow[];
  /** Pending submissions applied by this batch. */
  pendingDeletes: string[];
}

/** Intake's claims that point at an alias and should point at the lead it was merged into. */
export interface ClaimRepair {
  identityKeys: string[];
  leadId: string;
  aliasId: string;
}

interface LeadState {
  row: LeadRow;
  /** Row version when stored; absent for a lead this batch creates. */
  version?: string;
  updated: boolean;
}

interface PendingEntry {
  payload: AppendActivitiesPayload;
  receivedAt: Date;
  /** The row exists in pending_submissions (and must be deleted once applied). */
  stored: boolean;
  /** Indexes of this batch's submissions that are this pending submission. */
  indexes: number[];
}

type SubmissionFields = Pick<PersistLeadPayload, 'submissionId' | 'partnerId' | 'route' | 'receivedAt' | 'requestId' | 'raw'>;

/**
 * The worker's rules applied to one batch, in memory, against what PostgreSQL holds: which
 * submissions are already stored, which create a lead, which merge into one, what each one
 * writes and which events it records. Submissions are applied one after another in batch order,
 * so a lead created early in the batch is seen by later submissions exactly as if it had been
 * committed before them. The persister then writes `writes` with one statement per table.
 */
export class LeadBatchPlan {
  readonly writes: BatchWrites = {
    newLeads: [],
    updatedLeads: [],
    aliases: [],
    rawSubmissions: [],
    externalIds: [],
    consents: [],
    activities: [],
    events: [],
    pendingInserts: [],
    pendingDeletes: [],
  };
  /** One outcome per submission, at the submission's index. */
  readonly outcomes: SubmissionOutcome[];
  /** Events of this batch and events an earlier run committed but did not enqueue. */
  readonly eventIdsToEnqueue: string[] = [];
  readonly claimRepairs: ClaimRepair[] = [];
  /** Activities refused because their partner may not change the lead they name (ids only). */
  readonly refusedChanges: { partnerId: string; submissionId: string; route: string }[] = [];

  readonly #now: Date;
  readonly #stored: StoredState;
  readonly #newId: () => string;
  readonly #leads = new Map<string, LeadState>();
  readonly #aliases: Map<string, string>;
  readonly #ownerByEmail = new Map<string, LeadState>();
  readonly #ownerByPhone = new Map<string, LeadState>();
  readonly #settled = new Map<string, SubmissionOutcome>();
  readonly #pendingBySubmission = new Map<string, PendingEntry>();
  readonly #pendingByLead = new Map<string, PendingEntry[]>();

  constructor(submissions: readonly Submission[], stored: StoredState, options: { now: Date; newId?: () => string }) {
    this.#now = options.now;
    this.#stored = stored;
    this.#newId = options.newId ?? (() => newTimeOrderedUuid());
    this.#aliases = new Map(stored.aliases);
    for (const lead of stored.leads) {
      const { version, ...row } = lead;
      this.#register({ row, version, updated: false });
    }
    for (const pending of stored.pending) this.#addPending(pending.payload, pending.receivedAt, true);
    this.outcomes = new Array<SubmissionOutcome>(submissions.length);
    for (const index of applicationOrder(submissions)) this.#apply(index, submissions[index]!);
    for (const state of this.#leads.values()) {
      // A stored lead updated by several submissions is written once, as it is after the last.
      if (state.updated && state.version !== undefined) this.writes.updatedLeads.push({ ...state.row, version: state.version });
    }
    for (const entry of this.#pendingBySubmission.values()) {
      if (entry.stored) continue;
      this.writes.pendingInserts.push({
        id: entry.payload.submissionId,
        leadId: entry.payload.leadId,
        partnerId: entry.payload.partnerId,
        payloadJson: JSON.stringify(entry.payload),
        receivedAt: entry.receivedAt,
        storedAt: this.#now,
      });
    }
  }

  /**
   * Keeps, per partner, only as many new pending submissions as `roomOf` gives it, in batch order;
   * the others are dropped (nothing written, outcome `dropped`). One stored already (by an earlier
   * run of its job) is kept and takes no room. Returns the dropped ones. Only for a batch with
   * pending inserts: the persister counts a partner's pending rows then.
   */
  dropPendingPastRoom(roomOf: (partnerId: string) => number, isStored: (submissionId: string) => boolean): { partnerId: string; submissionId: string }[] {
    const used = new Map<string, number>();
    const dropped: { partnerId: string; submissionId: string }[] = [];
    this.writes.pendingInserts = this.writes.pendingInserts.filter((row) => {
      if (isStored(row.id)) return true;
      const taken = used.get(row.partnerId) ?? 0;
      if (taken < roomOf(row.partnerId)) {
        used.set(row.partnerId, taken + 1);
        return true;
      }
      const entry = this.#pendingBySubmission.get(row.id)!;
      this.#settle(entry.indexes, row.id, {
        status: 'dropped',
        leadId: row.leadId,
        reason: `partner ${row.partnerId} has too many activities pending for leads not stored`,
      });
      dropped.push({ partnerId: row.partnerId, submissionId: row.id });
      return false;
    });
    return dropped;
  }

  #apply(index: number, submission: Submission): void {
    const { submissionId, partnerId } = submission.payload;
    const earlier = this.#settled.get(submissionId);
    if (earlier) {
      // The same job twice in one batch (a duplicate enqueue): both get the first one's outcome.
      this.outcomes[index] = earlier;
      const entry = this.#pendingBySubmission.get(submissionId);
      if (entry && earlier.status === 'stored' && earlier.result === 'pending') entry.indexes.push(index);
      return;
    }
    const processed = this.#stored.processed.get(submissionId);
    if (processed) {
      this.eventIdsToEnqueue.push(...processed.eventIdsNotEnqueued);
      this.#settle([index], submissionId, { status: 'stored', leadId: processed.leadId, result: 'already_processed', eventIds: processed.eventIds });
      return;
    }
    if (!this.#stored.partners.has(partnerId)) {
      this.#settle([index], submissionId, { status: 'rejected', reason: `partner ${partnerId} does not exist` });
      return;
    }
    if (submission.kind === 'persist-lead') this.#persistLead(index, submission);
    else this.#appendActivities(index, submission);
  }

  #persistLead(index: number, { payload, createMissingDuplicate }: PersistLeadSubmission): void {
    let target = this.#resolve(payload.leadId);
    let merged = false;
    if (!target) {
      if (payload.decision !== 'created' && !createMissingDuplicate) {
        this.#settle([index], payload.submissionId, { status: 'deferred', reason: `lead ${payload.leadId} is not stored yet` });
        return;
      }
      // Intake's claims were lost (Redis restarted) or never saw this person: the identity decides.
      target = this.#ownerOfIdentity(payload.lead);
      if (target) {
        merged = true;
        this.#aliases.set(payload.leadId, target.row.id);
        this.writes.aliases.push({ id: payload.leadId, leadId: target.row.id, createdAt: this.#now });
        this.claimRepairs.push({ identityKeys: identityKeys(payload.lead), leadId: target.row.id, aliasId: payload.leadId });
      }
    }

    let result: 'created' | 'merged' | 'updated';
    if (!target) {
      target = this.#createLead(payload);
      result = 'created';
    } else {
      result = payload.decision === 'updated' && this.#update(target, payload.lead) ? 'updated' : 'merged';
    }
    this.#recordSubmission(target, payload, payload.lead);
    const activities = this.#recordActivities(target, payload.submissionId, payload.lead.activities ?? []);
    const eventType: LeadAction | undefined =
      result === 'created' ? 'created' : result === 'updated' ? 'updated' : activities.length > 0 ? 'activity_added' : undefined;
    const eventIds = eventType ? [this.#recordEvent(target, eventType, payload, activities)] : [];
    this.#settle([index], payload.submissionId, { status: 'stored', leadId: target.row.id, result, eventIds });
    if (result === 'created' || merged) this.#applyPending(payload.leadId, target);
  }

  #appendActivities(index: number, { payload }: AppendActivitiesSubmission): void {
    const target = this.#resolve(payload.leadId);
    if (target) {
      this.#settle([index], payload.submissionId, this.#mayChange(target, payload) ? this.#applyActivities(target, payload) : this.#refuseChange(target, payload));
      return;
    }
    const entry = this.#pendingBySubmission.get(payload.submissionId) ?? this.#addPending(payload, new Date(payload.receivedAt), false);
    entry.indexes.push(index);
    this.#settle([index], payload.submissionId, { status: 'stored', leadId: payload.leadId, result: 'pending', eventIds: [] });
  }

  #applyActivities(target: LeadState, payload: AppendActivitiesPayload): SubmissionOutcome {
    this.#recordSubmission(target, payload, undefined);
    const activities = this.#recordActivities(target, payload.submissionId, payload.activities);
    const eventId = this.#recordEvent(target, 'activity_added', payload, activities);
    return { status: 'stored', leadId: target.row.id, result: 'merged', eventIds: [eventId] };
  }

  /**
   * Activities that arrived before their lead are applied now, in the order they arrived, each
   * as its own submission: after the lead's `created` event, as seed 003 orders them.
   */
  #applyPending(leadId: string, target: LeadState): void {
    const entries = this.#pendingByLead.get(leadId);
    if (!entries) return;
    this.#pendingByLead.delete(leadId);
    entries.sort((a, b) => a.receivedAt.getTime() - b.receivedAt.getTime());
    for (const entry of entries) {
      const { submissionId, partnerId } = entry.payload;
      if (this.#stored.processed.has(submissionId) || !this.#stored.partners.has(partnerId)) continue;
      this.#pendingBySubmission.delete(submissionId);
      if (entry.stored) this.writes.pendingDeletes.push(submissionId);
      const outcome = this.#mayChange(target, entry.payload) ? this.#applyActivities(target, entry.payload) : this.#refuseChange(target, entry.payload);
      this.#settle(entry.indexes, submissionId, outcome);
    }
  }

  /**
   * Partners are strangers: activities change a lead only when intake found the partner allowed
   * (`changeAllowed`), or the partner created the lead, or may change any lead. Intake could not
   * tell for a lead it had not stored yet; this is where those are decided.
   */
  #mayChange(target: LeadState, payload: AppendActivitiesPayload): boolean {
    return payload.changeAllowed === true || target.row.partnerId === payload.partnerId || this.#stored.partners.get(payload.partnerId)?.changeScope === 'any';
  }

  /** Nothing is written for refused activities; the partner was answered 202 long ago. */
  #refuseChange(target: LeadState, payload: AppendActivitiesPayload): SubmissionOutcome {
    this.refusedChanges.push({ partnerId: payload.partnerId, submissionId: payload.submissionId, route: payload.route });
    return { status: 'dropped', leadId: target.row.id, reason: `partner ${payload.partnerId} may not change lead ${target.row.id}` };
  }

  #addPending(payload: AppendActivitiesPayload, receivedAt: Date, stored: boolean): PendingEntry {
    const entry: PendingEntry = { payload, receivedAt, stored, indexes: [] };
    this.#pendingBySubmission.set(payload.submissionId, entry);
    const forLead = this.#pendingByLead.get(payload.leadId);
    if (forLead) forLead.push(entry);
    else this.#pendingByLead.set(payload.leadId, [entry]);
    return entry;
  }

  #settle(indexes: number[], submissionId: string, outcome: SubmissionOutcome): void {
    this.#settled.set(submissionId, outcome);
    for (const index of indexes) this.outcomes[index] = outcome;
  }

  #resolve(leadId: string): LeadState | undefined {
    const lead = this.#leads.get(leadId);
    if (lead) return lead;
    const aliasOf = this.#aliases.get(leadId);
    return aliasOf ? this.#leads.get(aliasOf) : undefined;
  }

  #ownerOfIdentity(lead: NormalizedLead): LeadState | undefined {
    return (lead.email ? this.#ownerByEmail.get(lead.email) : undefined) ?? (lead.phone ? this.#ownerByPhone.get(lead.phone) : undefined);
  }

  #register(state: LeadState): void {
    this.#leads.set(state.row.id, state);
    if (state.row.email && !this.#ownerByEmail.has(state.row.email)) this.#ownerByEmail.set(state.row.email, state);
    if (state.row.phone && !this.#ownerByPhone.has(state.row.phone)) this.#ownerByPhone.set(state.row.phone, state);
  }

  #createLead(payload: PersistLeadPayload): LeadState {
    const row = newLeadRow(payload.leadId, payload.partnerId, payload.lead, this.#now);
    const state: LeadState = { row, updated: false };
    this.#register(state);
    this.writes.newLeads.push(row);
    return state;
  }

  /** Applies an update; false when it changes nothing. An email or phone held by another lead is not moved. */
  #update(target: LeadState, submitted: NormalizedLead): boolean {
    const changes = leadChanges(target.row, submitted);
    for (const [field, owners] of [['email', this.#ownerByEmail], ['phone', this.#ownerByPhone]] as const) {
      const value = changes[field];
      if (typeof value !== 'string') continue;
      const owner = owners.get(value);
      if (owner && owner !== target) {
        delete changes[field];
        continue;
      }
      const previous = target.row[field];
      if (previous && owners.get(previous) === target) owners.delete(previous);
      owners.set(value, target);
    }
    if (Object.keys(changes).length === 0) return false;
    Object.assign(target.row, changes, { updatedAt: this.#now });
    target.updated = true;
    return true;
  }

  #recordSubmission(target: LeadState, fields: SubmissionFields, lead: NormalizedLead | undefined): void {
    const leadId = target.row.id;
    this.writes.rawSubmissions.push({
      id: fields.submissionId,
      leadId,
      partnerId: fields.partnerId,
      route: fields.route,
      payloadJson: JSON.stringify(fields.raw ?? null),
      receivedAt: new Date(fields.receivedAt),
      storedAt: this.#now,
    });
    if (lead?.externalId) {
      this.writes.externalIds.push({ partnerId: fields.partnerId, externalId: lead.externalId, leadId, createdAt: this.#now });
    }
    const consent = lead?.consent;
    if (consent && Object.keys(consent).length > 0) {
      this.writes.consents.push({
        id: this.#newId(),
        leadId,
        partnerId: fields.partnerId,
        submissionId: fields.submissionId,
        text: consent.text ?? null,
        ip: consent.ip ?? null,
        timestampRaw: consent.timestampRaw ?? null,
        givenAt: consent.givenAt ? new Date(consent.givenAt) : null,
        createdAt: this.#now,
      });
    }
  }

  #recordActivities(target: LeadState, submissionId: string, activities: readonly NormalizedActivity[]): ActivityRow[] {
    const rows = activities.map(
      (activity, position): ActivityRow => ({
        id: this.#newId(),
        leadId: target.row.id,
        submissionId,
        position,
        type: activity.type,
        description: activity.description,
        property: activity.property ?? null,
        source: activity.source ?? null,
        occurredAt: activity.occurredAt ? new Date(activity.occurredAt) : null,
        createdAt: this.#now,
      }),
    );
    this.writes.activities.push(...rows);
    return rows;
  }

  /** The event and its lead document as the lead is at this point of the batch. */
  #recordEvent(target: LeadState, type: LeadAction, fields: SubmissionFields, activities: ActivityRow[]): string {
    const partner = this.#stored.partners.get(target.row.partnerId);
    if (!partner) throw new Error(`partner ${target.row.partnerId} of lead ${target.row.id} was not loaded`);
    const document = buildLeadDocument(type, target.row, partner, activities);
    const id = this.#newId();
    this.writes.events.push({
      id,
      leadId: target.row.id,
      type,
      submissionId: fields.submissionId,
      partnerSlug: partner.slug,
      documentJson: JSON.stringify(document),
      requestId: fields.requestId ?? null,
      createdAt: this.#now,
    });
    this.eventIdsToEnqueue.push(id);
    return id;
  }
}

/**
 * Batch order, except that submissions creating a lead go first: a duplicate of a lead created
 * in the same batch then finds it instead of waiting for a retry.
 */
function applicationOrder(submissions: readonly Submission[]): number[] {
  const creating: number[] = [];
  const others: number[] = [];
  submissions.forEach((submission, index) => {
    (submission.kind === 'persist-lead' && submission.payload.decision === 'created' ? creating : others).push(index);
  });
  return [...creating, ...others];
}
