/**
 * Pages of the append-only lists the console browses (the audit trail, webhook notifications):
 * newest first by id, keyset-paginated on that id, so a page costs the same at row 10 and row
 * 10 million and rows written meanwhile never shift a page (they land before page one).
 */
import { and, desc, eq, lt, sql, type SQL } from 'drizzle-orm';
import type { Db } from './db';
import { audit, notifications } from './schema';

export interface Page<T> {
  rows: T[];
  /** the id to pass as `beforeId` for the next page, or null on the last one */
  nextBeforeId: number | null;
}

export interface AuditFilter {
  /** rows with ids below this (the previous page's last) */
  beforeId?: number;
  subject?: string;
  actor?: string;
  /** rows whose action starts with this, e.g. `rollout.` */
  actionPrefix?: string;
}

const pageOf = <T extends { id: number }>(rows: T[], limit: number): Page<T> => {
  // One row beyond the limit was asked for: it tells whether a next page exists.
  const more = rows.length > limit;
  const page = more ? rows.slice(0, limit) : rows;
  return { rows: page, nextBeforeId: more ? (page[page.length - 1]?.id ?? null) : null };
};

export async function pageOfAudit(db: Db, filter: AuditFilter, limit: number): Promise<Page<typeof audit.$inferSelect>> {
  const conditions: SQL[] = [];
  if (filter.beforeId !== undefined) conditions.push(lt(audit.id, filter.beforeId));
  if (filter.subject !== undefined) conditions.push(eq(audit.subject, filter.subject));
  if (filter.actor !== undefined) conditions.push(eq(audit.actor, filter.actor));
  // substr, not LIKE: SQLite's LIKE ignores case and both engines give `_` and `%` meaning.
  if (filter.actionPrefix !== undefined) conditions.push(sql`substr(${audit.action}, 1, CAST(${filter.actionPrefix.length} AS INTEGER)) = ${filter.actionPrefix}`);
  const query = db.select().from(audit);
  const rows = await (conditions.length > 0 ? query.where(and(...conditions)) : query).orderBy(desc(audit.id)).limit(limit + 1);
  return pageOf(rows, limit);
}

export interface NotificationFilter {
  beforeId?: number;
  status?: string;
}

export async function pageOfNotifications(db: Db, filter: NotificationFilter, limit: number): Promise<Page<typeof notifications.$inferSelect>> {
  const conditions: SQL[] = [];
  if (filter.beforeId !== undefined) conditions.push(lt(notifications.id, filter.beforeId));
  if (filter.status !== undefined) conditions.push(eq(notifications.status, filter.status));
  const query = db.select().from(notifications);
  const rows = await (conditions.length > 0 ? query.where(and(...conditions)) : query).orderBy(desc(notifications.id)).limit(limit + 1);
  return pageOf(rows, limit);
}
