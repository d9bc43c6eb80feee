/**
 * A PostgreSQL server ending the hub's idle pooled connections (a restart, a failover, an
 * administrator's pg_terminate_backend) is survived: the loss is reported to the hub, which logs
 * it, and the next query connects again. Before, node-postgres raised it as an uncaught exception
 * (its pool had no 'error' listener) and took the hub's process down.
 */
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openDatabase, type OpenedDb } from '../../../src/adapters/db/open';
import { startPostgres, type PostgresServer } from '../../../../test/support/postgres';
import { waitUntil } from '../../../../test/support/test-clock';

describe('PostgreSQL ending idle connections', () => {
  let server: PostgresServer;
  let opened: OpenedDb;
  const lost: Error[] = [];

  beforeAll(async () => {
    server = await startPostgres();
    opened = await openDatabase({ url: server.url }, { onIdleConnectionLost: (error) => lost.push(error) });
  }, 60_000);

  afterAll(async () => {
    await opened?.close();
    await server?.stop();
  });

  it('reports each lost connection and answers the next query on a new one', async () => {
    // Several queries at once leave several connections idle in the pool.
    await Promise.all(Array.from({ length: 4 }, () => opened.db.rows(sql`SELECT pg_sleep(0.05)`)));
    const admin = new pg.Client({ connectionString: server.url });
    await admin.connect();
    try {
      const { rows } = await admin.query<{ ended: boolean }>('SELECT pg_terminate_backend(pid) AS ended FROM pg_stat_activity WHERE datname = current_database() AND pid <> pg_backend_pid()');
      expect(rows.length).toBeGreaterThanOrEqual(1);
      await waitUntil(
        async () => lost.length,
        (count) => count === rows.length,
        'every terminated connection reported',
      );
    } finally {
      await admin.end();
    }
    expect(lost.every((error) => /terminating connection/.test(error.message))).toBe(true);
    const [row] = await opened.db.rows<{ answer: number }>(sql`SELECT 41 + 1 AS answer`);
    expect(Number(row?.answer)).toBe(42);
  });
});
