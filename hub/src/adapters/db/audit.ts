/** The audit trail: one row for every state change, written in the same transaction when possible. */
import { desc, eq, sql } from 'drizzle-orm';
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
