import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['tests/**/*.test.ts'],
    // One render cache for the run, shared by the browser suites' servers (it only makes a folder).
    globalSetup: ['tests/helpers/render-cache.ts'],
    // Browser and speech tests start Chromium and WebAssembly workers: give them room on 2 cores.
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    maxWorkers: 2,
  },
});
