/**
 * Leases on singleton work in the registry (the `leases` table), written once for SQLite and
 * PostgreSQL (sql-executor.ts). A claim is one upsert: it takes a free or expired lease, or
 * renews the caller's own, and returns the row; an unexpired lease of another holder comes
 * back as null. The row is only written when the claim succeeds, so racing claimants cannot
 * both win: the database serialises the upsert on the primary key.
 */
import { sql } from 'drizzle-orm';
import type { Lease } from '../../core/leases/lease-policy';
import type { SqlExecutor } from './sql-executor';

type LeaseRow = { name: string; holder: string; expires_at_ms: number | string; token: number | string };

const toLease = (row: LeaseRow): Lease => ({ name: row.name, holder: row.holder, expiresAtMs: Number(row.expires_at_ms), token: Number(row.token) });

export async function claimLease(exec: SqlExecutor, claim: { name: string; holder: string; nowMs: number; expiresAtMs: number }): Promise<Lease | null> {
  const rows = await exec.rows<LeaseRow>(sql`
    INSERT INTO leases (name, holder, expires_at_ms, token) VALUES (${claim.name}, ${claim.holder}, ${claim.expiresAtMs}, 1)
    ON CONFLICT (name) DO UPDATE SET
      holder = excluded.holder,
      expires_at_ms = excluded.expires_at_ms,
      token = CASE WHEN leases.holder = excluded.holder THEN leases.token ELSE leases.token + 1 END
    WHERE leases.holder = excluded.holder OR leases.expires_at_ms < ${claim.nowMs}
    RETURNING name, holder, expires_at_ms, token`);
  const row = rows[0];
  return row ? toLease(row) : null;
}

/** Gives the lease up at once (a clean shutdown), so another replica need not wait for it to expire. */
export async function releaseLease(exec: SqlExecutor, name: string, holder: string): Promise<void> {
  await exec.run(sql`DELETE FROM leases WHERE name = ${name} AND holder = ${holder}`);
}

export async function readLease(exec: SqlExecutor, name: string): Promise<Lease | undefined> {
  const rows = await exec.rows<LeaseRow>(sql`SELECT name, holder, expires_at_ms, token FROM leases WHERE name = ${name}`);
  const row = rows[0];
  return row ? toLease(row) : undefined;
}
