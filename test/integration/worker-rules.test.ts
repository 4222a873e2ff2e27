import { randomUUID } from 'node:crypto';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { IdentityClaimLayout, identityKeys } from '@leadrelay/lead';
import { jobIdFor } from '@leadrelay/queue';
import { WorkerHarness } from '../support/worker-harness.ts';
import { waitFor } from '../support/wait-for.ts';

interface EventRow {
  type: string;
  lead_id: string;
  submission_id: string;
  document: { action: string; id: string; email: string; first_name: string; activities: { type: string; description: string }[] };
  on_outbox_list: boolean;
}

/** The event ids the fan-out jobs in the events queue carry, whatever their state (one `fan-out-events` job per committed batch). */
async function fanOutEventIds(harness: WorkerHarness): Promise<string[]> {
  const jobs = await harness.events.getJobs(['waiting', 'active', 'delayed', 'completed', 'failed', 'prioritized']);
  return jobs.flatMap((job) => (job.data as { eventIds: string[] }).eventIds);
}

describe('worker rules, on the real PostgreSQL and Redis', () => {
  const harness = new WorkerHarness();

  beforeAll(async () => {
    await harness.setUp();
    await harness.startWorker();
  });

  afterAll(async () => {
    await harness.close();
  });

  const countRows = async (table: string, where: string, values: unknown[]) =>
    Number((await harness.query<{ n: string }>(`SELECT count(*) AS n FROM ${table} WHERE ${where}`, values))[0]!.n);

  const eventsOf = (leadId: string) =>
    harness.query<EventRow>(`SELECT type, lead_id, submission_id, document, EXISTS (SELECT 1 FROM outbox_entries WHERE event_id = events.id) AS on_outbox_list
       FROM events WHERE lead_id = $1 ORDER BY sequence`, [leadId]);

  const waitForSubmission = (submissionId: string) =>
    waitFor(async () => (await countRows('raw_submissions', 'id = $1', [submissionId])) === 1, { description: `submission ${submissionId} stored` });

  it('stores a new lead with its raw submission, consent, external id, activities and a created event', async () => {
    const payload = harness.leadPayload({
      email: 'first@example.com',
      phone: '+14155550100',
      firstName: 'Ada',
      externalId: 'sov-1',
      consent: { text: 'I agree', ip: '203.0.113.9' },
      activities: [{ type: 'visited', description: 'Landing page' }],
    });
    await harness.enqueueLeads([payload]);
    await waitForSubmission(payload.submissionId);

    expect(await harness.query('SELECT id, email, phone, first_name FROM leads WHERE id = $1', [payload.leadId])).toEqual([
      { id: payload.leadId, email: 'first@example.com', phone: '+14155550100', first_name: 'Ada' },
    ]);
    expect(await countRows('consents', 'lead_id = $1', [payload.leadId])).toBe(1);
    expect(await countRows('external_ids', "lead_id = $1 AND external_id = 'sov-1'", [payload.leadId])).toBe(1);
    const events = await eventsOf(payload.leadId);
    expect(events).toHaveLength(1);
    expect(events[0]!.type).toBe('created');
    expect(events[0]!.document).toMatchObject({ action: 'created', id: payload.leadId, email: 'first@example.com', first_name: 'Ada' });
    expect(events[0]!.document.activities).toEqual([expect.objectContaining({ type: 'visited', description: 'Landing page' })]);
    // The fan-out job is in Redis, and the event is off the outbox list.
    await waitFor(async () => !(await eventsOf(payload.leadId))[0]!.on_outbox_list, { description: 'the event off the outbox list' });
    expect(await fanOutEventIds(harness)).toContain((await harness.query<{ id: string }>('SELECT id FROM events WHERE lead_id = $1', [payload.leadId]))[0]!.id);
  });

  it('leaves the same rows when the same job is processed twice', async () => {
    const payload = harness.leadPayload({ email: 'twice@example.com', activities: [{ type: 'visited', description: 'x' }] });
    // A duplicate enqueue under another job id: both jobs run, at once, in the same batch or not.
    await harness.enqueueLeads([payload]);
    await harness.enqueueLeads([payload], { jobId: () => `again-${payload.submissionId}` });
    await waitFor(
      async () => {
        const jobs = await Promise.all([jobIdFor('submission', payload.submissionId), `again-${payload.submissionId}`].map((id) => harness.leads.getJob(id)));
        return jobs.every((job) => job?.finishedOn !== undefined);
      },
      { description: 'both jobs finished' },
    );
    // And once more after both committed: a retried or stalled job.
    await harness.enqueueLeads([payload], { jobId: () => `later-${payload.submissionId}` });
    await waitFor(async () => (await harness.leads.getJob(`later-${payload.submissionId}`))?.finishedOn !== undefined, {
      description: 'the third run finished',
    });
    const third = await harness.leads.getJob(`later-${payload.submissionId}`);
    expect(third?.returnvalue).toEqual({ leadId: payload.leadId, outcome: 'already_processed' });

    expect(await countRows('leads', "email = 'twice@example.com'", [])).toBe(1);
    expect(await countRows('raw_submissions', 'id = $1', [payload.submissionId])).toBe(1);
    expect(await countRows('activities', 'submission_id = $1', [payload.submissionId])).toBe(1);
    expect(await countRows('events', 'submission_id = $1', [payload.submissionId])).toBe(1);
  });

  it('stores 50 concurrent duplicates of one person as one lead with 50 submissions', async () => {
    const first = harness.leadPayload({ email: 'race@example.com', firstName: 'First' });
    const duplicates = Array.from({ length: 49 }, (_, index) =>
      harness.leadPayload(
        { email: 'race@example.com', firstName: `Dup ${index}`, activities: [{ type: 'visited', description: `visit ${index}` }] },
        { leadId: first.leadId, decision: 'duplicate' },
      ),
    );
    // Duplicates first: some reach the worker before the lead they duplicate and must wait for it.
    await harness.enqueueLeads([...duplicates.slice(0, 10), first, ...duplicates.slice(10)]);
    await waitFor(async () => (await countRows('raw_submissions', 'lead_id = $1', [first.leadId])) === 50, {
      timeoutMs: 60_000,
      description: '50 submissions stored',
    });
    expect(await harness.query('SELECT id, first_name FROM leads WHERE email = $1', ['race@example.com'])).toEqual([
      { id: first.leadId, first_name: 'First' },
    ]);
    const events = await eventsOf(first.leadId);
    expect(events.filter((event) => event.type === 'created')).toHaveLength(1);
    expect(events.filter((event) => event.type === 'activity_added')).toHaveLength(49);
    expect(events.filter((event) => event.type === 'updated')).toHaveLength(0);
    expect(events[0]!.type).toBe('created');
    expect(await countRows('activities', 'lead_id = $1', [first.leadId])).toBe(49);
  });

  it('on update replaces present fields, keeps absent ones, and records `updated` only when something changed', async () => {
    const created = harness.leadPayload({ email: 'upd@example.com', firstName: 'Old', lastName: 'Keep', city: 'Paris', custom: { a: 1 } });
    await harness.enqueueLeads([created]);
    await waitForSubmission(created.submissionId);

    const update = harness.leadPayload(
      { email: 'upd@example.com', firstName: 'New', city: 'Berlin', custom: { b: 2 } },
      { leadId: created.leadId, decision: 'updated' },
    );
    await harness.enqueueLeads([update]);
    await waitForSubmission(update.submissionId);
    expect(await harness.query('SELECT first_name, last_name, city, custom FROM leads WHERE id = $1', [created.leadId])).toEqual([
      { first_name: 'New', last_name: 'Keep', city: 'Berlin', custom: { a: 1, b: 2 } },
    ]);

    const sameAgain = harness.leadPayload({ email: 'upd@example.com', firstName: 'New' }, { leadId: created.leadId, decision: 'updated' });
    const keep = harness.leadPayload({ email: 'upd@example.com', firstName: 'Ignored' }, { leadId: created.leadId, decision: 'duplicate' });
    await harness.enqueueLeads([sameAgain, keep]);
    await waitForSubmission(sameAgain.submissionId);
    await waitForSubmission(keep.submissionId);

    expect((await harness.query('SELECT first_name FROM leads WHERE id = $1', [created.leadId]))[0]).toEqual({ first_name: 'New' });
    const events = await eventsOf(created.leadId);
    expect(events.map((event) => event.type)).toEqual(['created', 'updated']);
    expect(events[1]!.document).toMatchObject({ action: 'updated', first_name: 'New' });
    // Every submission is kept, changed anything or not.
    expect(await countRows('raw_submissions', 'lead_id = $1', [created.leadId])).toBe(4);
  });

  it('never moves an email to a lead when another lead holds it', async () => {
    const one = harness.leadPayload({ email: 'one@example.com', phone: '+14155550111' });
    const two = harness.leadPayload({ email: 'two@example.com' });
    await harness.enqueueLeads([one, two]);
    await waitForSubmission(two.submissionId);
    await waitForSubmission(one.submissionId);
    const update = harness.leadPayload({ email: 'one@example.com', firstName: 'Two' }, { leadId: two.leadId, decision: 'updated' });
    await harness.enqueueLeads([update]);
    await waitForSubmission(update.submissionId);
    expect(await harness.query('SELECT email, first_name FROM leads WHERE id = $1', [two.leadId])).toEqual([{ email: 'two@example.com', first_name: 'Two' }]);
  });

  it('keeps activities that arrive before their lead and applies them, after `created`, once it is stored', async () => {
    const lead = harness.leadPayload({ email: 'early@example.com', activities: [{ type: 'visited', description: 'sign-up' }] });
    const early = harness.activitiesPayload(lead.leadId, [
      { type: 'property_viewed', description: 'Viewed 12 Main St', property: { mls: '123' } },
      { type: 'saved_search', description: 'Saved a search' },
    ]);
    await harness.enqueueActivities([early]);
    await waitFor(async () => (await countRows('pending_submissions', 'id = $1', [early.submissionId])) === 1, {
      description: 'the activities kept pending',
    });
    expect(await countRows('activities', 'lead_id = $1', [lead.leadId])).toBe(0);

    await harness.enqueueLeads([lead]);
    await waitForSubmission(early.submissionId);
    expect(await countRows('pending_submissions', 'lead_id = $1', [lead.leadId])).toBe(0);
    expect(await harness.query('SELECT type FROM activities WHERE lead_id = $1 ORDER BY submission_id = $2, position', [lead.leadId, early.submissionId])).toEqual([
      { type: 'visited' },
      { type: 'property_viewed' },
      { type: 'saved_search' },
    ]);
    const events = await eventsOf(lead.leadId);
    expect(events.map((event) => event.type)).toEqual(['created', 'activity_added']);
    expect(events[1]!.document.activities.map((activity) => activity.type)).toEqual(['property_viewed', 'saved_search']);
    const raw = await harness.query<{ route: string }>('SELECT route FROM raw_submissions WHERE id = $1', [early.submissionId]);
    expect(raw).toEqual([{ route: 'POST /v1/leads/:leadId/activities' }]);

    // Activities for a stored lead go straight to it, with their own event.
    const later = harness.activitiesPayload(lead.leadId, [{ type: 'note', description: 'Called back' }]);
    await harness.enqueueActivities([later]);
    await waitForSubmission(later.submissionId);
    expect((await eventsOf(lead.leadId)).map((event) => event.type)).toEqual(['created', 'activity_added', 'activity_added']);
  });

  it('fails an invalid job at once, with the reason, without retrying it', async () => {
    const jobId = await harness.enqueueRaw('persist-lead', { submissionId: 'not-a-uuid', lead: { email: 42 } }, { jobId: 'invalid-1' });
    const failed = await waitFor(async () => {
      const job = await harness.leads.getJob(jobId);
      return job?.failedReason ? job : undefined;
    }, { description: 'the invalid job to fail' });
    expect(failed.attemptsMade).toBe(1);
    expect(await failed.getState()).toBe('failed');
    expect(failed.failedReason).toMatch(/^invalid persist-lead payload: /);
    expect(failed.failedReason).toContain('submissionId');
    expect(failed.failedReason).toContain('lead.email');

    const unknown = await harness.enqueueRaw('no-such-job', {}, { jobId: 'invalid-2' });
    const unknownJob = await waitFor(async () => {
      const job = await harness.leads.getJob(unknown);
      return job?.failedReason ? job : undefined;
    }, { description: 'the unknown job to fail' });
    expect(unknownJob.failedReason).toBe('unknown job name "no-such-job"');
    expect(unknownJob.attemptsMade).toBe(1);
  });

  it('fails a job for a partner that does not exist, for good, without holding up its batch', async () => {
    const orphan = harness.leadPayload({ email: 'orphan@example.com' }, { partnerId: randomUUID() });
    const fine = harness.leadPayload({ email: 'fine@example.com' });
    await harness.enqueueLeads([orphan, fine]);
    await waitForSubmission(fine.submissionId);
    const job = await waitFor(async () => {
      const found = await harness.leads.getJob(jobIdFor('submission', orphan.submissionId));
      return found?.failedReason ? found : undefined;
    }, { description: 'the orphan job to fail' });
    expect(job.failedReason).toBe(`partner ${orphan.partnerId} does not exist`);
    expect(job.attemptsMade).toBe(1);
  });

  it('stores a partner NUL character instead of failing the lead', async () => {
    const payload = harness.leadPayload({ email: 'nul@example.com', notes: 'a\u0000b' }, { raw: { notes: 'a\u0000b' } });
    await harness.enqueueLeads([payload]);
    await waitForSubmission(payload.submissionId);
    expect(await harness.query('SELECT notes FROM leads WHERE id = $1', [payload.leadId])).toEqual([{ notes: 'a\uFFFDb' }]);
  });

  it('stores text and JSON with quotes, backslashes, braces and commas exactly as received', async () => {
    const tricky = 'say "hi", {x} \\ NULL \\"';
    const custom = { note: tricky, nested: '{"a":"\\""}', empty: '', none: null };
    const property = { path: 'C:\\temp\\"x"', list: [1, '2', null], nested: { brace: '}{' } };
    const payload = harness.leadPayload(
      { email: 'tricky@example.com', firstName: tricky, notes: 'NULL', custom, activities: [{ type: 'note', description: tricky, property }] },
      { raw: { firstName: tricky, custom } },
    );
    await harness.enqueueLeads([payload]);
    await waitForSubmission(payload.submissionId);

    expect(await harness.query('SELECT first_name, notes, custom FROM leads WHERE id = $1', [payload.leadId])).toEqual([{ first_name: tricky, notes: 'NULL', custom }]);
    expect(await harness.query('SELECT payload FROM raw_submissions WHERE id = $1', [payload.submissionId])).toEqual([{ payload: { firstName: tricky, custom } }]);
    expect(await harness.query('SELECT description, property FROM activities WHERE lead_id = $1', [payload.leadId])).toEqual([{ description: tricky, property }]);
    const [event] = await harness.query<{ document: Record<string, unknown> }>('SELECT document FROM events WHERE submission_id = $1', [payload.submissionId]);
    expect(event?.document).toMatchObject({ first_name: tricky });
  });

  it('merges a "new" lead into the stored one when Redis lost the claims, and repairs the claim', async () => {
    const stored = harness.leadPayload({ email: 'lost@example.com', firstName: 'Stored' });
    await harness.enqueueLeads([stored]);
    await waitForSubmission(stored.submissionId);

    // Intake, without its claims, took the same person for a new lead and claimed the key for the new id.
    const again = harness.leadPayload({ email: 'lost@example.com', firstName: 'Again', activities: [{ type: 'visited', description: 'back' }] });
    const layout = new IdentityClaimLayout(harness.queuePrefix);
    const claim = layout.slotOf(identityKeys({ email: 'lost@example.com' })[0]!);
    await harness.redis.hset(claim.key, claim.field, layout.encodeOwner(again.leadId, again.partnerId));
    await harness.enqueueLeads([again]);
    await waitForSubmission(again.submissionId);

    expect(await harness.query('SELECT id, first_name FROM leads WHERE email = $1', ['lost@example.com'])).toEqual([
      { id: stored.leadId, first_name: 'Stored' },
    ]);
    expect(await harness.query('SELECT lead_id FROM lead_aliases WHERE id = $1', [again.leadId])).toEqual([{ lead_id: stored.leadId }]);
    // The claim is repaired after the batch commits, before its job completes.
    const repaired = await waitFor(
      async () => {
        const owner = layout.decodeOwner((await harness.redis.hgetBuffer(claim.key, claim.field))!);
        return owner.leadId === stored.leadId ? owner : undefined;
      },
      { description: 'the claim to name the stored lead' },
    );
    expect(repaired).toEqual({ leadId: stored.leadId, creatorPartnerId: null });

    // What the partner sends later under the id intake gave it reaches the stored lead.
    const activity = harness.activitiesPayload(again.leadId, [{ type: 'note', description: 'via alias' }]);
    await harness.enqueueActivities([activity]);
    await waitForSubmission(activity.submissionId);
    expect(await countRows('activities', "lead_id = $1 AND type = 'note'", [stored.leadId])).toBe(1);
  });

  it('makes a submission for a lead another transaction is writing wait for it, so the lead\'s events are numbered in commit order', async () => {
    const lead = harness.leadPayload({ email: 'locked@example.com', firstName: 'Locked' });
    await harness.enqueueLeads([lead]);
    await waitForSubmission(lead.submissionId);
    // Another writer (another worker process, or another write lane under an alias) holds the lead.
    const other = new pg.Client({ connectionString: harness.databaseUrl });
    await other.connect();
    try {
      await other.query('BEGIN');
      await other.query("UPDATE leads SET city = 'Elsewhere' WHERE id = $1", [lead.leadId]);
      const activity = harness.activitiesPayload(lead.leadId, [{ type: 'note', description: 'while locked' }]);
      await harness.enqueueActivities([activity]);
      await waitFor(
        async () =>
          (await harness.query<{ n: string }>(
            "SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'leadrelay-worker' AND wait_event_type = 'Lock'",
          ))[0]!.n !== '0',
        { description: 'the worker to wait for the lead' },
      );
      const inserted = await other.query<{ sequence: string }>(
        `INSERT INTO events (id, lead_id, type, submission_id, partner_slug, document) VALUES ($1, $2, 'updated', $3, 'acme', '{}') RETURNING sequence`,
        [randomUUID(), lead.leadId, randomUUID()],
      );
      const otherSequence = inserted.rows[0]!.sequence;
      await other.query('COMMIT');
      await waitForSubmission(activity.submissionId);
      const [stored] = await harness.query<{ sequence: string }>('SELECT sequence FROM events WHERE submission_id = $1', [activity.submissionId]);
      expect(BigInt(stored!.sequence)).toBeGreaterThan(BigInt(otherSequence));
    } finally {
      await other.end();
    }
  });

  it('restores identity claims from the stored leads when Redis has lost them', async () => {
    const payload = harness.leadPayload({ email: 'restore@example.com', phone: '+14155550199' });
    await harness.enqueueLeads([payload]);
    await waitForSubmission(payload.submissionId);
    const layout = new IdentityClaimLayout(harness.queuePrefix);
    const claims = identityKeys({ email: 'restore@example.com', phone: '+14155550199' }).map((key) => layout.slotOf(key));
    const marker = `${harness.queuePrefix}:identity-claims:restored:${layout.bucketBits}`;
    // What a Redis restart without persistence leaves: no claims, no marker.
    await harness.redis.del(...claims.map((claim) => claim.key), marker);

    const restarted = await harness.startWorker({ IDENTITY_CLAIMS_CHECK_INTERVAL: '100ms' });
    // The marker is written after the last claim, so wait for it, then look at the claims.
    await waitFor(async () => (await harness.redis.get(marker)) === 'complete', {
      description: 'the claims restore to complete',
    });
    // Each restored claim names the lead and its creator, as intake's own claims do.
    for (const claim of claims) {
      const owner = await harness.redis.hgetBuffer(claim.key, claim.field);
      expect(owner && layout.decodeOwner(owner)).toEqual({ leadId: payload.leadId, creatorPartnerId: payload.partnerId });
    }
    await restarted.stop();
  });

  describe('persist-leads jobs (the submissions of many requests in one job, as intake enqueues them)', () => {
    const finishedJob = (jobId: string) =>
      waitFor(async () => {
        const job = await harness.leads.getJob(jobId);
        return job?.finishedOn !== undefined ? job : undefined;
      }, { description: `job ${jobId} finished` });

    it('stores every submission, duplicates inside the job included, and the same job run again changes nothing', async () => {
      const first = harness.leadPayload({ email: 'group@example.com', firstName: 'Group' });
      const duplicates = [1, 2, 3].map((n) =>
        harness.leadPayload({ email: 'group@example.com', activities: [{ type: 'visited', description: `visit ${n}` }] }, { leadId: first.leadId, decision: 'duplicate' }),
      );
      const other = harness.leadPayload({ email: 'group-other@example.com' });
      const group = [duplicates[0]!, first, duplicates[1]!, other, duplicates[2]!];
      const job = await finishedJob(await harness.enqueueLeadGroup(group));
      expect(await job.getState()).toBe('completed');
      expect(job.returnvalue).toEqual({
        leads: group.map((payload) => ({ leadId: payload.leadId, outcome: payload === first || payload === other ? 'created' : 'merged' })),
      });
      const again = await finishedJob(await harness.enqueueLeadGroup(group, `again-${first.submissionId}`));
      expect(again.returnvalue).toEqual({ leads: group.map((payload) => ({ leadId: payload.leadId, outcome: 'already_processed' })) });

      expect(await countRows('leads', "email LIKE 'group%@example.com'", [])).toBe(2);
      expect(await countRows('raw_submissions', 'lead_id = $1', [first.leadId])).toBe(4);
      expect((await eventsOf(first.leadId)).map((event) => event.type)).toEqual(['created', 'activity_added', 'activity_added', 'activity_added']);
      expect(await countRows('events', 'lead_id = $1', [other.leadId])).toBe(1);
    });

    it('stores the good submissions and fails the job for good naming the ones that can never be stored', async () => {
      const good = harness.leadPayload({ email: 'group-good@example.com' });
      const orphan = harness.leadPayload({ email: 'group-orphan@example.com' }, { partnerId: randomUUID() });
      const invalid = { ...harness.leadPayload({ email: 'group-invalid@example.com' }), receivedAt: 'yesterday' };
      const jobId = await harness.enqueueLeadGroup([good, orphan, invalid]);
      const job = await waitFor(async () => {
        const found = await harness.leads.getJob(jobId);
        return found?.failedReason ? found : undefined;
      }, { description: 'the job to fail' });
      expect(job.attemptsMade).toBe(1);
      expect(job.failedReason).toMatch(/^2 of 3 submissions can never be stored \(the others are\)/);
      expect(job.failedReason).toContain(`submission 1 (${orphan.submissionId}): partner ${orphan.partnerId} does not exist`);
      expect(job.failedReason).toContain('submission 2: invalid payload: receivedAt');
      expect(await countRows('raw_submissions', 'id = $1', [good.submissionId])).toBe(1);
      expect(await countRows('leads', "email IN ('group-orphan@example.com', 'group-invalid@example.com')", [])).toBe(0);
    });

    it('fails a job whose envelope is not a list of submissions at once', async () => {
      const jobId = await harness.enqueueRaw('persist-leads', { submissions: [] }, { jobId: 'invalid-group' });
      const job = await waitFor(async () => {
        const found = await harness.leads.getJob(jobId);
        return found?.failedReason ? found : undefined;
      }, { description: 'the empty job to fail' });
      expect(job.attemptsMade).toBe(1);
      expect(job.failedReason).toMatch(/^invalid persist-leads payload: submissions: /);
    });

    it('waits for a lead another job stores later, then completes', async () => {
      const first = harness.leadPayload({ email: 'group-late@example.com', firstName: 'Late' });
      const duplicate = harness.leadPayload({ email: 'group-late@example.com', firstName: 'Dup' }, { leadId: first.leadId, decision: 'duplicate' });
      const early = await harness.enqueueLeadGroup([duplicate]);
      // The duplicate's job is retried while its lead is missing; the lead's own job arrives meanwhile.
      await waitFor(async () => ((await harness.leads.getJob(early))?.attemptsMade ?? 0) >= 1, { description: 'the duplicate to be tried once' });
      await harness.enqueueLeadGroup([first]);
      const job = await finishedJob(early);
      expect(await job.getState()).toBe('completed');
      expect(await harness.query('SELECT first_name FROM leads WHERE id = $1', [first.leadId])).toEqual([{ first_name: 'Late' }]);
      expect(await countRows('raw_submissions', 'lead_id = $1', [first.leadId])).toBe(2);
    });
  });
});
