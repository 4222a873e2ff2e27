import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import type { NormalizedLead } from '@leadrelay/lead';
import type { AppendActivitiesPayload, PersistLeadPayload } from '@leadrelay/queue';
import { LeadBatchPlan, type StoredLead, type StoredState } from './lead-batch-plan.ts';
import { newLeadRow } from './lead-fields.ts';
import type { Submission } from './submission.ts';

const partnerId = randomUUID();
const now = new Date('2026-11-22T10:00:00.000Z');

function state(overrides: Partial<StoredState> = {}): StoredState {
  return {
    processed: new Map(),
    aliases: new Map(),
    leads: [],
    partners: new Map([[partnerId, { id: partnerId, slug: 'acme', name: 'Acme', siteUuid: randomUUID(), siteDomain: 'acme.example', siteLoginUrl: 'https://acme.example/{leadId}', leadRole: 'Buyer', changeScope: 'own' as const }]]),
    pending: [],
    ...overrides,
  };
}

function persist(lead: NormalizedLead, overrides: Partial<PersistLeadPayload> = {}): Submission {
  return {
    kind: 'persist-lead',
    createMissingDuplicate: false,
    payload: {
      submissionId: randomUUID(),
      partnerId,
      route: 'POST /v1/leads',
      receivedAt: now.toISOString(),
      raw: lead,
      leadId: randomUUID(),
      decision: 'created',
      lead,
      ...overrides,
    },
  };
}

function activities(leadId: string, overrides: Partial<AppendActivitiesPayload> = {}): AppendActivitiesPayload {
  return {
    submissionId: randomUUID(),
    partnerId,
    route: 'POST /v1/leads/:leadId/activities',
    receivedAt: now.toISOString(),
    raw: {},
    leadId,
    activities: [{ type: 'note', description: 'early' }],
    ...overrides,
  };
}

function stored(lead: NormalizedLead, id = randomUUID()): StoredLead {
  return { ...newLeadRow(id, partnerId, lead, new Date('2026-01-01T00:00:00.000Z')), version: '42' };
}

const eventTypes = (plan: LeadBatchPlan) => plan.writes.events.map((event) => event.type);

