/**
 * One async way to run a query on either registry database (issue 12): SQL written once with
 * drizzle's `sql` tag, in the subset SQLite (3.35+) and PostgreSQL share (upserts with
 * `excluded`, RETURNING), run by better-sqlite3 or node-postgres. drizzle renders each value as
 * the dialect's placeholder, so nothing is spliced into the text. New repository code starts
 * here; the older repositories still take the synchronous SQLite `Db` (see the closing notes of
 * issue 12 for the plan).
 */
import type { SQL } from 'drizzle-orm';
import { drizzle } from 'drizzle-orm/node-postgres';
import type pg from 'pg';
import type { Db } from './open';

export interface SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /** The rows a query returns (a SELECT, or a write with RETURNING). */
  rows<T extends Record<string, unknown>>(query: SQL): Promise<T[]>;
  /** A write without RETURNING; resolves with how many rows it changed. */
  run(query: SQL): Promise<number>;
}

export function sqliteExecutor(db: Db): SqlExecutor {
  return {
    dialect: 'sqlite',
    // better-sqlite3 is synchronous: the promise only makes the two drivers interchangeable.
    rows: async <T extends Record<string, unknown>>(query: SQL) => db.all<T>(query),
    run: async (query) => db.run(query).changes,
  };
}

export function postgresExecutor(pool: pg.Pool): SqlExecutor {
  const db = drizzle(pool);
  return {
    dialect: 'postgres',
    rows: async <T extends Record<string, unknown>>(query: SQL): Promise<T[]> => (await db.execute(query)).rows as T[],
    run: async (query) => (await db.execute(query)).rowCount ?? 0,
  };
}
