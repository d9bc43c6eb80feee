/**
 * Where a test hub keeps its registry (issue 12): the SQLite file in its data dir by default, or,
 * when the suite runs on PostgreSQL (EDGEFLEET_TEST_DATABASE=postgres, see
 * postgres-global-setup.ts), a database of its own on the shared private server, named after the
 * data dir so a hub restarted on the same dir finds its rows again.
 */
import { createHash } from 'node:crypto';
import pg from 'pg';
import { inject } from 'vitest';

/** `{ databaseUrl }` for startHub (or `{}`: SQLite in dataDir). */
export async function testDatabase(dataDir: string): Promise<{ databaseUrl?: string }> {
  const serverUrl = inject('testPostgresUrl');
  if (!serverUrl) return {};
  const name = `hub_${createHash('sha256').update(dataDir).digest('hex').slice(0, 24)}`;
  const client = new pg.Client({ connectionString: serverUrl });
  await client.connect();
  try {
    const exists = await client.query('SELECT 1 FROM pg_database WHERE datname = $1', [name]);
    // As docs/scaling.md tells operators to create it.
    if (exists.rowCount === 0) await client.query(`CREATE DATABASE ${name} TEMPLATE template0 ENCODING 'UTF8' LC_COLLATE 'C' LC_CTYPE 'C'`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return { databaseUrl: url.href };
}

/** The same as environment variables, for a hub started as a process. */
export async function testDatabaseEnv(dataDir: string): Promise<Record<string, string>> {
  const { databaseUrl } = await testDatabase(dataDir);
  return databaseUrl === undefined ? {} : { EDGEFLEET_DATABASE_URL: databaseUrl };
}
