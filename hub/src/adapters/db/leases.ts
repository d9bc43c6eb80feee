/**
 * Leases on singleton work in the registry (the `leases` table), written once for SQLite and
 * PostgreSQL (db.ts). A claim is one upsert: it takes a free or expired lease, or
 * renews the caller's own, and returns the row; an unexpired lease of another holder comes
 * back as null. The row is only written when the claim succeeds, so racing claimants cannot
 * both win: the database serialises the upsert on the primary key.
 */
import { sql } from 'drizzle-orm';
import type { Lease } from '../../core/leases/lease-policy';
import type { PreparedQuery, SqlExecutor } from './db';

type LeaseRow = { name: string; holder: string; expires_at_ms: number | string; token: number | string };

// node-postgres returns bigint columns as strings.
const toLease = (row: LeaseRow): Lease => ({ name: row.name, holder: row.holder, expiresAtMs: Number(row.expires_at_ms), token: Number(row.token) });

/** The three statements, prepared once per executor (the claim runs before every job run). */
const statements = new WeakMap<SqlExecutor, { claim: PreparedQuery; release: PreparedQuery; read: PreparedQuery }>();
function prepared(exec: SqlExecutor): { claim: PreparedQuery; release: PreparedQuery; read: PreparedQuery } {
  let found = statements.get(exec);
  if (!found) {
    const p = (name: string) => sql.placeholder(name);
    found = {
      claim: exec.prepare(sql`
        INSERT INTO leases (name, holder, expires_at_ms, token) VALUES (${p('name')}, ${p('holder')}, ${p('expiresAtMs')}, 1)
        ON CONFLICT (name) DO UPDATE SET
          holder = excluded.holder,
          expires_at_ms = excluded.expires_at_ms,
          token = CASE WHEN leases.holder = excluded.holder THEN leases.token ELSE leases.token + 1 END
        WHERE leases.holder = excluded.holder OR leases.expires_at_ms < ${p('nowMs')}
        RETURNING name, holder, expires_at_ms, token`),
      release: exec.prepare(sql`DELETE FROM leases WHERE name = ${p('name')} AND holder = ${p('holder')}`),
      read: exec.prepare(sql`SELECT name, holder, expires_at_ms, token FROM leases WHERE name = ${p('name')}`),
    };
    statements.set(exec, found);
  }
  return found;
}

export async function claimLease(exec: SqlExecutor, claim: { name: string; holder: string; nowMs: number; expiresAtMs: number }): Promise<Lease | null> {
  const row = (await prepared(exec).claim.rows<LeaseRow>(claim))[0];
  return row ? toLease(row) : null;
}

/** Gives the lease up at once (a clean shutdown), so another replica need not wait for it to expire. */
export async function releaseLease(exec: SqlExecutor, name: string, holder: string): Promise<void> {
  await prepared(exec).release.run({ name, holder });
}

export async function readLease(exec: SqlExecutor, name: string): Promise<Lease | undefined> {
  const row = (await prepared(exec).read.rows<LeaseRow>({ name }))[0];
  return row ? toLease(row) : undefined;
}
