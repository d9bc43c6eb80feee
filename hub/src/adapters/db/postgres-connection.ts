/**
 * The PostgreSQL driver (node-postgres) behind the async `Db` (issue 12). Values come back
 * exactly as SQLite gives them, so the repositories and drizzle's SQLite column mappings serve
 * both engines unchanged: booleans as 1/0, bigint and numeric as JS numbers (refusing any a
 * double cannot hold), json and jsonb as their text.
 */
import pg from 'pg';
import { HubError } from '../../core/errors';
import type { Connection, QueryResult, RowShape, TransactionRunner } from './connection';

const OID = { bool: 16, int8: 20, numeric: 1700, json: 114, jsonb: 3802 } as const;

function toSafeNumber(text: string): number {
  const value = Number(text);
  if (!Number.isSafeInteger(value) && /^-?\d+$/.test(text)) throw new HubError('E_INTERNAL', `a database integer (${text}) is beyond what a JS number holds exactly`);
  return value;
}

const sqliteShapedTypes = {
  getTypeParser(oid: number, format?: 'text' | 'binary') {
    switch (oid) {
      case OID.bool:
        return (text: string) => (text === 't' ? 1 : 0);
      case OID.int8:
      case OID.numeric:
        return toSafeNumber;
      case OID.json:
      case OID.jsonb:
        return (text: string) => text;
      default:
        return pg.types.getTypeParser(oid, format ?? 'text');
    }
  },
} as pg.CustomTypesConfig;

export function postgresPool(url: string, options: { max?: number } = {}): pg.Pool {
  return new pg.Pool({ connectionString: url, max: options.max ?? 10, types: sqliteShapedTypes });
}

const converted = new Map<string, string>();
const MAX_CONVERTED = 1000;

/**
 * SQLite-dialect text as drizzle's SQLite builder writes it, made PostgreSQL's:
 * - each `?` placeholder numbered ($1, $2, ...); quoted strings, quoted identifiers and `--`
 *   comments are copied as they are, so a `?` inside them stays a character (the code writes no
 *   `/* *\/` comments, E'' strings or $$ quotes, and no jsonb `?` operators);
 * - an upsert's conflict target unqualified: the builder writes `on conflict ("t"."c")`, which
 *   SQLite takes and PostgreSQL refuses as a syntax error.
 */
export function forPostgres(text: string): string {
  const cached = converted.get(text);
  if (cached !== undefined) return cached;
  const out = numberedPlaceholders(text).replace(/on conflict \(([^)]*)\)/gi, (_match, columns: string) => `on conflict (${columns.replace(/"[^"]+"\./g, '')})`);
  if (converted.size >= MAX_CONVERTED) converted.clear();
  converted.set(text, out);
  return out;
}

function numberedPlaceholders(text: string): string {
  let out = '';
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text[i];
    if (c === "'" || c === '"') {
      const end = text.indexOf(c, i + 1);
      const stop = end < 0 ? text.length : end;
      out += text.slice(i, stop + 1);
      i = stop;
      // A doubled quote ('' or "") is an escaped quote: the loop resumes inside the same literal.
    } else if (c === '-' && text[i + 1] === '-') {
      const end = text.indexOf('\n', i);
      const stop = end < 0 ? text.length : end;
      out += text.slice(i, stop);
      i = stop - 1;
    } else if (c === '?') {
      out += `$${++n}`;
    } else {
      out += c;
    }
  }
  return out;
}

type Queryable = Pick<pg.PoolClient, 'query'>;

function connectionOn(target: Queryable): Connection {
  return {
    async query(text, params, shape: RowShape): Promise<QueryResult> {
      const result = shape === 'arrays' ? await target.query({ text, values: params, rowMode: 'array' }) : await target.query({ text, values: params });
      return { rows: result.rows as unknown[], changes: result.rowCount ?? 0 };
    },
  };
}

export interface PostgresConnections {
  root: Connection;
  transaction: TransactionRunner;
}

export function postgresConnections(pool: pg.Pool): PostgresConnections {
  // One Connection per pooled client, so what is prepared on it is kept (db.ts).
  const perClient = new WeakMap<pg.PoolClient, { connection: Connection; nested: TransactionRunner }>();
  const savepointsOn = (client: pg.PoolClient, connection: Connection): TransactionRunner => {
    let depth = 0;
    const nested: TransactionRunner = async (work) => {
      const name = `sp${++depth}`;
      await client.query(`SAVEPOINT ${name}`);
      try {
        const result = await work(connection, nested);
        await client.query(`RELEASE SAVEPOINT ${name}`);
        return result;
      } catch (error) {
        await client.query(`ROLLBACK TO SAVEPOINT ${name}`);
        throw error;
      }
    };
    return nested;
  };
  const transaction: TransactionRunner = async (work) => {
    const client = await pool.connect();
    let broken: Error | undefined;
    try {
      let own = perClient.get(client);
      if (!own) {
        const connection = connectionOn(client);
        own = { connection, nested: savepointsOn(client, connection) };
        perClient.set(client, own);
      }
      await client.query('BEGIN');
      const result = await work(own.connection, own.nested);
      await client.query('COMMIT');
      return result;
    } catch (error) {
      try {
        await client.query('ROLLBACK');
      } catch (rollbackError) {
        // The connection itself failed: the pool must not hand it out again.
        broken = rollbackError instanceof Error ? rollbackError : new Error(String(rollbackError));
      }
      throw error;
    } finally {
      client.release(broken);
    }
  };
  return { root: connectionOn(pool), transaction };
}
