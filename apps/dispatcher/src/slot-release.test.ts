import { describe, expect, it } from 'vitest';
import { SlotRelease } from './slot-release.ts';

describe('SlotRelease', () => {
  it('gives the slot back once, however often it is started', async () => {
    let releases = 0;
    const release = new SlotRelease(async () => {
      releases += 1;
    });
    release.start();
    release.start();
    await release.settled();
    await release.settled();
    expect(releases).toBe(1);
  });

  it('reports a failed release when settled, not as an unhandled rejection', async () => {
    const release = new SlotRelease(async () => {
      throw new Error('Redis unreachable');
    });
    release.start();
    // Let the failure happen before anyone waits for it.
    await new Promise((resolve) => setImmediate(resolve));
    await expect(release.settled()).rejects.toThrow('Redis unreachable');
  });
});
