import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { createLogger } from '../../packages/observability/src/index.ts';
import { buildIntakeApp } from '../../apps/intake/src/app.ts';
import { IntakeEnvSchema } from '../../apps/intake/src/env.ts';
import { buildAdminApp } from '../../apps/admin/src/app.ts';
import { AdminEnvSchema } from '../../apps/admin/src/env.ts';
import { createQueuePrefix, deleteRedisKeys, testRedisUrl } from '../support/test-redis.ts';
import { testServerUrl } from '../support/test-database.ts';

describe('/docs on intake and admin', () => {
  const queuePrefix = createQueuePrefix();
  const env = { NODE_ENV: 'test', LOG_LEVEL: 'silent', REDIS_URL: testRedisUrl, DATABASE_URL: testServerUrl, QUEUE_PREFIX: queuePrefix };
  const logger = createLogger({ name: 'openapi-docs-test', level: 'silent', pretty: false }) as FastifyBaseLogger;
  const apps: Record<'intake' | 'admin', FastifyInstance> = {} as never;

  beforeAll(async () => {
    apps.intake = await buildIntakeApp({ config: IntakeEnvSchema.parse(env), logger });
    apps.admin = await buildAdminApp({ config: AdminEnvSchema.parse(env), logger });
    await Promise.all(Object.values(apps).map((app) => app.ready()));
  });

  afterAll(async () => {
    await Promise.all(Object.values(apps).map((app) => app?.close()));
    await deleteRedisKeys(queuePrefix);
  });

  it.each(['intake', 'admin'] as const)('%s serves the Swagger UI at /docs and the document at /docs/json', async (name) => {
    const app = apps[name];
    const ui = await app.inject({ method: 'GET', url: '/docs/' });
    expect(ui.statusCode).toBe(200);
    expect(ui.headers['content-type']).toMatch(/^text\/html/);
    expect(ui.body).toContain('swagger-ui');

    const bare = await app.inject({ method: 'GET', url: '/docs' });
    expect([200, 302]).toContain(bare.statusCode);

    const json = await app.inject({ method: 'GET', url: '/docs/json' });
    expect(json.statusCode).toBe(200);
    expect(json.json()).toEqual(JSON.parse(JSON.stringify(app.swagger())));
    expect(json.json()).toMatchObject({ openapi: '3.1.0', info: { title: expect.stringContaining(name) } });
  });

  it('documents request schemas from the same zod schemas the routes validate with', async () => {
    const document = apps.admin.swagger() as { paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { properties: Record<string, unknown>; required?: string[] } }> } }>> };
    const createPartner = document.paths['/v1/partners']!.post!.requestBody!.content['application/json']!.schema;
    expect(createPartner.required).toEqual(expect.arrayContaining(['name', 'slug', 'profile']));
    expect(createPartner.properties.slug).toMatchObject({ type: 'string', pattern: expect.any(String) });

    // What the document says is what the route enforces: a body missing `slug` is refused.
    const refused = await apps.admin.inject({
      method: 'POST',
      url: '/v1/partners',
      headers: { authorization: `Bearer ${AdminEnvSchema.parse(env).ADMIN_TOKEN}` },
      payload: { name: 'No Slug', profile: 'canonical' },
    });
    expect(refused.statusCode).toBe(400);
    expect(refused.json()).toMatchObject({ error: { code: 'validation_failed', details: [expect.objectContaining({ path: 'body.slug' })] } });
  });

  it.each(['intake', 'admin'] as const)('%s serves every documented operation at its documented path', async (name) => {
    const document = apps[name].swagger() as { paths: Record<string, Record<string, unknown>> };
    for (const [path, operations] of Object.entries(document.paths)) {
      for (const method of Object.keys(operations)) {
        const url = path.replace(/\{[^}]+\}/g, '00000000-0000-4000-8000-000000000000');
        const answer = await apps[name].inject({ method: method.toUpperCase() as 'GET', url });
        // Unauthenticated, or with a made-up id or slug, the route refuses in its own words; what
        // it must not answer is the not-found handler's "no route".
        expect(answer.body, `${method.toUpperCase()} ${url}`).not.toContain('no route');
      }
    }
  });
});
