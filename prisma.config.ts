import { PrismaPg } from '@prisma/adapter-pg';
import { defineConfig } from 'prisma/config';

// Prisma's native engines cannot be downloaded on our machines, so the CLI runs on its
// WebAssembly engines through the same pg driver adapter the apps use.
// The schema reads DATABASE_URL too, so the default is set in the environment, not only here.
process.env.DATABASE_URL ??= 'postgresql://postgres@127.0.0.1:5432/leadrelay';
const databaseUrl = process.env.DATABASE_URL;

export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  experimental: { adapter: true },
  engine: 'js',
  adapter: async () => new PrismaPg({ connectionString: databaseUrl }),
});
