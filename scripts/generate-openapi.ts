/**
 * `pnpm exec tsx scripts/generate-openapi.ts`: writes the OpenAPI documents of intake and admin
 * (`openapi/*.openapi.json`) from the code, exactly as `/docs/json` serves them. Run it after
 * changing a route or a schema and commit the result; test/integration/openapi-drift.test.ts
 * fails while the committed files differ from the code. Needs Redis (the apps connect to it on
 * start); nothing is written to Redis or PostgreSQL.
 */
import { randomBytes } from 'node:crypto';
import { readFile, writeFile } from 'node:fs/promises';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { FastifyBaseLogger, FastifyInstance } from 'fastify';
import { createLogger } from '../packages/observability/src/index.ts';
import { buildIntakeApp } from '../apps/intake/src/app.ts';
import { IntakeEnvSchema } from '../apps/intake/src/env.ts';
import { buildAdminApp } from '../apps/admin/src/app.ts';
import { AdminEnvSchema } from '../apps/admin/src/env.ts';

export const repositoryRoot = join(dirname(fileURLToPath(import.meta.url)), '..');

export type DocumentedApp = 'intake' | 'admin';

/** Where each app's committed document lives. */
export const openApiDocumentPaths: Record<DocumentedApp, string> = {
  intake: join(repositoryRoot, 'openapi/intake.openapi.json'),
  admin: join(repositoryRoot, 'openapi/admin.openapi.json'),
};

export const regenerateCommand = 'pnpm exec tsx scripts/generate-openapi.ts';

/**
 * The settings the documents are built with: fixed, so the documents depend on the code only.
 * Redis and PostgreSQL may come from the environment; the keys use a throwaway prefix.
 */
function documentationEnv() {
  return {
    NODE_ENV: 'development',
    LOG_LEVEL: 'silent',
    REDIS_URL: process.env.REDIS_URL ?? 'redis://127.0.0.1:6379',
    DATABASE_URL: process.env.DATABASE_URL ?? 'postgresql://postgres@127.0.0.1:5432/leadrelay',
    QUEUE_PREFIX: `leadrelay-openapi-${randomBytes(4).toString('hex')}`,
  };
}

async function documentOf(build: () => Promise<FastifyInstance>): Promise<unknown> {
  const app = await build();
  try {
    await app.ready();
    // Through JSON, as /docs/json serves it and as the committed file holds it.
    return JSON.parse(JSON.stringify(app.swagger()));
  } finally {
    await app.close();
  }
}

/** Builds each app as `server.ts` does (without listening) and returns its OpenAPI document. */
export async function generateOpenApiDocuments(): Promise<Record<DocumentedApp, unknown>> {
  const logger = createLogger({ name: 'openapi', level: 'silent', pretty: false }) as FastifyBaseLogger;
  const env = documentationEnv();
  const intake = await documentOf(() => buildIntakeApp({ config: IntakeEnvSchema.parse(env), logger }));
  const admin = await documentOf(() => buildAdminApp({ config: AdminEnvSchema.parse(env), logger }));
  return { intake, admin };
}

/** The file text of a document: two-space JSON and a final newline, for readable diffs. */
export function serializeOpenApiDocument(document: unknown): string {
  return `${JSON.stringify(document, null, 2)}\n`;
}

async function main(): Promise<void> {
  const documents = await generateOpenApiDocuments();
  for (const app of Object.keys(documents) as DocumentedApp[]) {
    const path = openApiDocumentPaths[app];
    const text = serializeOpenApiDocument(documents[app]);
    const previous = await readFile(path, 'utf8').catch((error: NodeJS.ErrnoException) => {
      if (error.code === 'ENOENT') return undefined;
      throw error;
    });
    if (previous === text) {
      process.stdout.write(`${app}: ${path} is up to date\n`);
      continue;
    }
    await writeFile(path, text);
    process.stdout.write(`${app}: wrote ${path}\n`);
  }
}

// Only when run as a script: the drift test imports this file for generateOpenApiDocuments.
if (process.argv[1] && import.meta.url === pathToFileURL(resolve(process.argv[1])).href) {
  await main();
}
