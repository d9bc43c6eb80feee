/** Opens the registry database (WAL) and brings its schema up to date with the committed migrations. */
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle } from 'drizzle-orm/better-sqlite3';
import { migrate } from 'drizzle-orm/better-sqlite3/migrator';
import type { BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import * as schema from './schema';

/** The database or a transaction on it: repos work with either, so callers choose the boundary. */
export type Db = BaseSQLiteDatabase<'sync', Database.RunResult, typeof schema>;

export interface OpenedDb {
  db: Db;
  /** the better-sqlite3 connection under `db`, for the async executor (sql-executor.ts) */
  client: Database.Database;
  close(): void;
}

/** Resolved from this file, so the hub works whatever the working directory. */
const MIGRATIONS_FOLDER = fileURLToPath(new URL('../../../drizzle', import.meta.url));

export function openDatabase(path: string): OpenedDb {
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  const db = drizzle({ client: sqlite, schema });
  migrate(db, { migrationsFolder: MIGRATIONS_FOLDER });
  return {
    db,
    client: sqlite,
    close: () => {
      if (sqlite.open) sqlite.close();
    },
  };
}
