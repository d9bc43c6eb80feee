/**
 * vitest global setup: with EDGEFLEET_TEST_DATABASE=postgres, one private PostgreSQL 15 for the
 * whole run (test/support/postgres.ts), shared by every test file; each hub gets its own database
 * on it (test/support/test-database.ts). Without it, nothing starts and hubs use SQLite.
 */
import type { TestProject } from 'vitest/node';
import { startPostgres } from './postgres';

declare module 'vitest' {
  export interface ProvidedContext {
    /** the shared server's URL (any database on it) when the suite runs on PostgreSQL, else '' */
    testPostgresUrl: string;
  }
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  if (process.env.EDGEFLEET_TEST_DATABASE !== 'postgres') {
    project.provide('testPostgresUrl', '');
    return async () => undefined;
  }
  const server = await startPostgres();
  project.provide('testPostgresUrl', server.url);
  return () => server.stop();
}
