/**
 * The two registry databases side by side for contract tests (issue 12): a SQLite file opened
 * and migrated as the hub opens it, and a private PostgreSQL 15 (test/support/postgres.ts) with
 * the hub's PostgreSQL migrations applied (or none: `migrated: false`), each behind an
 * SqlExecutor. Call it at the top of a test file (or of a describe block); the executors are ready
 * inside the tests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { drizzle } from 'drizzle-orm/node-postgres';
import { migrate } from 'drizzle-orm/node-postgres/migrator';
import pg from 'pg';
import { afterAll, beforeAll } from 'vitest';
import { openDatabase, type OpenedDb } from '../../../src/adapters/db/open';
import { postgresExecutor, sqliteExecutor, type SqlExecutor } from '../../../src/adapters/db/sql-executor';
import { startPostgres, type PostgresServer } from '../../../../test/support/postgres';

export interface BothDatabases {
  sqlite(): SqlExecutor;
  postgres(): SqlExecutor;
}

export const DIALECTS = ['sqlite', 'postgres'] as const;

export function useBothDatabases(options: { migrated: boolean }): BothDatabases {
  let dir = '';
  let opened: OpenedDb | undefined;
  let server: PostgresServer | undefined;
  let pool: pg.Pool | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgefleet-both-dbs-'));
    opened = openDatabase(join(dir, 'registry.db'));
    server = await startPostgres();
    pool = new pg.Pool({ connectionString: server.url, max: 4 });
    if (options.migrated) await migrate(drizzle(pool), { migrationsFolder: new URL('../../../drizzle-pg', import.meta.url).pathname });
  }, 60_000);
  afterAll(async () => {
    await pool?.end();
    await server?.stop();
    opened?.close();
    await rm(dir, { recursive: true, force: true });
  });
  const required = <T>(value: T | undefined, what: string): T => {
    if (value === undefined) throw new Error(`${what} is not open: call useBothDatabases inside describe and use it inside tests`);
    return value;
  };
  return {
    sqlite: () => sqliteExecutor(required(opened, 'SQLite').client),
    postgres: () => postgresExecutor(required(pool, 'PostgreSQL')),
  };
}
