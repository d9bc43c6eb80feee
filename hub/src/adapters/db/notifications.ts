/** The webhook outbox: notifications are rows first, deliveries second (see schema.ts). */
import { and, asc, desc, eq, lte } from 'drizzle-orm';
import type { Db } from './open';
import { notifications } from './schema';

export type NotificationRow = typeof notifications.$inferSelect;

export function insertNotification(db: Db, row: typeof notifications.$inferInsert): number {
  return Number(db.insert(notifications).values(row).run().lastInsertRowid);
}

/** Pending notifications due by `now` (ISO), oldest first. */
export const dueNotifications = (db: Db, now: string, limit = 50): NotificationRow[] =>
  db
    .select()
    .from(notifications)
    .where(and(eq(notifications.status, 'pending'), lte(notifications.nextAttemptAt, now)))
    .orderBy(asc(notifications.id))
    .limit(limit)
    .all();

export function updateNotification(db: Db, id: number, patch: Partial<Omit<NotificationRow, 'id' | 'kind' | 'payload' | 'createdAt'>>): void {
  db.update(notifications).set(patch).where(eq(notifications.id, id)).run();
}

export const listNotifications = (db: Db, limit = 100): NotificationRow[] => db.select().from(notifications).orderBy(desc(notifications.id)).limit(limit).all();
