/**
 * Scoped admin tokens (`admin_tokens`, issue 16), stored by the hash of their secret, and what
 * ties console sessions and sign-in links to the token that made them. A token is live while
 * not revoked and not expired; every check reads the row, so a rotation or a revocation holds on
 * every replica from the moment it commits.
 */
import { and, count, desc, eq, gt, isNull, or, type SQL } from 'drizzle-orm';
import type { Db } from './db';
import { adminSessions, adminSignInLinks, adminTokens } from './schema';

export type AdminTokenRow = typeof adminTokens.$inferSelect;
export type AdminSessionWithToken = typeof adminSessions.$inferSelect & { tokenName: string | null };

/** Not revoked, and without an expiry or one after `now` (ISO). */
const live = (now: string): SQL | undefined => and(isNull(adminTokens.revokedAt), or(isNull(adminTokens.expiresAt), gt(adminTokens.expiresAt, now)));

export async function insertAdminToken(db: Db, row: AdminTokenRow): Promise<void> {
  await db.insert(adminTokens).values(row);
}

/** Newest first. */
export async function listAdminTokens(db: Db): Promise<AdminTokenRow[]> {
  return db.select().from(adminTokens).orderBy(desc(adminTokens.createdAt), adminTokens.id);
}

export async function getAdminToken(db: Db, id: string): Promise<AdminTokenRow | undefined> {
  return db.select().from(adminTokens).where(eq(adminTokens.id, id)).get();
}

/** The token `id` if it is live at `now`. */
export async function liveAdminToken(db: Db, id: string, now: string): Promise<AdminTokenRow | undefined> {
  return db.select().from(adminTokens).where(and(eq(adminTokens.id, id), live(now))).get();
}

export async function adminTokenByName(db: Db, name: string): Promise<AdminTokenRow | undefined> {
  return db.select().from(adminTokens).where(eq(adminTokens.name, name)).get();
}

/** The live token whose secret hashes to `tokenHash`. */
export async function liveAdminTokenByHash(db: Db, tokenHash: string, now: string): Promise<AdminTokenRow | undefined> {
  return db.select().from(adminTokens).where(and(eq(adminTokens.tokenHash, tokenHash), live(now))).get();
}

export async function countLiveAdminTokens(db: Db, now: string): Promise<number> {
  const row = await db.select({ n: count() }).from(adminTokens).where(live(now)).get();
  return Number(row?.n ?? 0);
}

/** Gives a live token a new hash in one statement: the old secret fails from this commit on. The row, or undefined if not live. */
export async function rotateAdminTokenHash(db: Db, id: string, tokenHash: string, now: string): Promise<AdminTokenRow | undefined> {
  return db
    .update(adminTokens)
    .set({ tokenHash, rotatedAt: now })
    .where(and(eq(adminTokens.id, id), live(now)))
    .returning()
    .get();
}

/** Marks it revoked at `at` unless it already was; the row as it now stands (undefined: no such token). */
export async function revokeAdminTokenRow(db: Db, id: string, at: string): Promise<{ row: AdminTokenRow; revokedNow: boolean } | undefined> {
  const revoked = await db
    .update(adminTokens)
    .set({ revokedAt: at })
    .where(and(eq(adminTokens.id, id), isNull(adminTokens.revokedAt)))
    .returning()
    .get();
  if (revoked) return { row: revoked, revokedNow: true };
  const row = await getAdminToken(db, id);
  return row ? { row, revokedNow: false } : undefined;
}

export async function touchAdminToken(db: Db, id: string, at: string): Promise<void> {
  await db.update(adminTokens).set({ lastUsedAt: at }).where(eq(adminTokens.id, id)).run();
}

/** Ends the console sessions and unused sign-in links a token made (on rotation and revocation). */
export async function deleteSessionsOfToken(db: Db, tokenId: string): Promise<number> {
  const sessions = (await db.delete(adminSessions).where(eq(adminSessions.tokenId, tokenId)).run()).changes;
  const links = (await db.delete(adminSignInLinks).where(eq(adminSignInLinks.tokenId, tokenId)).run()).changes;
  return sessions + links;
}

/**
 * The unexpired session whose secret hashes to `idHash`, with the name of the token that signed
 * in; a session of a token that is no longer live is no session (belt and braces beside
 * deleteSessionsOfToken: a replica may be signing in with it while another revokes it).
 */
export async function liveSessionWithToken(db: Db, idHash: string, now: string): Promise<AdminSessionWithToken | undefined> {
  const row = await db
    .select({ session: adminSessions, tokenName: adminTokens.name, tokenLive: adminTokens.id })
    .from(adminSessions)
    .leftJoin(adminTokens, and(eq(adminTokens.id, adminSessions.tokenId), live(now)))
    .where(and(eq(adminSessions.idHash, idHash), gt(adminSessions.expiresAt, now)))
    .get();
  if (!row) return undefined;
  if (row.session.tokenId !== null && row.tokenLive === null) return undefined;
  return { ...row.session, tokenName: row.tokenName };
}

/**
 * Uses the link whose code hashes to `idHash`: its row once, if it exists and has not expired by
 * `now`. One delete decides, so two replicas given the same link cannot both honour it.
 */
export async function takeSignInLink(db: Db, idHash: string, now: string): Promise<typeof adminSignInLinks.$inferSelect | undefined> {
  return db
    .delete(adminSignInLinks)
    .where(and(eq(adminSignInLinks.idHash, idHash), gt(adminSignInLinks.expiresAt, now)))
    .returning()
    .get();
}
