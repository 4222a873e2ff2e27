import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import {
  generateClientTypes,
  generatedClientTypePaths,
  generateOpenApiDocuments,
  openApiDocumentPaths,
  regenerateCommand,
  serializeOpenApiDocument,
  type DocumentedApp,
} from '../../scripts/generate-openapi.ts';

describe('the committed OpenAPI documents', () => {
  let generated: Record<DocumentedApp, unknown>;

  beforeAll(async () => {
    generated = await generateOpenApiDocuments();
  });

  it.each(['intake', 'admin', 'portal'] as const)('openapi/%s.openapi.json matches what the code generates', async (app) => {
    const path = openApiDocumentPaths[app];
    const howToFix = `${relative(process.cwd(), path)} has drifted from the routes' schemas: run \`${regenerateCommand}\` and commit the result`;
    const committed = await readFile(path, 'utf8').catch(() => '(missing)');
    // Parsed first so the failure shows which paths and schemas differ, then byte for byte.
    expect(committed === '(missing)' ? committed : JSON.parse(committed), howToFix).toEqual(generated[app]);
    expect(committed, howToFix).toBe(serializeOpenApiDocument(generated[app]));
  });

  it.each(Object.entries(generatedClientTypePaths))('the generated %s client types match what openapi-typescript makes of the document', async (app, path) => {
    const howToFix = `${relative(process.cwd(), path!)} has drifted from the ${app} API: run \`${regenerateCommand}\` and commit the result`;
    const committed = await readFile(path!, 'utf8').catch(() => '(missing)');
    expect(committed, howToFix).toBe(await generateClientTypes(app as DocumentedApp, generated[app as DocumentedApp]));
  });

  it.each(['intake', 'admin', 'portal'] as const)('the %s document is OpenAPI 3.1 and declares the security schemes its routes use', (app) => {
    const document = generated[app] as {
      openapi: string;
      components: { securitySchemes: Record<string, unknown> };
      paths: Record<string, Record<string, { security?: Record<string, string[]>[] }>>;
    };
    expect(document.openapi).toBe('3.1.0');
    expect(document.components.securitySchemes.bearerAuth).toEqual(expect.objectContaining({ type: 'http', scheme: 'bearer' }));
    if (app === 'intake') {
      expect(document.components.securitySchemes.apiKeyHeader).toEqual(expect.objectContaining({ type: 'apiKey', in: 'header', name: 'X-API-Key' }));
    }
    const used = Object.values(document.paths).flatMap((operations) =>
      Object.values(operations).flatMap((operation) => (operation.security ?? []).flatMap((requirement) => Object.keys(requirement))),
    );
    expect(used.length).toBeGreaterThan(0);
    for (const scheme of used) expect(Object.keys(document.components.securitySchemes)).toContain(scheme);
    // Operational endpoints are not part of the API contract.
    expect(Object.keys(document.paths).some((path) => path.startsWith('/docs') || path.startsWith('/queues') || path === '/metrics')).toBe(false);
  });
});
