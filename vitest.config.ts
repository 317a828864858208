import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    // Two cores: run files in parallel workers but keep SQLite-heavy files from starving each other.
    pool: 'forks',
    maxWorkers: 2,
    // Starts (or reuses) moto and OpenSearch for the AWS adapter tests; never fails the run itself.
    // See docs/test-services.md.
    globalSetup: ['test/services/global-setup.ts'],
  },
});
