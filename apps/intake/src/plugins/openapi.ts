import fp from 'fastify-plugin';
import { openApiDocsPlugin } from '@leadrelay/http-kit';

/**
 * The partner-facing API's OpenAPI document at `/docs` (UI) and `/docs/json`, generated from the
 * routes' zod schemas; the committed copy is `openapi/intake.openapi.json`. Registered before the routes.
 */
export default fp(
  async (app) => {
    await app.register(openApiDocsPlugin, {
      title: 'LeadRelay intake API',
      description:
        'Where partners send leads: the canonical API (`/v1/leads`, an API key as a bearer token or in X-API-Key) ' +
        'and the partner hooks (`/v1/hooks/{partnerSlug}`), which keep each partner’s own contract.',
      version: '1.0.0',
      securitySchemes: {
        bearerAuth: { type: 'http', scheme: 'bearer', description: "The partner's API key: `Authorization: Bearer <apiKey>`" },
        apiKeyHeader: { type: 'apiKey', in: 'header', name: 'X-API-Key', description: "The partner's API key in a header of its own" },
      },
    });
  },
  { name: 'openapi' },
);
