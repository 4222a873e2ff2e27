import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { createLogger } from '@leadrelay/observability';
import { IntakeEnvSchema } from '../../apps/intake/src/env.ts';
import { buildIntakeApp } from '../../apps/intake/src/app.ts';
import { createTestDatabase, type TestDatabase } from '../support/test-database.ts';
import { createQueuePrefix, deleteRedisKeys, testRedisUrl } from '../support/test-redis.ts';
import { insertTestPartner, type TestPartner } from '../support/test-partner.ts';

describe('intake logs', () => {
  const lines: string[] = [];
  let database: TestDatabase;
  let prefix: string;
  let app: FastifyInstance;
  let sovendus: TestPartner;
  let canonical: TestPartner;

  beforeAll(async () => {
    database = await createTestDatabase();
    prefix = createQueuePrefix();
    const destination = new Writable({
      write(chunk, _encoding, done) {
        lines.push(chunk.toString());
        done();
      },
    });
    const logger = createLogger({ name: 'intake', level: 'debug', pretty: false, destination });
    app = await buildIntakeApp({
      config: IntakeEnvSchema.parse({ DATABASE_URL: database.url, REDIS_URL: testRedisUrl, QUEUE_PREFIX: prefix }),
      logger: logger as unknown as FastifyBaseLogger,
    });
    sovendus = await insertTestPartner(database.url, { slug: 'sovendus', profile: 'sovendus' });
    canonical = await insertTestPartner(database.url, { slug: 'acme', profile: 'canonical' });
  });

  afterAll(async () => {
    await app?.close();
    await database?.drop();
    await deleteRedisKeys(prefix);
  });

  it('never contain an email, phone, name, consent text or key in clear', async () => {
    const query = new URLSearchParams({
      firstname: 'Walburga',
      lastname: 'Quastenflosser',
      email: 'walburga.q@example.de',
      newsletter_history_id: '31337',
      compliance_text: Buffer.from('Einwilligungstext Geheim').toString('base64'),
    });
    await app.inject({ method: 'GET', url: `/v1/hooks/sovendus?${query}`, headers: { 'x-api-key': sovendus.apiKey } });
    await app.inject({
      method: 'POST',
      url: '/v1/leads',
      headers: { authorization: `Bearer ${canonical.apiKey}`, 'content-type': 'application/json' },
      payload: { email: 'ottokar@example.com', phone: '+1 818 555 0199', firstName: 'Ottokar', consent: { text: 'Zustimmung Privat' } },
    });
    const log = lines.join('');
    expect(log).toContain('request completed');
    for (const secret of ['walburga', 'Walburga', 'Quastenflosser', 'ottokar', 'Ottokar', '5550199', 'Geheim', 'Privat', sovendus.apiKey, canonical.apiKey]) {
      expect(log).not.toContain(secret);
    }
  });
});
