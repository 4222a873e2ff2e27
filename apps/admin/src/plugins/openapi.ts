import fp from 'fastify-plugin';
import { ErrorBodySchema, openApiDocsPlugin, type SecurityRequirements } from '@leadrelay/http-kit';

/** Spread into every /v1 route's schema: the admin token or an operator token as a bearer token. */
export const adminTokenAuth = { security: [{ bearerAuth: [] }] satisfies SecurityRequirements };

/** Spread into the answers of every /v1 route that is not a GET: a viewer's request is refused 403. */
export const viewerRefusal = { 403: ErrorBodySchema };

/**
 * The admin API's OpenAPI document at `/docs` (UI) and `/docs/json`, generated from the routes'
 * zod schemas; the committed copy is `openapi/admin.openapi.json`. Registered before the routes.
 */
export default fp(
  async (app) => {
    await app.register(openApiDocsPlugin, {
      title: 'LeadRelay admin API',
      description:
        'For operators: partners, destinations, leads, deliveries, stats, secret re-encryption, operators and the audit log. ' +
        'Every /v1 route takes ' +
        '`Authorization: Bearer <token>`: ADMIN_TOKEN (the bootstrap owner) or an operator token (`lrop_…`). A viewer may only ' +
        'GET (anything else is 403); only owners reach /v1/operators and /v1/erasures, and lift suppressions. The Bull dashboard is at /queues (HTTP Basic, a token as ' +
        'password; read-only for a viewer). Every change (any method but GET) is recorded in the audit log, GET /v1/audit-log.',
      version: '1.0.0',
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'ADMIN_TOKEN, or an operator token (lrop_…) made with POST /v1/operators' },
      },
    });
  },
  { name: 'openapi' },
);
