/**
 * Browser enrolment tokens (`enrolment_tokens`, issue 14): stored by the hash of their secret.
 * A use is claimed in one conditional update, so however many pages or replicas present the same
 * token at once, no more than its maximum are ever let through.
 */
import { and, desc, eq, gt, isNull, lt, sql } from 'drizzle-orm';
import type { Db } from './db';
import { enrolmentTokens } from './schema';

export type EnrolmentTokenRow = typeof enrolmentTokens.$inferSelect;

export async function insertEnrolmentToken(db: Db, row: typeof enrolmentTokens.$inferInsert): Promise<void> {
  await db.insert(enrolmentTokens).values(row);
}

/** Newest first. */
export async function listEnrolmentTokens(db: Db): Promise<EnrolmentTokenRow[]> {
  return db.select().from(enrolmentTokens).orderBy(desc(enrolmentTokens.createdAt), enrolmentTokens.id);
}

export async function getEnrolmentToken(db: Db, id: string): Promise<EnrolmentTokenRow | undefined> {
  return db.select().from(enrolmentTokens).where(eq(enrolmentTokens.id, id)).get();
}

/** The token whose secret hashes to `tokenHash`, whatever its state (for telling why a claim failed). */
export async function enrolmentTokenByHash(db: Db, tokenHash: string): Promise<EnrolmentTokenRow | undefined> {
  return db.select().from(enrolmentTokens).where(eq(enrolmentTokens.tokenHash, tokenHash)).get();
}

/**
 * Takes one use of the token whose secret hashes to `tokenHash` if it is live at `now` (ISO): not
 * revoked, not expired, not used up. One statement both checks and counts (the row's write lock
 * orders concurrent claims on either engine), so the maximum holds across replicas. The row as
 * claimed, or undefined when nothing was taken.
 */
export async function claimEnrolmentToken(db: Db, tokenHash: string, now: string): Promise<EnrolmentTokenRow | undefined> {
  return db
    .update(enrolmentTokens)
    .set({ used: sql`${enrolmentTokens.used} + 1` })
    .where(and(eq(enrolmentTokens.tokenHash, tokenHash), isNull(enrolmentTokens.revokedAt), gt(enrolmentTokens.expiresAt, now), lt(enrolmentTokens.used, enrolmentTokens.maxEnrolments)))
    .returning()
    .get();
}

/** Gives back a use claimed for an enrolment that then failed (never below zero). */
export async function releaseEnrolmentToken(db: Db, id: string): Promise<void> {
  await db
    .update(enrolmentTokens)
    .set({ used: sql`${enrolmentTokens.used} - 1` })
    .where(and(eq(enrolmentTokens.id, id), gt(enrolmentTokens.used, 0)))
    .run();
}

/** Marks it revoked at `at` unless it already was; the row as it now stands (undefined: no such token). */
export async function revokeEnrolmentToken(db: Db, id: string, at: string): Promise<{ row: EnrolmentTokenRow; revokedNow: boolean } | undefined> {
  const revoked = await db
    .update(enrolmentTokens)
    .set({ revokedAt: at })
    .where(and(eq(enrolmentTokens.id, id), isNull(enrolmentTokens.revokedAt)))
    .returning()
    .get();
  if (revoked) return { row: revoked, revokedNow: true };
  const row = await getEnrolmentToken(db, id);
  return row ? { row, revokedNow: false } : undefined;
}
