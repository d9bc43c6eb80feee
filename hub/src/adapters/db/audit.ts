/** The audit trail: one row for every state change, written in the same transaction when possible. */
import { desc, eq } from 'drizzle-orm';
import type { Db } from './open';
import { audit } from './schema';

export interface AuditEntry {
  at: Date;
  actor: string;
  action: string;
  subject: string;
  details?: Record<string, unknown>;
}

export function writeAudit(db: Db, entry: AuditEntry): void {
  db.insert(audit)
    .values({ at: entry.at.toISOString(), actor: entry.actor, action: entry.action, subject: entry.subject, details: entry.details ?? {} })
    .run();
}

export function listAudit(db: Db, subject?: string, limit = 100): Array<typeof audit.$inferSelect> {
  const query = db.select().from(audit);
  return (subject === undefined ? query : query.where(eq(audit.subject, subject))).orderBy(desc(audit.id)).limit(limit).all();
}
