import Fastify, { type FastifyInstance } from 'fastify';
import { serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import { afterEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { openApiDocsPlugin, UndocumentedRouteError } from './openapi-docs.ts';
import { noSecurity } from './openapi-security.ts';

describe('openApiDocsPlugin', () => {
  let app: FastifyInstance | undefined;

  afterEach(async () => {
    await app?.close();
    app = undefined;
  });

  async function appWith(routeSchema: Record<string, unknown>): Promise<FastifyInstance> {
    app = Fastify();
    app.setValidatorCompiler(validatorCompiler);
    app.setSerializerCompiler(serializerCompiler);
    await app.register(openApiDocsPlugin, { title: 'test', description: 'test', version: '1', securitySchemes: {} });
    await app.register(
      async (things) => {
        things.get('/', { schema: { ...routeSchema, response: { 200: z.object({ ok: z.boolean() }) } } }, async () => ({ ok: true }));
      },
      { prefix: '/v1/things' },
    );
    await app.ready();
    return app;
  }

  it('documents a prefix route at the prefix, without the trailing slash, and names the server', async () => {
    const document = (await appWith({ operationId: 'listThings', security: noSecurity })).swagger() as {
      paths: Record<string, unknown>;
      servers: { url: string }[];
    };
    expect(Object.keys(document.paths)).toEqual(['/v1/things']);
    expect(document.servers).toEqual([expect.objectContaining({ url: '/' })]);
    expect((await app!.inject({ method: 'GET', url: '/v1/things' })).json()).toEqual({ ok: true });
  });

  it.each([
    ['operationId', { security: noSecurity }],
    ['security', { operationId: 'listThings' }],
  ])('refuses to document a route without %s', async (missing, schema) => {
    const building = appWith(schema).then((built) => built.swagger());
    await expect(building).rejects.toThrow(UndocumentedRouteError);
    await expect(building).rejects.toThrow(missing);
  });
});
