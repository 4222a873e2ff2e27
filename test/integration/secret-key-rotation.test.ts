import { execFile } from 'node:child_process';
import type { IncomingMessage } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SecretBox, secretKeyId } from '@leadrelay/credentials';
import { signHotwireRequest } from '@leadrelay/signing';
import { LeadRelayReceiver, WebhookVerificationError } from '@leadrelay/receiver';
import { encryptLegacy, legacyDestinationSecret, legacyKeyMaterial, legacyPartnerSecret } from '../fixtures/legacy-secret-ciphertexts.ts';
import { adminRequest, startLeadRelayApps, startLeadRelaySystem, testAdminToken, type LeadRelayApps, type LeadRelaySystem } from '../support/leadrelay-system.ts';
import { testRedisUrl } from '../support/test-redis.ts';
import { LocalReceiver } from '../support/webhook-receiver.ts';
import { waitFor } from '../support/wait-for.ts';

const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '../..');
const cliBin = join(repositoryRoot, 'packages/cli/bin/leadrelay.mjs');

/** The key the system ran with before the rotation; the fixtures' legacy ciphertexts were made with it. */
const oldKey = legacyKeyMaterial;
const newKey = 'rotation-test-new-secret-encryption-key-0123456789';

/** Answers 200 only to a webhook that @leadrelay/receiver verifies with the secret it knows, else 401. */
class VerifyingReceiver extends LocalReceiver {
  verified = 0;
  readonly refused: string[] = [];

  constructor(public secret: string) {
    super();
  }

  protected answer(request: IncomingMessage, body: Buffer): number {
    try {
      new LeadRelayReceiver({ secrets: this.secret }).verify(body, request.headers);
    } catch (error) {
      if (!(error instanceof WebhookVerificationError)) throw error;
      this.refused.push(error.message);
      return 401;
    }
    this.verified += 1;
    return 200;
  }
}

interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

interface ReencryptSummary {
  keyId: string;
  reencrypted: number;
  alreadyCurrent: number;
  failed: number;
  failures: { table: string; id: string; reason: string }[];
  batches: number;
}

