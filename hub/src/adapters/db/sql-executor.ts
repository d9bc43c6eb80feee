/**
 * One async way to run a query on either registry database (issue 12): SQL written once with
 * drizzle's `sql` tag, in the subset SQLite (3.35+) and PostgreSQL share (upserts with
 * `excluded`, RETURNING), run by better-sqlite3 or node-postgres. drizzle renders each value as
 * the dialect's placeholder, so nothing is spliced into the text. New repository code starts
 * here; the older repositories still take the synchronous SQLite `Db` (issue 12's plan).
 *
 * Two ways in, for two costs (measured: 20,000 upserts with RETURNING in one SQLite transaction):
 * - `rows` / `run` render the query on every call, about 7 us a statement on SQLite (drizzle's
 *   rendering is most of it; statements are cached by their text): for occasional queries.
 * - `prepare` renders a query written with `sql.placeholder('name')` once; each call then only
 *   fills in the values, about 4.5 us on SQLite with the await (a bare synchronous prepared
 *   statement: about 1 us), and PostgreSQL gets a named prepared statement: for hot paths.
 */
import { createHash } from 'node:crypto';
import { fillPlaceholders, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { SQLiteSyncDialect } from 'drizzle-orm/sqlite-core';
import type Database from 'better-sqlite3';
import type pg from 'pg';

type Row = Record<string, unknown>;

export interface PreparedQuery {
  /** The rows it returns for these placeholder values (a SELECT, or a write with RETURNING). */
  rows<T extends Row>(values?: Record<string, unknown>): Promise<T[]>;
  /** Runs a write without RETURNING; resolves with how many rows it changed. */
  run(values?: Record<string, unknown>): Promise<number>;
}

export interface SqlExecutor {
  readonly dialect: 'sqlite' | 'postgres';
  /** The rows a query returns (a SELECT, or a write with RETURNING). */
  rows<T extends Row>(query: SQL): Promise<T[]>;
  /** A write without RETURNING; resolves with how many rows it changed. */
  run(query: SQL): Promise<number>;
  /** A query with `sql.placeholder(...)` values, rendered once and run many times. */
  prepare(query: SQL): PreparedQuery;
}

/** Statements cached by their text: the templates are constants, but the cache is bounded anyway. */
const MAX_CACHED_STATEMENTS = 500;

export function sqliteExecutor(client: Database.Database): SqlExecutor {
  const dialect = new SQLiteSyncDialect();
  const cache = new Map<string, Database.Statement>();
  const statement = (text: string): Database.Statement => {
    let prepared = cache.get(text);
    if (!prepared) {
      if (cache.size >= MAX_CACHED_STATEMENTS) cache.clear();
      prepared = client.prepare(text);
      cache.set(text, prepared);
    }
    return prepared;
  };
  // better-sqlite3 is synchronous: the promises only make the two drivers interchangeable.
  const rowsOf = <T extends Row>(text: string, params: unknown[]): T[] => {
    const prepared = statement(text);
    if (prepared.reader) return prepared.all(...params) as T[];
    prepared.run(...params);
    return [];
  };
  const changesOf = (text: string, params: unknown[]): number => statement(text).run(...params).changes;
  return {
    dialect: 'sqlite',
    async rows<T extends Row>(query: SQL) {
      const { sql: text, params } = dialect.sqlToQuery(query);
      return rowsOf<T>(text, params);
    },
    async run(query) {
      const { sql: text, params } = dialect.sqlToQuery(query);
      return changesOf(text, params);
    },
    prepare(query) {
      const { sql: text, params } = dialect.sqlToQuery(query);
      return {
        rows: async <T extends Row>(values: Record<string, unknown> = {}) => rowsOf<T>(text, fillPlaceholders(params, values)),
        run: async (values = {}) => changesOf(text, fillPlaceholders(params, values)),
      };
    },
  };
}

export function postgresExecutor(pool: pg.Pool): SqlExecutor {
  const dialect = new PgDialect();
  const query = async <T extends Row>(text: string, values: unknown[], name?: string): Promise<{ rows: T[]; rowCount: number }> => {
    const result = await pool.query<T>(name === undefined ? { text, values } : { name, text, values });
    return { rows: result.rows, rowCount: result.rowCount ?? 0 };
  };
  return {
    dialect: 'postgres',
    async rows<T extends Row>(sqlQuery: SQL) {
      const { sql: text, params } = dialect.sqlToQuery(sqlQuery);
      return (await query<T>(text, params)).rows;
    },
    async run(sqlQuery) {
      const { sql: text, params } = dialect.sqlToQuery(sqlQuery);
      return (await query(text, params)).rowCount;
    },
    prepare(sqlQuery) {
      const { sql: text, params } = dialect.sqlToQuery(sqlQuery);
      // node-postgres prepares a named statement once per connection and reuses it.
      const name = `ef_${createHash('sha256').update(text).digest('hex').slice(0, 16)}`;
      return {
        rows: async <T extends Row>(values: Record<string, unknown> = {}) => (await query<T>(text, fillPlaceholders(params, values), name)).rows,
        run: async (values = {}) => (await query(text, fillPlaceholders(params, values), name)).rowCount,
      };
    },
  };
}
