import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { TimedBatcher } from './timed-batcher.ts';
import type { Submission, SubmissionOutcome } from './submission.ts';
import { WriteLanes, laneIndex } from './write-lanes.ts';

/** A persist-lead submission for `leadId`; only the lead id matters to the lanes. */
function submissionFor(leadId: string): Submission {
  return { kind: 'persist-lead', payload: { leadId, submissionId: randomUUID() }, createMissingDuplicate: false } as unknown as Submission;
}

describe('WriteLanes', () => {
  it('keeps a lead in one lane and spreads leads over all lanes', () => {
    const leadIds = Array.from({ length: 1_000 }, () => randomUUID());
    const lanes = leadIds.map((leadId) => laneIndex(leadId, 3));
    expect(leadIds.map((leadId) => laneIndex(leadId, 3))).toEqual(lanes);
    for (const lane of [0, 1, 2]) expect(lanes.filter((index) => index === lane).length).toBeGreaterThan(250);
    expect(laneIndex(leadIds[0]!, 1)).toBe(0);
  });

  it('writes the lanes at once, and a lead\'s submissions in the order they came, in its lane', async () => {
    const written: { lane: number; leadIds: string[] }[] = [];
    let inFlight = 0;
    let mostInFlight = 0;
    const release: (() => void)[] = [];
    const lanes = [0, 1].map(
      (lane) =>
        new TimedBatcher<Submission, SubmissionOutcome>({
          maxBatchSize: 2,
          maxWaitMs: 1,
          maxConcurrentFlushes: 1,
          flush: async (submissions) => {
            inFlight += 1;
            mostInFlight = Math.max(mostInFlight, inFlight);
            // Each batch is held until both lanes have one in flight (or nothing else can come).
            if (inFlight < 2) await new Promise<void>((resolve) => release.push(resolve));
            else release.splice(0).forEach((resolve) => resolve());
            written.push({ lane, leadIds: submissions.map((submission) => submission.payload.leadId) });
            inFlight -= 1;
            return submissions.map((submission) => ({
              status: 'fulfilled' as const,
              value: { status: 'stored' as const, leadId: submission.payload.leadId, result: 'created' as const, eventIds: [] },
            }));
          },
        }),
    );
    const writeLanes = new WriteLanes(lanes);
    const leadInLane = (lane: number) => {
      for (;;) {
        const leadId = randomUUID();
        if (laneIndex(leadId, 2) === lane) return leadId;
      }
    };
    const [first, second] = [leadInLane(0), leadInLane(1)];
    const submissions = [first, second, first, second].map(submissionFor);
    await Promise.all(submissions.map((submission) => writeLanes.add(submission)));
    await writeLanes.close();
    expect(mostInFlight).toBe(2);
    expect(written.filter(({ lane }) => lane === 0).flatMap(({ leadIds }) => leadIds)).toEqual([first, first]);
    expect(written.filter(({ lane }) => lane === 1).flatMap(({ leadIds }) => leadIds)).toEqual([second, second]);
  });
});
