import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDatabaseClient, type DatabaseClient } from '@leadrelay/db';
import { freePort } from '../../../test/support/free-port.ts';
import { createHttpApp } from './create-http-app.ts';

describe('the error handler, when PostgreSQL cannot be reached', () => {
  let app: FastifyInstance;
  let db: DatabaseClient;
  let unreachableUrl: string;

  beforeAll(async () => {
    // Nothing listens here: every connection is refused, as with PostgreSQL stopped.
    unreachableUrl = `postgresql://postgres@127.0.0.1:${await freePort()}/postgres`;
    db = createDatabaseClient({ databaseUrl: unreachableUrl, poolSize: 1 });
    app = await createHttpApp({ logger: pino({ level: 'silent' }) as unknown as FastifyBaseLogger, bodyLimitBytes: 1024 });
    app.get('/prisma', async () => db.partner.findUnique({ where: { slug: 'any' } }));
    app.get('/driver', async () => {
      const client = new pg.Client({ connectionString: unreachableUrl });
      await client.connect();
      return 'unreachable';
    });
    app.get('/wrapped', async () => {
      try {
        await db.partner.findUnique({ where: { slug: 'any' } });
      } catch (error) {
        throw new Error('partner lookup failed', { cause: error });
      }
    });
    app.get('/bug', async () => {
      throw new Error('cannot read the connection of undefined');
    });
    await app.ready();
  });

  afterAll(async () => {
    await app?.close();
    await db?.$disconnect();
  });

  it.each(['/prisma', '/driver', '/wrapped'])('answers %s with 503 service_unavailable, not 500', async (url) => {
    const response = await app.inject({ method: 'GET', url });
    expect(response.statusCode).toBe(503);
    expect(response.json()).toEqual({ error: { code: 'service_unavailable', message: expect.stringMatching(/retry/) } });
  });

  it('keeps a bug a 500, whatever words its message has', async () => {
    const response = await app.inject({ method: 'GET', url: '/bug' });
    expect(response.statusCode).toBe(500);
    expect(response.json()).toEqual({ error: { code: 'internal', message: 'internal error' } });
  });
});
