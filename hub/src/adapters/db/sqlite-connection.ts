/**
 * The SQLite driver (better-sqlite3) behind the async `Db`. better-sqlite3 is synchronous and
 * has one connection, so an open transaction owns it: while one runs, every other query waits
 * for it to end instead of slipping into it (the same rule the Kysely and drizzle async SQLite
 * drivers follow). A query issued on the root database from inside a transaction's own work
 * would wait for itself forever; it fails at once with a message saying to use the
 * transaction's handle.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import type Database from 'better-sqlite3';
import type { Connection, QueryResult, RowShape, TransactionRunner } from './connection';
import { HubError } from '../../core/errors';

/** Statements cached by their text: the templates are constants, but the cache is bounded anyway. */
const MAX_CACHED_STATEMENTS = 1000;

export interface SqliteConnections {
  /** queries outside any transaction: they wait while a transaction holds the connection */
  root: Connection;
  transaction: TransactionRunner;
}

export function sqliteConnections(client: Database.Database): SqliteConnections {
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
  const execute = (text: string, params: unknown[], shape: RowShape): QueryResult => {
    const prepared = statement(text);
    if (!prepared.reader) return { rows: [], changes: prepared.run(...params).changes };
    // A write with RETURNING is a reader too: its rows are what it returns.
    const rows = prepared.raw(shape === 'arrays').all(...params);
    return { rows, changes: rows.length };
  };

  // The transaction holding the connection; whoever waits for it re-checks when it ends.
  let holder: object | null = null;
  let waiting: Array<() => void> = [];
  const insideTransaction = new AsyncLocalStorage<object>();
  // Resolves when the holder ends. Callers loop `while (holder !== null) await nextRelease()` and
  // use the connection in the same synchronous step as the check, so nobody slips in between.
  const nextRelease = (): Promise<void> => {
    if (insideTransaction.getStore() === holder) {
      return Promise.reject(new HubError('E_INTERNAL', 'a query on the root database was issued inside a transaction: pass the transaction handle (tx) instead'));
    }
    return new Promise<void>((resolve) => waiting.push(resolve));
  };
  const release = (): void => {
    holder = null;
    const woken = waiting;
    waiting = [];
    for (const wake of woken) wake();
  };

  const inTransaction: Connection = { query: async (text, params, shape) => execute(text, params, shape) };
  const root: Connection = {
    async query(text, params, shape) {
      while (holder !== null) await nextRelease();
      return execute(text, params, shape);
    },
  };

  let savepoints = 0;
  const nested: TransactionRunner = async (work) => {
    const name = `sp${++savepoints}`;
    client.exec(`SAVEPOINT ${name}`);
    try {
      const result = await work(inTransaction, nested);
      client.exec(`RELEASE SAVEPOINT ${name}`);
      return result;
    } catch (error) {
      client.exec(`ROLLBACK TO SAVEPOINT ${name}`);
      client.exec(`RELEASE SAVEPOINT ${name}`);
      throw error;
    }
  };
  const transaction: TransactionRunner = async (work) => {
    while (holder !== null) await nextRelease();
    const token = {};
    holder = token;
    try {
      // IMMEDIATE: take the write lock now, so two writers never deadlock upgrading a read lock.
      client.exec('BEGIN IMMEDIATE');
      const result = await insideTransaction.run(token, () => work(inTransaction, nested));
      client.exec('COMMIT');
      return result;
    } catch (error) {
      if (client.inTransaction) client.exec('ROLLBACK');
      throw error;
    } finally {
      release();
    }
  };
  return { root, transaction };
}
