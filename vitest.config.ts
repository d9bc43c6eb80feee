import { fileURLToPath } from 'node:url';
import { defineConfig } from 'vitest/config';
import { LongestFirstSequencer } from './test/support/sequencer.ts';

export default defineConfig({
  test: {
    include: ['protocol/test/**/*.test.ts', 'device-core/test/**/*.test.ts', 'web-runtime/test/**/*.test.ts', 'hub/test/**/*.test.ts', 'agent/test/**/*.test.ts', 'test/**/*.test.ts', 'fleet-sim/test/**/*.test.ts', 'cli/test/**/*.test.ts'],
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    // Two files at a time on the 2-core CI machine (the default leaves one core idle): most tests
    // wait on brokers, agents and child processes rather than compute.
    maxWorkers: 2,
    sequence: { sequencer: LongestFirstSequencer },
    // EDGEFLEET_TEST_DATABASE=postgres: the hubs of the run use a private PostgreSQL instead of SQLite.
    // The admin console is built once for the browser tests (test/support/console-global-setup.ts).
    globalSetup: [fileURLToPath(new URL('./test/support/postgres-global-setup.ts', import.meta.url)), fileURLToPath(new URL('./test/support/console-global-setup.ts', import.meta.url))],
  },
});
