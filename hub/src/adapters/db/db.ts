/**
 * The registry database as the repositories see it (issue 12): one async, typed interface on
 * SQLite (better-sqlite3, the default) or PostgreSQL (node-postgres).
 *
 * Queries are written once, with drizzle's SQLite query builder (typed rows, column mappings)
 * or with drizzle's `sql` template for hand-written SQL, in the subset both engines share
 * (upserts with `excluded`, RETURNING, `ON CONFLICT DO NOTHING`). drizzle's sqlite-proxy driver
 * runs the builder's queries through one callback; on PostgreSQL the callback numbers the `?`
 * placeholders and unqualifies upsert targets (forPostgres), and the connection returns values as SQLite does (postgres-connection.ts), so
 * drizzle's SQLite mappings read them unchanged. Where the engines differ (a JSON array of ids,
 * an identity column, row locks) the repositories use the helpers in dialect.ts. One contract
 * suite (hub/test/adapters/db) runs every repository on both engines.
 *
 * Why not two drizzle schemas with two query builders: every repository would be written twice
 * and could drift; the PostgreSQL schema (pg/schema.ts) exists only for its migrations.
 */
import { fillPlaceholders, type SQL } from 'drizzle-orm';
import { PgDialect } from 'drizzle-orm/pg-core';
import { SQLiteAsyncDialect, type BaseSQLiteDatabase } from 'drizzle-orm/sqlite-core';
import { drizzle } from 'drizzle-orm/sqlite-proxy';
import type { Connection, Engine, TransactionRunner } from './connection';
import { forPostgres } from './postgres-connection';
import * as schema from './schema';

type Row = Record<string, unknown>;

export interface PreparedQuery {
  /** The rows it returns for these placeholder values (a SELECT, or a write with RETURNING). */
  rows<T extends Row>(values?: Record<string, unknown>): Promise<T[]>;
  /** Runs a write without RETURNING; resolves with how many rows it changed. */
  run(values?: Record<string, unknown>): Promise<number>;
}

/** Hand-written SQL on either engine, rendered in the engine's own dialect. */
export interface SqlExecutor {
  readonly engine: Engine;
  /** The rows a query returns (a SELECT, or a write with RETURNING), keyed by column name. */
  rows<T extends Row>(query: SQL): Promise<T[]>;
  /** A write without RETURNING; resolves with how many rows it changed. */
  execute(query: SQL): Promise<number>;
  /** A query with `sql.placeholder(...)` values, rendered once and run many times. */
  prepare(query: SQL): PreparedQuery;
}

/** What a builder query's `.run()` resolves to. */
export interface RunResult {
  changes: number;
}

type Orm = BaseSQLiteDatabase<'async', RunResult, typeof schema>;

/**
 * The database or a transaction on it: repositories take either, so callers choose the
 * boundary. drizzle's own raw `all/get/values/run` are left out (with sqlite-proxy they hand back
 * value arrays): hand-written SQL goes through the executor's `rows` and `execute`. Its
 * `transaction` is replaced by one that gives the work its own connection.
 */
export type Db = Omit<Orm, 'all' | 'get' | 'values' | 'run' | 'transaction' | 'batch'> & SqlExecutor & DbTransactions;

interface DbTransactions {
  /** Runs `work` in one transaction (a savepoint when `this` is already one); rolled back if it throws. */
  transaction<T>(work: (tx: Db) => Promise<T>): Promise<T>;
}

const sqliteDialect = new SQLiteAsyncDialect();
const pgDialect = new PgDialect();

export function buildDb(engine: Engine, connection: Connection, transaction: TransactionRunner): Db {
  const render = (query: SQL) => (engine === 'postgres' ? pgDialect.sqlToQuery(query) : sqliteDialect.sqlToQuery(query));
  const builderText = engine === 'postgres' ? forPostgres : (text: string) => text;
  const orm = drizzle(async (text, params, method) => {
    const native = builderText(text);
    if (method === 'run') {
      const result = await connection.query(native, params, 'run');
      return { rows: [], changes: result.changes };
    }
    const result = await connection.query(native, params, 'arrays');
    // sqlite-proxy wants the row itself for `get`, and the array of rows otherwise.
    return { rows: method === 'get' ? (result.rows[0] as unknown[]) : result.rows };
  }) as unknown as Orm;
  // A connection keeps its Db, so statements prepared on a transaction (preparedFor) outlive it.
  const transactionDbs = new WeakMap<Connection, Db>();
  const transactionDb = (txConnection: Connection, nested: TransactionRunner): Db => {
    let db = transactionDbs.get(txConnection);
    if (!db) {
      db = buildDb(engine, txConnection, nested);
      transactionDbs.set(txConnection, db);
    }
    return db;
  };
  const rowsOf = async <T extends Row>(text: string, params: unknown[]): Promise<T[]> => (await connection.query(text, params, 'objects')).rows as T[];
  const changesOf = async (text: string, params: unknown[]): Promise<number> => (await connection.query(text, params, 'run')).changes;
  const extras: SqlExecutor & DbTransactions = {
    engine,
    rows: <T extends Row>(query: SQL) => {
      const { sql: text, params } = render(query);
      return rowsOf<T>(text, params);
    },
    execute: (query: SQL) => {
      const { sql: text, params } = render(query);
      return changesOf(text, params);
    },
    prepare: (query: SQL) => {
      const { sql: text, params } = render(query);
      return {
        rows: <T extends Row>(values: Record<string, unknown> = {}) => rowsOf<T>(text, fillPlaceholders(params, values)),
        run: (values: Record<string, unknown> = {}) => changesOf(text, fillPlaceholders(params, values)),
      };
    },
    transaction: <T>(work: (tx: Db) => Promise<T>) => transaction((txConnection, nested) => work(transactionDb(txConnection, nested))),
  };
  // The drizzle instance keeps its builders; the executor joins them and the transaction replaces drizzle's.
  return Object.assign(orm, extras);
}
