import { spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { dirname, join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { dropDatabase } from '@leadrelay/db';
import { freePort } from '../support/free-port.ts';
import { PrivateRedis } from '../support/private-redis.ts';
import { databaseUrlFor } from '../support/test-database.ts';
import { createQueuePrefix, deleteRedisKeys, testRedisUrl } from '../support/test-redis.ts';
import { waitFor } from '../support/wait-for.ts';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');

interface Finished {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs a script with tsx and collects its output until it exits. */
function run(script: string, env: Record<string, string>, cwd = repositoryRoot) {
  const child = spawn(process.execPath, ['--import', 'tsx', join(repositoryRoot, script)], {
    cwd,
    env: { ...process.env, LOG_FORMAT: 'json', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  const finished = new Promise<Finished>((resolve) => child.on('exit', (code) => resolve({ code, ...output })));
  return { child, output, finished };
}

describe('starting LeadRelay', () => {
  const databaseUrl = databaseUrlFor(`leadrelay_start_${randomBytes(4).toString('hex')}`);
  const queuePrefix = createQueuePrefix();

  afterAll(async () => {
    await dropDatabase(databaseUrl);
    await deleteRedisKeys(queuePrefix);
  });

  it('pnpm start creates the database, applies migrations, runs all five apps, and Ctrl-C stops them cleanly', async () => {
    const ports = {
      INTAKE_PORT: await freePort(),
      INTAKE_METRICS_PORT: await freePort(),
      ADMIN_PORT: await freePort(),
      WORKER_HEALTH_PORT: await freePort(),
      DISPATCHER_HEALTH_PORT: await freePort(),
      PORTAL_PORT: await freePort(),
      PORTAL_METRICS_PORT: await freePort(),
    };
    const started = run('scripts/start.ts', {
      DATABASE_URL: databaseUrl,
      REDIS_URL: testRedisUrl,
      QUEUE_PREFIX: queuePrefix,
      ...Object.fromEntries(Object.entries(ports).map(([name, port]) => [name, String(port)])),
    });
    for (const port of Object.values(ports)) {
      await waitFor(async () => (await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200, {
        timeoutMs: 90_000,
        intervalMs: 200,
        description: `the app on port ${port} to be ready`,
      });
    }
    expect(started.output.stdout).toContain('created database');
    started.child.kill('SIGINT');
    const finished = await started.finished;
    expect(finished.code, finished.stderr).toBe(0);
    for (const port of Object.values(ports)) {
      await expect(fetch(`http://127.0.0.1:${port}/healthz`)).rejects.toThrow();
    }
  });

  it('stops with one line naming the variable when a setting is invalid', async () => {
    const { finished } = run('apps/intake/src/server.ts', { INTAKE_PORT: 'not-a-port' });
    const result = await finished;
    expect(result.code).not.toBe(0);
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(result.stderr).toMatch(/^Invalid configuration: INTAKE_PORT: /);

    const schedule = await run('apps/dispatcher/src/server.ts', { DISPATCH_RETRY_SCHEDULE: '10m,soon' }).finished;
    expect(schedule.code).not.toBe(0);
    expect(schedule.stderr).toMatch(/^Invalid configuration: DISPATCH_RETRY_SCHEDULE: "soon" is not a duration/);

    const retention = await run('apps/worker/src/server.ts', { RETENTION_RAW_SUBMISSIONS: '90' }).finished;
    expect(retention.code).not.toBe(0);
    expect(retention.stderr).toBe(
      'Invalid configuration: RETENTION_RAW_SUBMISSIONS: "90" is not a duration (use a number with ms, s, m, h or d, e.g. 10m), or off\n',
    );

    const production = await run('apps/admin/src/server.ts', { NODE_ENV: 'production' }).finished;
    expect(production.code).not.toBe(0);
    expect(production.stderr).toMatch(/^Invalid configuration: ADMIN_TOKEN: is required when NODE_ENV=production/);
  });

  it('says in one line, password masked, when Redis or PostgreSQL cannot be reached, and exits', async () => {
    const deadPort = await freePort();
    for (const app of ['intake', 'worker', 'dispatcher', 'admin']) {
      const redisDown = await run(`apps/${app}/src/server.ts`, { REDIS_URL: `redis://:hunter2@127.0.0.1:${deadPort}` }).finished;
      expect(redisDown.code, app).not.toBe(0);
      expect(redisDown.stderr.trim().split('\n'), app).toHaveLength(1);
      expect(redisDown.stderr).toContain(`Redis is not reachable at redis://:***@127.0.0.1:${deadPort}`);
      expect(redisDown.stderr).toContain('docker/compose.yaml');
      expect(redisDown.stderr).not.toContain('hunter2');
    }
    const postgresDown = await run('apps/worker/src/server.ts', {
      DATABASE_URL: `postgresql://postgres:hunter2@127.0.0.1:${deadPort}/leadrelay`,
    }).finished;
    expect(postgresDown.code).not.toBe(0);
    expect(postgresDown.stderr.trim().split('\n')).toHaveLength(1);
    expect(postgresDown.stderr).toContain(`PostgreSQL is not reachable at postgresql://postgres:***@127.0.0.1:${deadPort}/leadrelay`);
  });

  it('refuses in production, in one line, a Redis that can lose acknowledged leads, unless ALLOW_VOLATILE_REDIS=true', async () => {
    const volatileRedis = new PrivateRedis(['--appendonly', 'no']);
    await volatileRedis.start();
    try {
      const production = {
        NODE_ENV: 'production',
        REDIS_URL: volatileRedis.url,
        SECRET_ENCRYPTION_KEY: 'e2e-only-secret-encryption-key-0123456789',
        ADMIN_TOKEN: 'e2e-only-admin-token-0123456789',
        SUPPRESSION_HASH_KEY: 'e2e-only-suppression-hash-key-0123456789',
      };
      const apps = ['intake', 'worker', 'dispatcher', 'admin'];
      const refused = await Promise.all(apps.map((app) => run(`apps/${app}/src/server.ts`, production).finished));
      refused.forEach((result, index) => {
        expect(result.code, apps[index]).toBe(1);
        expect(result.stderr.trim().split('\n'), apps[index]).toHaveLength(1);
        expect(result.stderr).toMatch(/^Redis at redis:\/\/127\.0\.0\.1:\d+ can lose acknowledged leads: AOF is off \(appendonly no\);/);
      });

      // Accepted: the check warns and start-up goes on, here to PostgreSQL, which is not there.
      const deadPort = await freePort();
      const allowed = await run('apps/worker/src/server.ts', {
        ...production,
        ALLOW_VOLATILE_REDIS: 'true',
        DATABASE_URL: `postgresql://postgres@127.0.0.1:${deadPort}/leadrelay`,
      }).finished;
      expect(allowed.stderr).toContain('PostgreSQL is not reachable');
      const warnings = allowed.stdout.split('\n').filter((line) => line.includes('can lose acknowledged leads'));
      expect(warnings).toHaveLength(1);
      expect(JSON.parse(warnings[0]!)).toMatchObject({ level: 40, msg: expect.stringContaining('started anyway: ALLOW_VOLATILE_REDIS=true') });
    } finally {
      await volatileRedis.destroy();
    }
  });
});
