/**
 * Opens the registry database and brings its schema up to date with the committed migrations:
 * a SQLite file (WAL) by default, or PostgreSQL when given a `postgres://` URL
 * (EDGEFLEET_DATABASE_URL). Each engine has its own migrations folder (hub/drizzle and
 * hub/drizzle-pg), generated from the two schemas that schema-parity.test.ts keeps equal.
 */
import { fileURLToPath } from 'node:url';
import Database from 'better-sqlite3';
import { drizzle as drizzleSqlite } from 'drizzle-orm/better-sqlite3';
import { migrate as migrateSqlite } from 'drizzle-orm/better-sqlite3/migrator';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import { migrate as migratePg } from 'drizzle-orm/node-postgres/migrator';
import type { Engine } from './connection';
import { buildDb, type Db } from './db';
import { postgresConnections, postgresPool } from './postgres-connection';
import { sqliteConnections } from './sqlite-connection';

export type { Db } from './db';

export type DatabaseTarget = { path: string } | { url: string };

export interface OpenedDb {
  db: Db;
  engine: Engine;
  /** what the operator should fix about the database, for the hub's log (e.g. a collation that orders text unlike SQLite) */
  warnings: string[];
  close(): Promise<void>;
}

/** Collations that order text by code point, as SQLite does (ids, ring names, ISO timestamps). */
const BYTE_ORDER_COLLATIONS = new Set(['C', 'POSIX', 'C.UTF-8', 'C.utf8']);

/** Resolved from this file, so the hub works whatever the working directory. */
const SQLITE_MIGRATIONS = fileURLToPath(new URL('../../../drizzle', import.meta.url));
const POSTGRES_MIGRATIONS = fileURLToPath(new URL('../../../drizzle-pg', import.meta.url));

/** Any fixed key: replicas starting together take turns migrating instead of racing. */
const MIGRATION_LOCK_KEY = 0x6564_6765;

export interface OpenOptions {
  /**
   * PostgreSQL: an idle pooled connection ended from the server's side (a restart, a failover,
   * an administrator's pg_terminate_backend). The pool drops it and the next query connects
   * anew; without a listener node-postgres raises it as an uncaught exception and the hub dies.
   */
  onIdleConnectionLost?: (error: Error) => void;
}

export async function openDatabase(target: DatabaseTarget, options: OpenOptions = {}): Promise<OpenedDb> {
  return 'url' in target ? openPostgres(target.url, options) : openSqlite(target.path);
}

function openSqlite(path: string): OpenedDb {
  const sqlite = new Database(path);
  sqlite.pragma('journal_mode = WAL');
  sqlite.pragma('synchronous = NORMAL');
  sqlite.pragma('foreign_keys = ON');
  sqlite.pragma('busy_timeout = 5000');
  migrateSqlite(drizzleSqlite({ client: sqlite }), { migrationsFolder: SQLITE_MIGRATIONS });
  const { root, transaction } = sqliteConnections(sqlite);
  return {
    db: buildDb('sqlite', root, transaction),
    engine: 'sqlite',
    warnings: [],
    close: async () => {
      if (sqlite.open) sqlite.close();
    },
  };
}

async function openPostgres(url: string, options: OpenOptions): Promise<OpenedDb> {
  const pool = postgresPool(url);
  pool.on('error', (error) => options.onIdleConnectionLost?.(error));
  try {
    const client = await pool.connect();
    try {
      await client.query('SELECT pg_advisory_lock($1)', [MIGRATION_LOCK_KEY]);
      try {
        await migratePg(drizzlePg({ client }), { migrationsFolder: POSTGRES_MIGRATIONS });
      } finally {
        await client.query('SELECT pg_advisory_unlock($1)', [MIGRATION_LOCK_KEY]);
      }
    } finally {
      client.release();
    }
  } catch (error) {
    await pool.end();
    throw error;
  }
  const { root, transaction } = postgresConnections(pool);
  const warnings: string[] = [];
  // datlocprovider (PostgreSQL 15+): c = libc (datcollate names it), i = ICU (never byte order), b = builtin (17+, byte order).
  const { rows } = await pool.query<{ collation: string; provider: string }>('SELECT datcollate AS collation, datlocprovider AS provider FROM pg_database WHERE datname = current_database()');
  const { collation = '', provider = 'c' } = rows[0] ?? {};
  if (provider === 'i' || (provider === 'c' && !BYTE_ORDER_COLLATIONS.has(collation))) {
    warnings.push(`the database sorts text by ${provider === 'i' ? 'an ICU' : `the ${collation}`} collation: lists come back in another order than on SQLite (create it with --locale C, docs/scaling.md)`);
  }
  let closed = false;
  return {
    db: buildDb('postgres', root, transaction),
    engine: 'postgres',
    warnings,
    close: async () => {
      if (closed) return;
      closed = true;
      await pool.end();
    },
  };
}
