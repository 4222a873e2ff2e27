import fp from 'fastify-plugin';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

/** A security scheme of the OpenAPI document (`components.securitySchemes`). */
export type SecurityScheme =
  | { type: 'http'; scheme: 'bearer' | 'basic'; bearerFormat?: string; description?: string }
  | { type: 'apiKey'; in: 'header' | 'query' | 'cookie'; name: string; description?: string };

export interface OpenApiDocsOptions {
  title: string;
  description: string;
  version: string;
  /** Every scheme a route's `security` names must be declared here, or building the document fails. */
  securitySchemes: Record<string, SecurityScheme>;
  tags?: { name: string; description?: string }[];
}

/** Where the UI is served; its JSON document is at `${docsRoutePrefix}/json`. */
export const docsRoutePrefix = '/docs';

/**
 * An OpenAPI 3.1 document built from the very zod schemas routes validate with, served with a UI
 * at `/docs` and as JSON at `/docs/json`. Register it before any route: routes registered earlier
 * are not in the document.
 */
export const openApiDocsPlugin = fp<OpenApiDocsOptions>(
  async (app, { title, description, version, securitySchemes, tags }) => {
    await app.register(fastifySwagger, {
      openapi: {
        openapi: '3.1.0',
        info: { title, description, version },
        components: { securitySchemes },
        ...(tags ? { tags } : {}),
      },
      transform: jsonSchemaTransform,
      transformObject: jsonSchemaTransformObject,
    });
    await app.register(fastifySwaggerUi, { routePrefix: docsRoutePrefix });
  },
  { name: 'openapi-docs' },
);
