/** The audit trail: one row for every state change, written in the same transaction when possible. */
import { asc, desc, eq, gt, max, sql } from 'drizzle-orm';
import type { Db } from './db';
import { nextId } from './dialect';
import { preparedFor } from './prepared';
import { audit } from './schema';

export interface AuditEntry {
  at: Date;
  actor: string;
  action: string;
  subject: string;
  details?: Record<string, unknown>;
}

const insertAudit = preparedFor((db) =>
  db
    .insert(audit)
    .values({ id: nextId(db.engine), at: sql.placeholder('at'), actor: sql.placeholder('actor'), action: sql.placeholder('action'), subject: sql.placeholder('subject'), details: sql.placeholder('details') })
    .prepare(),
);

export async function writeAudit(db: Db, entry: AuditEntry): Promise<void> {
  await insertAudit(db).run({ at: entry.at.toISOString(), actor: entry.actor, action: entry.action, subject: entry.subject, details: entry.details ?? {} });
}

/** Newest first (by id, the order the rows were inserted in), optionally of one subject. */
export async function listAudit(db: Db, subject?: string, limit = 100): Promise<Array<typeof audit.$inferSelect>> {
  const query = db.select().from(audit);
  return (subject === undefined ? query : query.where(eq(audit.subject, subject))).orderBy(desc(audit.id)).limit(limit);
}

/** Rows with ids above `afterId`, oldest first: what a follower of the trail reads (core/console/audit-follower.ts). */
export async function auditAfter(db: Db, afterId: number, limit: number): Promise<Array<typeof audit.$inferSelect>> {
  return db.select().from(audit).where(gt(audit.id, afterId)).orderBy(asc(audit.id)).limit(limit);
}

/** The highest id in the trail (0 when empty): where a follower that wants only what comes next starts. */
export async function lastAuditId(db: Db): Promise<number> {
  return (await db.select({ id: max(audit.id) }).from(audit).get())?.id ?? 0;
}
