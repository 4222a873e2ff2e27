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

type RouteTransform = Parameters<typeof jsonSchemaTransform>[0];

/**
 * jsonSchemaTransform, plus one fix: @fastify/swagger turns each top-level key of a querystring
 * schema without `properties` (a free-form `z.record`) into a query parameter, which gave the
 * partner hooks three bogus parameters (`type`, `propertyNames`, `additionalProperties`) that
 * generators reject. Such a querystring is documented as one free-form object parameter instead,
 * serialised `style: form`, `explode: true` (each key its own `key=value`). Documentation only:
 * validation still uses the route's own schema.
 */
function transformRoute(route: RouteTransform): ReturnType<typeof jsonSchemaTransform> {
  const transformed = jsonSchemaTransform(route);
  const querystring = transformed.schema?.querystring as Record<string, unknown> | undefined;
  if (!querystring || querystring.type !== 'object' || 'properties' in querystring) return transformed;
  return {
    ...transformed,
    schema: {
      ...transformed.schema,
      querystring: { type: 'object', properties: { query: querystring }, style: 'form', explode: true },
    },
  };
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
      transform: transformRoute,
      transformObject: jsonSchemaTransformObject,
    });
    await app.register(fastifySwaggerUi, { routePrefix: docsRoutePrefix });
  },
  { name: 'openapi-docs' },
);
