import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import openapiTS, { astToString } from 'openapi-typescript';
import { describe, expect, it } from 'vitest';
import { openApiDocumentPaths, repositoryRoot, type DocumentedApp } from '../../scripts/generate-openapi.ts';

const run = promisify(execFile);
const documentedApps = Object.keys(openApiDocumentPaths) as DocumentedApp[];

interface LintReport {
  totals: { errors: number; warnings: number };
  problems: { ruleId: string; message: string; location: { pointer: string }[] }[];
}

/** `redocly lint` with the repository's redocly.yaml and ignore file; it answers 1 when it finds errors. */
async function redoclyLint(path: string): Promise<LintReport> {
  const redocly = join(repositoryRoot, 'node_modules/.bin/redocly');
  const env = { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' };
  const { stdout } = await run(redocly, ['lint', path, '--format=json'], { cwd: repositoryRoot, env }).catch(
    (error: { stdout?: string }) => ({ stdout: error.stdout ?? '' }),
  );
  return JSON.parse(stdout) as LintReport;
}

// Clients are generated from the committed documents: a document the most used TypeScript
// generator rejects, or the linter finds errors in, is one nobody can build a good client from.
describe('the committed OpenAPI documents and client generators', () => {
  it.each(documentedApps)('openapi-typescript generates types from openapi/%s.openapi.json', async (app) => {
    const path = openApiDocumentPaths[app];
    const document = JSON.parse(await readFile(path, 'utf8'));
    const types = astToString(await openapiTS(document, { silent: true, cwd: pathToFileURL(path) }));
    expect(types).toContain('export interface paths');
    expect(types).toContain('export interface operations');
  });

  it.each(documentedApps)('redocly lint finds no error and no warning in openapi/%s.openapi.json', async (app) => {
    const report = await redoclyLint(openApiDocumentPaths[app]);
    expect(report.problems.map((problem) => `${problem.ruleId}: ${problem.message} at ${problem.location[0]?.pointer}`)).toEqual([]);
    expect(report.totals).toMatchObject({ errors: 0, warnings: 0 });
  });
});
