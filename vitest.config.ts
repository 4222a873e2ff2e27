import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['apps/*/src/**/*.test.ts', 'packages/*/src/**/*.test.ts', 'test/**/*.test.ts'],
    // Creates the migrated template database every integration test file copies.
    globalSetup: ['test/support/global-setup.ts'],
    pool: 'forks',
    // Integration files start real processes; two at a time fits this 2-core machine.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 120_000,
  },
});