describe('LeadBatchPlan', () => {
  it('drops new pending submissions past a partner\'s room, in batch order, keeping those stored already', () => {
    const stranger = randomUUID();
    const partners = state().partners;
    partners.set(stranger, { ...partners.get(partnerId)!, id: stranger, slug: 'stranger' });
    const mine = [activities(randomUUID()), activities(randomUUID()), activities(randomUUID())];
    const theirs = activities(randomUUID(), { partnerId: stranger });
    const submissions: Submission[] = [...mine, theirs].map((payload) => ({ kind: 'append-activities', payload }));
    const plan = new LeadBatchPlan(submissions, state({ partners }), { now });
    const dropped = plan.dropPendingPastRoom((id) => (id === partnerId ? 1 : 5), (submissionId) => submissionId === mine[0]!.submissionId);
    expect(dropped).toEqual([{ partnerId, submissionId: mine[2]!.submissionId }]);
    expect(plan.writes.pendingInserts.map((row) => row.id)).toEqual([mine[0]!, mine[1]!, theirs].map((payload) => payload.submissionId));
    expect(plan.outcomes.map((outcome) => outcome.status)).toEqual(['stored', 'stored', 'dropped', 'stored']);
  });

  it('sees a lead created earlier in the same batch, even when its duplicate came first', () => {
    const created = persist({ email: 'a@example.com', firstName: 'A' });
    const duplicate = persist({ email: 'a@example.com', activities: [{ type: 'visited', description: 'again' }] }, { leadId: created.payload.leadId, decision: 'duplicate' });
    const plan = new LeadBatchPlan([duplicate, created], state(), { now });
    expect(plan.outcomes.map((outcome) => outcome.status === 'stored' && outcome.result)).toEqual(['merged', 'created']);
    expect(plan.writes.newLeads.map((lead) => lead.id)).toEqual([created.payload.leadId]);
    expect(plan.writes.rawSubmissions).toHaveLength(2);
    expect(eventTypes(plan)).toEqual(['created', 'activity_added']);
  });

  it('defers a duplicate whose lead is nowhere, unless told to create it', () => {
    const duplicate = persist({ email: 'b@example.com' }, { decision: 'duplicate' });
    expect(new LeadBatchPlan([duplicate], state(), { now }).outcomes[0]).toMatchObject({ status: 'deferred' });
    const plan = new LeadBatchPlan([{ ...duplicate, createMissingDuplicate: true } as Submission], state(), { now });
    expect(plan.outcomes[0]).toMatchObject({ status: 'stored', result: 'created' });
  });

  it('applies an update to present fields only, writes the lead once as it ends, and records `updated` only for a change', () => {
    const lead = stored({ email: 'c@example.com', firstName: 'Old', city: 'Paris' });
    const first = persist({ firstName: 'New' }, { leadId: lead.id, decision: 'updated' });
    const same = persist({ firstName: 'New' }, { leadId: lead.id, decision: 'updated' });
    const second = persist({ city: 'Berlin' }, { leadId: lead.id, decision: 'updated' });
    const plan = new LeadBatchPlan([first, same, second], state({ leads: [lead] }), { now });
    expect(plan.outcomes.map((outcome) => outcome.status === 'stored' && outcome.result)).toEqual(['updated', 'merged', 'updated']);
    expect(plan.writes.updatedLeads).toEqual([expect.objectContaining({ id: lead.id, firstName: 'New', city: 'Berlin', email: 'c@example.com', version: '42' })]);
    expect(eventTypes(plan)).toEqual(['updated', 'updated']);
    expect(JSON.parse(plan.writes.events[0]!.documentJson)).toMatchObject({ action: 'updated', first_name: 'New' });
  });

  it('keeps activities for a missing lead pending, and applies them after `created` when the lead comes', () => {
    const leadId = randomUUID();
    const early = activities(leadId);
    const waiting = new LeadBatchPlan([{ kind: 'append-activities', payload: early }], state(), { now });
    expect(waiting.outcomes[0]).toMatchObject({ status: 'stored', result: 'pending' });
    expect(waiting.writes.pendingInserts.map((row) => row.id)).toEqual([early.submissionId]);

    const created = persist({ email: 'd@example.com' }, { leadId });
    const plan = new LeadBatchPlan([created], state({ pending: [{ payload: early, receivedAt: now }] }), { now });
    expect(eventTypes(plan)).toEqual(['created', 'activity_added']);
    expect(plan.writes.pendingDeletes).toEqual([early.submissionId]);
    expect(plan.writes.rawSubmissions.map((row) => row.id)).toEqual([created.payload.submissionId, early.submissionId]);
  });

  it('merges a "created" lead into the stored holder of its email, as an alias whose claim is repaired', () => {
    const holder = stored({ email: 'e@example.com' });
    const again = persist({ email: 'e@example.com' });
    const plan = new LeadBatchPlan([again], state({ leads: [holder] }), { now });
    expect(plan.outcomes[0]).toMatchObject({ status: 'stored', leadId: holder.id, result: 'merged' });
    expect(plan.writes.newLeads).toEqual([]);
    expect(plan.writes.aliases).toEqual([{ id: again.payload.leadId, leadId: holder.id, createdAt: now }]);
    expect(plan.claimRepairs).toEqual([{ identityKeys: [expect.stringMatching(/^email:/)], leadId: holder.id, aliasId: again.payload.leadId }]);
  });

  it('writes nothing for a submission already stored and hands back its events not yet enqueued', () => {
    const done = persist({ email: 'f@example.com' });
    const processed = new Map([[done.payload.submissionId, { leadId: done.payload.leadId, eventIds: ['e1', 'e2'], eventIdsNotEnqueued: ['e2'] }]]);
    const plan = new LeadBatchPlan([done, done], state({ processed }), { now });
    expect(plan.outcomes).toEqual([
      { status: 'stored', leadId: done.payload.leadId, result: 'already_processed', eventIds: ['e1', 'e2'] },
      { status: 'stored', leadId: done.payload.leadId, result: 'already_processed', eventIds: ['e1', 'e2'] },
    ]);
    expect(plan.writes.rawSubmissions).toEqual([]);
    expect(plan.eventIdsToEnqueue).toEqual(['e2']);
  });

  it('rejects a submission from a partner that does not exist without touching the others', () => {
    const orphan = persist({ email: 'g@example.com' }, { partnerId: randomUUID() });
    const fine = persist({ email: 'h@example.com' });
    const plan = new LeadBatchPlan([orphan, fine], state(), { now });
    expect(plan.outcomes[0]).toMatchObject({ status: 'rejected' });
    expect(plan.outcomes[1]).toMatchObject({ status: 'stored', result: 'created' });
  });
});
