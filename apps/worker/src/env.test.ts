import { describe, expect, it } from 'vitest';
import { WorkerEnvSchema } from './env.ts';

describe('the worker environment: retention', () => {
  it('defaults to 90 days of raw submissions, 30 of delivery content, 14 of failed jobs, a sweep every 10 minutes', () => {
    const env = WorkerEnvSchema.parse({});
    expect(env).toMatchObject({
      RETENTION_RAW_SUBMISSIONS: 90 * 86_400_000,
      RETENTION_DELIVERY_CONTENT: 30 * 86_400_000,
      RETENTION_FAILED_JOBS: 14 * 86_400_000,
      RETENTION_SWEEP_INTERVAL: 600_000,
      RETENTION_BATCH_SIZE: 1_000,
    });
  });

  it('takes off for each retention', () => {
    const env = WorkerEnvSchema.parse({ RETENTION_RAW_SUBMISSIONS: 'off', RETENTION_DELIVERY_CONTENT: 'off', RETENTION_FAILED_JOBS: 'off' });
    expect([env.RETENTION_RAW_SUBMISSIONS, env.RETENTION_DELIVERY_CONTENT, env.RETENTION_FAILED_JOBS]).toEqual([null, null, null]);
  });

  it('refuses a value that is not a duration, naming the variable', () => {
    const result = WorkerEnvSchema.safeParse({ RETENTION_RAW_SUBMISSIONS: '90' });
    expect(result.success).toBe(false);
    expect(result.error?.issues[0]).toMatchObject({
      path: ['RETENTION_RAW_SUBMISSIONS'],
      message: '"90" is not a duration (use a number with ms, s, m, h or d, e.g. 10m), or off',
    });
  });
});
