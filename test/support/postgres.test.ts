/**
 * The private PostgreSQL the database tests run against (issue 12): a fresh PostgreSQL 15 cluster
 * on a free port that takes a connection, keeps what it is given, and is gone after stop.
 */
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startPostgres, type PostgresServer } from './postgres';

describe('private PostgreSQL for tests', () => {
  let server: PostgresServer;
  beforeAll(async () => {
    server = await startPostgres();
  }, 60_000);
  afterAll(async () => {
    await server?.stop();
  });

  it('is PostgreSQL 15 or later on its own port, and stores and returns rows', async () => {
    expect(Number(/(\d+)\./.exec(server.version)?.[1])).toBeGreaterThanOrEqual(15);
    const client = new pg.Client({ connectionString: server.url });
    await client.connect();
    try {
      await client.query('CREATE TABLE t (id text PRIMARY KEY, n integer NOT NULL)');
      await client.query('INSERT INTO t VALUES ($1, $2), ($3, $4)', ['a', 1, 'b', 2]);
      const { rows } = await client.query<{ id: string; n: number }>('SELECT id, n FROM t ORDER BY id');
      expect(rows).toEqual([{ id: 'a', n: 1 }, { id: 'b', n: 2 }]);
      await expect(client.query('INSERT INTO t VALUES ($1, $2)', ['a', 3])).rejects.toThrow(/duplicate key/);
    } finally {
      await client.end();
    }
  });

  it('stops and removes itself: the port refuses connections afterwards', async () => {
    const other = await startPostgres('scratch');
    await other.stop();
    const client = new pg.Client({ connectionString: other.url, connectionTimeoutMillis: 2_000 });
    await expect(client.connect()).rejects.toThrow();
  });
});
