import { readFile } from 'node:fs/promises';
import { pathToFileURL } from 'node:url';
import openapiTS, { astToString } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';
import { openApiDocumentPaths, type DocumentedApp } from '../../scripts/generate-openapi.ts';

// Clients are generated from the committed documents: a document the most used TypeScript
// generator rejects is one nobody can build a client from.
describe('the committed OpenAPI documents and client generators', () => {
  it.each(Object.keys(openApiDocumentPaths) as DocumentedApp[])('openapi-typescript generates types from openapi/%s.openapi.json', async (app) => {
    const path = openApiDocumentPaths[app];
    const document = JSON.parse(await readFile(path, 'utf8'));
    const types = astToString(await openapiTS(document, { silent: true, cwd: pathToFileURL(path) }));
    expect(types).toContain('export interface paths');
  });
});
