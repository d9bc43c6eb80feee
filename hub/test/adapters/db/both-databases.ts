/**
 * The two registry databases side by side for contract tests (issue 12): a SQLite file and a
 * private PostgreSQL 15 (test/support/postgres.ts), each opened and migrated as the hub opens
 * them (adapters/db/open.ts). Call it at the top of a test file (or of a describe block); the
 * databases are ready inside the tests.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'drizzle-orm';
import { afterAll, beforeAll } from 'vitest';
import type { Db } from '../../../src/adapters/db/db';
import { openDatabase, type OpenedDb } from '../../../src/adapters/db/open';
import { startPostgres, type PostgresServer } from '../../../../test/support/postgres';

export interface BothDatabases {
  sqlite(): Db;
  postgres(): Db;
}

export const ENGINES = ['sqlite', 'postgres'] as const;

export function useBothDatabases(): BothDatabases {
  let dir = '';
  let sqlite: OpenedDb | undefined;
  let postgres: OpenedDb | undefined;
  let server: PostgresServer | undefined;
  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'edgefleet-both-dbs-'));
    sqlite = await openDatabase({ path: join(dir, 'registry.db') });
    server = await startPostgres();
    postgres = await openDatabase({ url: server.url });
  }, 60_000);
  afterAll(async () => {
    await postgres?.close();
    await server?.stop();
    await sqlite?.close();
    await rm(dir, { recursive: true, force: true });
  });
  const required = (opened: OpenedDb | undefined, what: string): Db => {
    if (opened === undefined) throw new Error(`${what} is not open: call useBothDatabases inside describe and use it inside tests`);
    return opened.db;
  };
  return {
    sqlite: () => required(sqlite, 'SQLite'),
    postgres: () => required(postgres, 'PostgreSQL'),
  };
}

/**
 * Until `waiters` sessions of this PostgreSQL database wait for a lock: a transaction racing
 * another is really queued behind it, so a test can release the first knowing the race happened.
 */
export async function waitUntilBlockedOnLock(db: Db, waiters = 1): Promise<void> {
  for (let i = 0; i < 2_000; i++) {
    const [row] = await db.rows<{ n: number }>(sql`SELECT count(*) AS n FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'`);
    if (Number(row?.n) >= waiters) return;
    await new Promise((resolve) => setImmediate(resolve));
  }
  throw new Error(`fewer than ${waiters} transactions ever waited for a lock`);
}

/** A promise to settle by hand, for holding a transaction open at a chosen point. */
export function gate(): { opened: Promise<void>; open(): void } {
  let open!: () => void;
  const opened = new Promise<void>((resolve) => (open = resolve));
  return { opened, open };
}
