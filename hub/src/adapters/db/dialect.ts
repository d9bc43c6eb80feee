/**
 * The few places where SQLite and PostgreSQL need different SQL (issue 12), each as one helper so
 * repositories stay written once (db.ts). Everything else the repositories write is in the
 * subset both engines share.
 */
import { sql, type Placeholder, type SQL } from 'drizzle-orm';
import type { AnySQLiteColumn, SQLiteTable } from 'drizzle-orm/sqlite-core';
import type { Engine } from './connection';

/**
 * `column IN (the strings of a JSON array)`: any number of ids in one parameter, so one prepared
 * statement serves every batch size. `ids` is a JSON array text or a `sql.placeholder`.
 */
export function inJsonArray(engine: Engine, column: AnySQLiteColumn | SQL, ids: unknown): SQL {
  return engine === 'postgres' ? sql`${column} IN (SELECT jsonb_array_elements_text(CAST(${ids} AS jsonb)))` : sql`${column} IN (SELECT value FROM json_each(${ids}))`;
}

/**
 * The value for an identity (autoincrement) primary key in an insert: drizzle's SQLite builder
 * writes NULL for an omitted column, which SQLite turns into the next id and PostgreSQL's
 * identity column refuses; PostgreSQL takes DEFAULT instead.
 */
export function nextId(engine: Engine): SQL {
  return engine === 'postgres' ? sql`DEFAULT` : sql`NULL`;
}

/**
 * The text of one key of a JSON object column, or NULL when it is missing: `column ->> key` on
 * both engines (SQLite 3.38+ on a JSON text column, PostgreSQL on jsonb). The key travels as a
 * parameter, so any key works (dots and dashes included) and nothing is spliced into the SQL.
 */
export function jsonText(column: AnySQLiteColumn, key: string | Placeholder): SQL {
  return sql`(${column} ->> CAST(${key} AS text))`;
}

/**
 * The end of a claim's subquery (`SELECT ... LIMIT 1 <here>`): PostgreSQL's FOR UPDATE SKIP LOCKED
 * lets concurrent claimers pass over a row another is taking instead of queueing behind it (and
 * re-checks the row's conditions if that claim committed meanwhile). SQLite runs one write
 * statement at a time, so the same statement without it is already exclusive.
 */
export function skipLocked(engine: Engine): SQL {
  return engine === 'postgres' ? sql` FOR UPDATE SKIP LOCKED` : sql``;
}

/**
 * Locks the rows of `table` that `where` selects until the transaction ends, so replicas that
 * change the same rows (a rollout, a device's assignment) take turns. PostgreSQL: SELECT ... FOR
 * UPDATE. SQLite needs nothing: a transaction there began IMMEDIATE, so it already holds the
 * only write lock.
 */
export async function lockRows(db: { engine: Engine; execute(query: SQL): Promise<number> }, table: SQLiteTable, where: SQL): Promise<void> {
  if (db.engine === 'postgres') await db.execute(sql`SELECT 1 FROM ${table} WHERE ${where} FOR UPDATE`);
}

/** The error and what it wraps (drizzle wraps driver errors in `cause`), outermost first. */
function* causes(error: unknown): Generator<Error> {
  for (let current = error, depth = 0; current instanceof Error && depth < 5; current = current.cause, depth++) yield current;
}

const driverCode = (error: Error): unknown => ('code' in error ? error.code : undefined);

/**
 * Whether `error` (or what it wraps) is a unique or primary key violation: SQLite's
 * SQLITE_CONSTRAINT_PRIMARYKEY / _UNIQUE, PostgreSQL's 23505.
 */
export function isUniqueViolation(error: unknown): boolean {
  for (const current of causes(error)) {
    const code = driverCode(current);
    if (code === 'SQLITE_CONSTRAINT_PRIMARYKEY' || code === 'SQLITE_CONSTRAINT_UNIQUE' || code === '23505') return true;
  }
  return false;
}

/**
 * Whether `error` (or what it wraps) says the transaction lost a race with another and may succeed
 * if run again: PostgreSQL's deadlock_detected (40P01) and serialization_failure (40001), or one of
 * `also` (an error class of the caller's own, e.g. a write that found its read stale).
 */
export function isTransientConflict(error: unknown, also: ReadonlyArray<abstract new (...args: never[]) => Error> = []): boolean {
  for (const current of causes(error)) {
    const code = driverCode(current);
    if (code === '40P01' || code === '40001' || also.some((kind) => current instanceof kind)) return true;
  }
  return false;
}
