import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    globalSetup: ['test/setup/global-db.ts', 'test/setup/no-process-left.ts'],
    testTimeout: 60_000,
    hookTimeout: 60_000,
    // Two cores: files run in parallel in two forks, each on its own database cloned from a template.
    pool: 'forks',
    maxWorkers: 2,
  },
});
