/**
 * One connection to the registry database, as the two engines' drivers see it (issue 12): text in
 * the engine's own placeholder syntax, values in, rows (as objects or as arrays) and a change
 * count out. db.ts builds the typed `Db` on top; sqlite-connection.ts and postgres-connection.ts
 * are the two drivers.
 */
export type Engine = 'sqlite' | 'postgres';

/** `objects`: rows keyed by column name; `arrays`: rows as value arrays (drizzle maps them); `run`: a write, its change count. */
export type RowShape = 'objects' | 'arrays' | 'run';

export interface QueryResult {
  rows: unknown[];
  changes: number;
}

export interface Connection {
  query(text: string, params: unknown[], shape: RowShape): Promise<QueryResult>;
}

/** Runs `work` in one transaction on its own connection and hands it that connection. */
export type TransactionRunner = <T>(work: (connection: Connection, nested: TransactionRunner) => Promise<T>) => Promise<T>;
