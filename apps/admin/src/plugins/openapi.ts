import fp from 'fastify-plugin';
import { openApiDocsPlugin, type SecurityRequirements } from '@leadrelay/http-kit';

/** Spread into every /v1 route's schema: the admin token as a bearer token. */
export const adminTokenAuth = { security: [{ bearerAuth: [] }] satisfies SecurityRequirements };

/**
 * The admin API's OpenAPI document at `/docs` (UI) and `/docs/json`, generated from the routes'
 * zod schemas; the committed copy is `openapi/admin.openapi.json`. Registered before the routes.
 */
export default fp(
  async (app) => {
    await app.register(openApiDocsPlugin, {
      title: 'LeadRelay admin API',
      description:
        'For operators: partners, destinations, leads, deliveries, stats and secret re-encryption. Every /v1 route takes ' +
        '`Authorization: Bearer <ADMIN_TOKEN>`. The Bull dashboard is at /queues (HTTP Basic, the admin token as password).',
      version: '1.0.0',
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'The admin token (ADMIN_TOKEN)' },
      },
    });
  },
  { name: 'openapi' },
);
