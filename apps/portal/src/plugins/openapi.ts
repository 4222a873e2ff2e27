import fp from 'fastify-plugin';
import { openApiDocsPlugin, type SecurityRequirements } from '@leadrelay/http-kit';

/** Spread into every /v1 route's schema: the subscriber key as a bearer token. */
export const subscriberKeyAuth = { security: [{ bearerAuth: [] }] satisfies SecurityRequirements };

/**
 * The subscriber API's OpenAPI document at `/docs` (UI) and `/docs/json`, generated from the
 * routes' zod schemas; the committed copy is `openapi/portal.openapi.json`. Registered before the routes.
 */
export default fp(
  async (app) => {
    await app.register(openApiDocsPlugin, {
      title: 'LeadRelay subscriber API',
      description:
        'For CRMs that run their own destinations. Every /v1 route takes `Authorization: Bearer <subscriber key>` ' +
        '(`lrsub_…`, from an operator). A subscriber sees and changes only what is its own: ' +
        "another subscriber's ids answer 404, as ids that do not exist.",
      version: '1.0.0',
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: 'The subscriber key (lrsub_…)' },
      },
    });
  },
  { name: 'openapi' },
);
