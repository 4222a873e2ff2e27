import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { WorkerHarness } from '../support/worker-harness.ts';

// Two workers on one queue, as when the worker is scaled out: their batches race for the same
// people and even for the same submissions, and the rows must come out as with one worker.
describe('two workers racing for the same leads', () => {
  const harness = new WorkerHarness({ env: { WORKER_BATCH_MAX_SIZE: '50' } });

  beforeAll(async () => {
    await harness.setUp();
    await harness.startWorker();
    await harness.startWorker();
  });

  afterAll(async () => {
    await harness.close();
  });

  it('stores every submission once, one lead per person, one event per submission', async () => {
    const people = 100;
    const created = Array.from({ length: people }, (_, index) =>
      harness.leadPayload({ email: `race${index}@example.com`, activities: [{ type: 'visited', description: 'first' }] }),
    );
    const duplicates = created.flatMap((lead, index) =>
      Array.from({ length: 4 }, (_, copy) =>
        harness.leadPayload(
          { email: `race${index}@example.com`, firstName: `Copy ${copy}`, activities: [{ type: 'note', description: `copy ${copy}` }] },
          { leadId: lead.leadId, decision: copy % 2 === 0 ? 'duplicate' : 'updated' },
        ),
      ),
    );
    // Intake without its claims (Redis lost them) answers "created" again, with new ids, for 50 people.
    const claimsLost = created.slice(0, 50).map((_, index) => harness.leadPayload({ email: `race${index}@example.com` }));
    const all = [...created, ...duplicates, ...claimsLost];
    await harness.enqueueLeads(all);
    // Every job once more under another id: both workers may run the same submission at once.
    await harness.enqueueLeads(all, { jobId: (payload) => `again-${payload.submissionId}` });

    const counts = await harness.waitForCompleted(all.length * 2, 120_000);
    expect(counts.failed).toBe(0);

    const [stored] = await harness.query<Record<string, string>>(
      `SELECT (SELECT count(*) FROM raw_submissions) AS submissions,
              (SELECT count(*) FROM leads) AS leads,
              (SELECT count(*) FROM lead_aliases) AS aliases,
              (SELECT count(*) FROM activities) AS activities,
              (SELECT count(*) FROM (SELECT submission_id FROM events GROUP BY submission_id HAVING count(*) > 1) AS twice) AS submissions_with_two_events,
              (SELECT count(*) FROM events WHERE type = 'created') AS created_events`,
    );
    expect(stored).toEqual({
      submissions: String(all.length),
      leads: String(people),
      aliases: '50',
      activities: String(people + duplicates.length),
      submissions_with_two_events: '0',
      created_events: String(people),
    });
    // One lead per person; every id intake answered with reaches it, directly or as an alias.
    const [identity] = await harness.query<{ emails: string; unresolved: string }>(
      `SELECT (SELECT count(DISTINCT email) FROM leads) AS emails,
              (SELECT count(*) FROM unnest($1::uuid[]) AS answered(id)
                WHERE NOT EXISTS (SELECT 1 FROM leads WHERE leads.id = answered.id)
                  AND NOT EXISTS (SELECT 1 FROM lead_aliases WHERE lead_aliases.id = answered.id)) AS unresolved`,
      [all.map((payload) => payload.leadId)],
    );
    expect(identity).toEqual({ emails: String(people), unresolved: '0' });
  });
});