describe('rotating SECRET_ENCRYPTION_KEYS while leads flow', () => {
  let system: LeadRelaySystem;
  /** The apps running now: the system's first, then each restart's. */
  let current: Pick<LeadRelayApps, 'intakeUrl' | 'adminUrl' | 'apps'>;
  const restarted: LeadRelayApps[] = [];
  let database: pg.Client;
  // Destination 1's secret is stored as written before key ids; 2 is mid-rotation (its old
  // secret still signs X-Lead-Router-Signature); 3 receives no leads and is rotated during the run.
  const receivers = [new VerifyingReceiver(legacyDestinationSecret.plaintext), new VerifyingReceiver('unknown yet'), new VerifyingReceiver('unknown yet')];
  let canonicalApiKey: string;
  let hotwire: { slug: string; apiKey: string; secret: string };
  let rotatedDestinationId: string;
  let leadsAccepted = 0;

  beforeAll(async () => {
    await Promise.all(receivers.map((receiver) => receiver.start()));
    // Today's configuration: one key in the variable that predates the list.
    system = await startLeadRelaySystem({ SECRET_ENCRYPTION_KEY: oldKey });
    current = system;
    database = new pg.Client({ connectionString: system.databaseUrl });
    await database.connect();

    canonicalApiKey = (await created<{ apiKey: string }>('/v1/partners', { name: 'Flow', slug: 'flow', profile: 'canonical' })).apiKey;
    const hotwirePartner = await created<{ id: string; apiKey: string }>('/v1/partners', { name: 'Hotwire', slug: 'hotwire', profile: 'hotwire' });
    // Its secret as a database written before key ids holds it.
    await database.query('UPDATE partners SET secret_ciphertext = $1 WHERE id = $2', [legacyPartnerSecret.ciphertext, hotwirePartner.id]);
    hotwire = { slug: 'hotwire', apiKey: hotwirePartner.apiKey, secret: legacyPartnerSecret.plaintext };

    const legacy = await created<{ id: string }>('/v1/destinations', { name: 'Legacy', url: receivers[0]!.url, secret: 'replaced-below-0123456789' });
    await database.query('UPDATE destinations SET secret_ciphertext = $1 WHERE id = $2', [legacyDestinationSecret.ciphertext, legacy.id]);
    const midRotation = await created<{ id: string; secret: string }>('/v1/destinations', { name: 'Mid-rotation', url: receivers[1]!.url });
    receivers[1]!.secret = midRotation.secret;
    const rotation = await adminRequest(current, 'POST', `/v1/destinations/${midRotation.id}/rotate-secret`, {
      switchAt: new Date(Date.now() + 86_400_000).toISOString(),
    });
    expect(rotation.status).toBe(200);
    const quiet = await created<{ id: string; secret: string }>('/v1/destinations', { name: 'Rotated', url: receivers[2]!.url, sources: ['nobody'] });
    rotatedDestinationId = quiet.id;
    receivers[2]!.secret = quiet.secret;
  });

  afterAll(async () => {
    for (const apps of restarted) await apps.stop();
    await database?.end();
    await system?.stop();
    await Promise.all(receivers.map((receiver) => receiver.stop()));
  });

  async function created<Body>(path: string, body: unknown): Promise<Body> {
    const answer = await adminRequest<Body>(current, 'POST', path, body);
    expect(answer.status, JSON.stringify(answer.body)).toBe(201);
    return answer.body;
  }

  /** One new lead from each partner; both destinations that take every source get both. */
  async function submitLeads(): Promise<void> {
    const n = leadsAccepted;
    const canonical = await fetch(`${current.intakeUrl}/v1/leads`, {
      method: 'POST',
      headers: { authorization: `Bearer ${canonicalApiKey}`, 'content-type': 'application/json' },
      body: JSON.stringify({ email: `flow-${n}@example.com` }),
    });
    expect(canonical.status).toBe(202);
    const query = `apiKey=${encodeURIComponent(hotwire.apiKey)}&sig=${signHotwireRequest(hotwire.apiKey, hotwire.secret, Math.floor(Date.now() / 1000))}`;
    const signed = await fetch(`${current.intakeUrl}/v1/hooks/${hotwire.slug}?${query}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify([{ firstName: 'Hot', lastName: 'Wire', email: `hotwire-${n}@example.com`, gender: 'F', age: 30 }]),
    });
    expect(signed.status, await signed.clone().text()).toBe(200);
    expect(await signed.json()).toEqual([{ email: `hotwire-${n}@example.com`, responseCodes: 'USER_CREATED' }]);
    leadsAccepted += 2;
  }

  /** Every accepted lead reached both receivers, signed so that they verified it; nothing failed. */
  async function expectEveryLeadVerified(): Promise<void> {
    const stats = await waitFor(
      async () => {
        const answer = await adminRequest<{ deliveries: { delivered: number; failed: number; pending: number } }>(current, 'GET', '/v1/stats');
        const { deliveries } = answer.body;
        return deliveries.delivered + deliveries.failed >= leadsAccepted * 2 && deliveries.pending === 0 ? deliveries : undefined;
      },
      { timeoutMs: 30_000, description: `deliveries of the ${leadsAccepted} leads to finish` },
    );
    expect(receivers.map((receiver) => receiver.refused)).toEqual([[], [], []]);
    expect(stats).toMatchObject({ delivered: leadsAccepted * 2, failed: 0 });
    expect(receivers[0]!.verified + receivers[1]!.verified).toBe(leadsAccepted * 2);
  }

  async function restartWith(keys: string[]): Promise<void> {
    await Promise.all(Object.values(current.apps).map((app) => app.stop()));
    const apps = await startLeadRelayApps({
      DATABASE_URL: system.databaseUrl,
      REDIS_URL: testRedisUrl,
      QUEUE_PREFIX: system.queuePrefix,
      DISPATCH_RETRY_SCHEDULE: '50ms,50ms,50ms,100ms,100ms,100ms,100ms',
      SECRET_ENCRYPTION_KEYS: keys.join(','),
    });
    restarted.push(apps);
    current = apps;
  }

  function cli(args: string[]): Promise<CliRun> {
    return new Promise((resolve) => {
      execFile(
        process.execPath,
        [cliBin, ...args],
        { cwd: repositoryRoot, env: { ...process.env, LEADRELAY_ADMIN_URL: current.adminUrl, ADMIN_TOKEN: testAdminToken } },
        (error, stdout, stderr) => resolve({ code: error ? (typeof error.code === 'number' ? error.code : null) : 0, stdout, stderr }),
      );
    });
  }

  /** What a receiver of the rotated destination sees of a test send: accepted only if signed with its secret. */
  async function expectTestSendVerifies(): Promise<void> {
    const test = await adminRequest<{ accepted: boolean; statusCode: number }>(current, 'POST', `/v1/destinations/${rotatedDestinationId}/test`);
    expect(test.body).toMatchObject({ accepted: true, statusCode: 200 });
  }

  async function storedCiphertexts(): Promise<string[]> {
    const { rows } = await database.query<{ ciphertext: string }>(
      `SELECT secret_ciphertext AS ciphertext FROM partners
       UNION ALL SELECT secret_ciphertext FROM destinations
       UNION ALL SELECT previous_secret_ciphertext FROM destinations WHERE previous_secret_ciphertext IS NOT NULL`,
    );
    return rows.map((row) => row.ciphertext);
  }

  it('keeps deliveries verifying before, during and after reencrypt, and once the old key is gone', async () => {
    // Before: one key, secrets stored with and without a key id.
    await submitLeads();
    await submitLeads();
    await expectEveryLeadVerified();
    await expectTestSendVerifies();

    // Every app learns the new key, newest first; the old one still decrypts.
    await restartWith([newKey, oldKey]);
    await submitLeads();
    await expectEveryLeadVerified();

    // During: leads keep coming and destination 3's secret is rotated again and again while
    // reencrypt runs one row per batch; its compare-and-set must never bring back an older secret.
    let running = true;
    const flow = (async () => {
      while (running) await submitLeads();
    })();
    const rotations = (async () => {
      while (running) {
        const rotated = await adminRequest<{ secret: string }>(current, 'POST', `/v1/destinations/${rotatedDestinationId}/rotate-secret`, {
          switchAt: new Date(0).toISOString(),
        });
        expect(rotated.status).toBe(200);
        receivers[2]!.secret = rotated.body.secret;
      }
    })();
    let first: CliRun;
    try {
      first = await cli(['secrets', 'reencrypt', '--batch-size', '1', '--json']);
    } finally {
      running = false;
      await Promise.all([flow, rotations]);
    }
    expect(first, first.stderr).toMatchObject({ code: 0, stderr: '' });
    const summary = JSON.parse(first.stdout) as ReencryptSummary;
    // Two partners and three destinations: the rotated one may have been rotated onto the new key first.
    expect(summary).toMatchObject({ keyId: secretKeyId(newKey), failed: 0, failures: [] });
    expect(summary.reencrypted + summary.alreadyCurrent).toBe(5);
    expect(summary.reencrypted).toBeGreaterThanOrEqual(4);
    expect(summary.batches).toBeGreaterThanOrEqual(5);
    await expectEveryLeadVerified();
    await expectTestSendVerifies();

    // Every stored ciphertext now names the new key, and the new key alone decrypts them.
    const ciphertexts = await storedCiphertexts();
    expect(ciphertexts.length).toBe(6);
    for (const ciphertext of ciphertexts) expect(ciphertext.startsWith(`v2:${secretKeyId(newKey)}:`)).toBe(true);
    const newOnly = new SecretBox([newKey]);
    expect(ciphertexts.map((ciphertext) => newOnly.decrypt(ciphertext))).toContain(legacyDestinationSecret.plaintext);

    // Running it again finds nothing to do.
    const again = await cli(['secrets', 'reencrypt', '--json']);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.stdout)).toMatchObject({ reencrypted: 0, alreadyCurrent: 5, failed: 0 });
    const text = await cli(['secrets', 'reencrypt']);
    expect(text.code).toBe(0);
    expect(text.stdout).toMatch(/already current\s+5/);
    expect(text.stdout).toContain(`Every partner and destination secret is on key ${secretKeyId(newKey)}`);

    // After: the old key is removed from every app; partners and destinations keep working.
    await restartWith([newKey]);
    await submitLeads();
    await submitLeads();
    await expectEveryLeadVerified();
    await expectTestSendVerifies();
  });

  it('never overwrites a secret rotated between its read and its compare-and-set', async () => {
    // Destination 3 back on a format reencrypt moves (no key id), decryptable by the one key left.
    await database.query('UPDATE destinations SET secret_ciphertext = $1 WHERE id = $2', [encryptLegacy(newKey, 'secret-before-rotation-0123'), rotatedDestinationId]);
    // A rotation holds the row, uncommitted, while reencrypt reads the committed secret and tries to write.
    const rotation = new pg.Client({ connectionString: system.databaseUrl });
    await rotation.connect();
    try {
      await rotation.query('BEGIN');
      const rotatedCiphertext = new SecretBox([newKey]).encrypt('secret-after-rotation-0123');
      await rotation.query('UPDATE destinations SET secret_ciphertext = $1 WHERE id = $2', [rotatedCiphertext, rotatedDestinationId]);
      // Partners come first; the batch after them is the destinations'.
      const partners = await adminRequest<{ nextCursor: string }>(current, 'POST', '/v1/secrets/reencrypt', {});
      const reencrypting = adminRequest<{ reencrypted: number; alreadyCurrent: number; failed: number }>(current, 'POST', '/v1/secrets/reencrypt', {
        cursor: partners.body.nextCursor,
      });
      await waitFor(
        async () => {
          const { rows } = await database.query(
            `SELECT 1 FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock' AND query LIKE '%UPDATE destinations%'`,
          );
          return rows.length > 0;
        },
        { description: "reencrypt's write to wait for the rotation's row lock" },
      );
      await rotation.query('COMMIT');
      const answer = await reencrypting;
      expect(answer.status).toBe(200);
      expect(answer.body).toMatchObject({ reencrypted: 0, alreadyCurrent: 3, failed: 0, nextCursor: null });
      const { rows } = await database.query<{ secret_ciphertext: string }>('SELECT secret_ciphertext FROM destinations WHERE id = $1', [rotatedDestinationId]);
      expect(rows[0]!.secret_ciphertext).toBe(rotatedCiphertext);
    } finally {
      await rotation.end();
    }
    receivers[2]!.secret = 'secret-after-rotation-0123';
    await expectTestSendVerifies();
  });

  it('reports, and exits 1 for, a secret no configured key decrypts, and refuses a made-up cursor', async () => {
    const foreign = new SecretBox(['a-key-nobody-configured-0123456789abcdef']);
    const stray = await created<{ id: string }>('/v1/partners', { name: 'Stray', slug: 'stray', profile: 'canonical' });
    await database.query('UPDATE partners SET secret_ciphertext = $1 WHERE id = $2', [foreign.encrypt('lost-secret-0123456789'), stray.id]);

    const json = await cli(['secrets', 'reencrypt', '--json']);
    expect(json.code).toBe(1);
    expect(json.stderr).toBe('error: 1 secrets could not be decrypted with any key of SECRET_ENCRYPTION_KEYS\n');
    const summary = JSON.parse(json.stdout) as ReencryptSummary;
    expect(summary).toMatchObject({ failed: 1, reencrypted: 0 });
    expect(summary.failures).toEqual([
      { table: 'partners', id: stray.id, reason: expect.stringContaining(`encrypted with key ${foreign.newestKeyId}, which is not in the configured keys`) },
    ]);
    const text = await cli(['secrets', 'reencrypt']);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(new RegExp(`partners\\s+${stray.id}\\s+secret was encrypted with key ${foreign.newestKeyId}`));

    const badCursor = await adminRequest<{ error: { code: string; details: { path: string }[] } }>(current, 'POST', '/v1/secrets/reencrypt', {
      cursor: 'partners.not-a-cursor',
    });
    expect(badCursor.status).toBe(400);
    expect(badCursor.body.error.details).toEqual([{ path: 'body.cursor', message: 'is not a cursor this API returned' }]);
    const unknownTable = await adminRequest(current, 'POST', '/v1/secrets/reencrypt', { cursor: 'leads.' });
    expect(unknownTable.status).toBe(400);
    const badLimit = await adminRequest(current, 'POST', '/v1/secrets/reencrypt', { limit: 0 });
    expect(badLimit.status).toBe(400);
    const wrongToken = await fetch(`${current.adminUrl}/v1/secrets/reencrypt`, { method: 'POST', headers: { authorization: 'Bearer not-the-admin-token' } });
    expect(wrongToken.status).toBe(401);
    const help = await cli(['secrets', 'reencrypt', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('Usage: leadrelay secrets reencrypt');
    expect(help.stdout).toContain('--batch-size');
  });
});
