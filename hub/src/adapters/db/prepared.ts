/**
 * Statements prepared once per database handle. drizzle builds the SQL and better-sqlite3
 * prepares it on every call otherwise: about 120 us a statement against 15 us prepared, which
 * was most of a rollout step's cost at 10,000 devices (PERF "The hub at fleet scale"). A
 * transaction is its own handle, so a batch prepares once per transaction.
 */
import { sql, type SQL } from 'drizzle-orm';
import type { AnySQLiteColumn } from 'drizzle-orm/sqlite-core';
import type { Db } from './db';

export function preparedFor<T>(build: (db: Db) => T): (db: Db) => T {
  const cache = new WeakMap<Db, T>();
  return (db) => {
    let statements = cache.get(db);
    if (!statements) {
      statements = build(db);
      cache.set(db, statements);
    }
    return statements;
  };
}

/** The value an upsert tried to insert, for its `ON CONFLICT DO UPDATE SET` (SQLite's `excluded.`). */
export const excluded = (column: AnySQLiteColumn): SQL => sql.raw(`excluded."${column.name}"`);
