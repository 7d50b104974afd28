import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    // The second builds the web app (web/dist) for the browser tests when it is missing or stale.
    globalSetup: ['test/helpers/global-setup.ts', 'test/browser/global-setup.ts'],
    reporters: ['default', './test/helpers/summary-reporter.ts'],
    // Two cores: two workers keep PGlite start-ups and spawned servers from starving each other.
    maxWorkers: 2,
    testTimeout: 60_000,
    hookTimeout: 60_000,
  },
});
