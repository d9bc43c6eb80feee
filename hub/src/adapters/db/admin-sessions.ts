/** Admin console sessions (`admin_sessions`) and one-time sign-in links (`admin_sign_in_links`): stored by the hash of their secret, found only while unexpired. */
import { and, eq, gt, lte } from 'drizzle-orm';
import type { Db } from './db';
import { adminSessions, adminSignInLinks } from './schema';

export type AdminSessionRow = typeof adminSessions.$inferSelect;

export async function insertAdminSession(db: Db, row: typeof adminSessions.$inferInsert): Promise<void> {
  await db.insert(adminSessions).values(row);
}

/** The session whose secret hashes to `idHash`, if it has not expired by `now` (ISO). */
export async function liveAdminSession(db: Db, idHash: string, now: string): Promise<AdminSessionRow | undefined> {
  return db.select().from(adminSessions).where(and(eq(adminSessions.idHash, idHash), gt(adminSessions.expiresAt, now))).get();
}

/** True when there was such a session. */
export async function deleteAdminSession(db: Db, idHash: string): Promise<boolean> {
  return (await db.delete(adminSessions).where(eq(adminSessions.idHash, idHash)).run()).changes > 0;
}

/** Forgets sessions that expired by `now`; how many. */
export async function pruneAdminSessions(db: Db, now: string): Promise<number> {
  return (await db.delete(adminSessions).where(lte(adminSessions.expiresAt, now)).run()).changes;
}

export async function insertSignInLink(db: Db, row: typeof adminSignInLinks.$inferInsert): Promise<void> {
  await db.insert(adminSignInLinks).values(row);
}

/**
 * Uses the link whose code hashes to `idHash`: true once, if it exists and has not expired by `now`.
 * One delete decides, so two replicas given the same link cannot both honour it.
 */
export async function consumeSignInLink(db: Db, idHash: string, now: string): Promise<boolean> {
  return (await db.delete(adminSignInLinks).where(and(eq(adminSignInLinks.idHash, idHash), gt(adminSignInLinks.expiresAt, now))).run()).changes > 0;
}

export async function pruneSignInLinks(db: Db, now: string): Promise<number> {
  return (await db.delete(adminSignInLinks).where(lte(adminSignInLinks.expiresAt, now)).run()).changes;
}
