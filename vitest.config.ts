import { defineConfig } from 'vitest/config';

export default defineConfig({
  test: {
    include: ['protocol/test/**/*.test.ts', 'hub/test/**/*.test.ts', 'agent/test/**/*.test.ts', 'test/**/*.test.ts', 'fleet-sim/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
  },
});
