import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['core/test/**/*.test.ts', 'cli/test/**/*.test.ts', 'converters/*/test/**/*.test.ts', 'fixtures/test/**/*.test.ts', 'templates/test/**/*.test.ts', 'action/test/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 300_000,
    // 2 cores: keep Nix builds and native tools from starving each other
    maxWorkers: 2,
    pool: 'forks',
    // one temp folder for the whole run (TMPDIR points into it), removed at the end: fixtures/src/test-tmp.ts
    globalSetup: ['fixtures/src/test-tmp.ts'],
  },
});
