import fp from 'fastify-plugin';
import fastifySwagger from '@fastify/swagger';
import fastifySwaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, jsonSchemaTransformObject } from 'fastify-type-provider-zod';

/** A security scheme of the OpenAPI document (`components.securitySchemes`). */
export type SecurityScheme =
  | { type: 'http'; scheme: 'bearer' | 'basic'; bearerFormat?: string; description?: string }
  | { type: 'apiKey'; in: 'header' | 'query' | 'cookie'; name: string; description?: string };

/** Where the API is served, for clients and the docs UI (`servers`). */
export interface OpenApiServer {
  url: string;
  description?: string;
}

export interface OpenApiDocsOptions {
  title: string;
  description: string;
  version: string;
  /** Every scheme a route's `security` names must be declared here, or building the document fails. */
  securitySchemes: Record<string, SecurityScheme>;
  tags?: { name: string; description?: string }[];
  /** Generated clients and linters need a base URL; by default the document's own origin. */
  servers?: [OpenApiServer, ...OpenApiServer[]];
}

type RouteTransform = Parameters<typeof jsonSchemaTransform>[0];

/** Thrown while building the document for a route it cannot describe well enough for clients. */
export class UndocumentedRouteError extends Error {
  constructor(url: string, missing: string) {
    super(`route ${url} has no ${missing}; every documented operation needs one`);
    this.name = 'UndocumentedRouteError';
  }
}

/**
 * jsonSchemaTransform, plus what generators and linters need of every operation:
 * - an `operationId` (generated clients name their methods after it) and a `security` (empty for
 *   public routes, so "no credentials" is a statement, not an omission); a route without either
 *   fails the document's build;
 * - no trailing slash: a plugin's `/` route under a prefix (`/v1/partners` + `/`) is served at
 *   both `/v1/partners` and `/v1/partners/` (Fastify's prefixTrailingSlash `both`), and the
 *   document names the first;
 * - @fastify/swagger turns each top-level key of a querystring schema without `properties` (a
 *   free-form `z.record`) into a query parameter, which gave the partner hooks three bogus
 *   parameters (`type`, `propertyNames`, `additionalProperties`) that generators reject. Such a
 *   querystring is documented as one free-form object parameter instead, serialised `style: form`,
 *   `explode: true` (each key its own `key=value`).
 * Documentation only: validation still uses the route's own schema.
 */
function transformRoute(route: RouteTransform): ReturnType<typeof jsonSchemaTransform> {
  const transformed = jsonSchemaTransform(route);
  const schema = transformed.schema as Record<string, unknown> | undefined;
  if (!schema || schema.hide) return transformed;
  if (typeof schema.operationId !== 'string') throw new UndocumentedRouteError(route.url, 'operationId');
  if (!Array.isArray(schema.security)) throw new UndocumentedRouteError(route.url, 'security');
  const url = transformed.url.length > 1 ? transformed.url.replace(/\/$/, '') : transformed.url;
  const querystring = schema.querystring as Record<string, unknown> | undefined;
  if (!querystring || querystring.type !== 'object' || 'properties' in querystring) return { ...transformed, url };
  return {
    url,
    schema: {
      ...transformed.schema,
      querystring: { type: 'object', properties: { query: querystring }, style: 'form', explode: true },
    },
  };
}

/**
 * The one server every LeadRelay document names: where the document itself is served from
 * (`/docs/json`), whatever host and port a deployment gives the app.
 */
export const sameOriginServer: OpenApiServer = { url: '/', description: 'The server this document is served from' };

/** Where the UI is served; its JSON document is at `${docsRoutePrefix}/json`. */
export const docsRoutePrefix = '/docs';

/**
 * An OpenAPI 3.1 document built from the very zod schemas routes validate with, served with a UI
 * at `/docs` and as JSON at `/docs/json`. Register it before any route: routes registered earlier
 * are not in the document.
 */
export const openApiDocsPlugin = fp<OpenApiDocsOptions>(
  async (app, { title, description, version, securitySchemes, tags, servers = [sameOriginServer] }) => {
    await app.register(fastifySwagger, {
      openapi: {
        openapi: '3.1.0',
        info: { title, description, version },
        servers,
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
