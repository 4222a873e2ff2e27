import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { fanOutJobId } from './outbox-relay.ts';

describe('fanOutJobId', () => {
  const eventIds = Array.from({ length: 5 }, () => randomUUID());

  it('is the same for the same batch, so enqueueing it again adds no job', () => {
    expect(fanOutJobId([...eventIds])).toBe(fanOutJobId(eventIds));
    expect(fanOutJobId(eventIds)).toMatch(/^events-[0-9a-f]{32}$/);
  });

  it('differs for another grouping of the same events, even one starting with the same event, so no event is dropped', () => {
    expect(fanOutJobId(eventIds.slice(0, 3))).not.toBe(fanOutJobId(eventIds));
    expect(fanOutJobId([...eventIds, randomUUID()])).not.toBe(fanOutJobId(eventIds));
  });
});
