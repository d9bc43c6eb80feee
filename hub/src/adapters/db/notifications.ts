/**
 * The webhook outbox: notifications are rows first, deliveries second (see schema.ts). Async and
 * written once for SQLite and PostgreSQL (db.ts).
 *
 * Delivery claims one notification at a time (claimDueNotification): one statement moves a due
 * row's `next_attempt_at` to the end of a claim window, so no other drainer (another replica's
 * delivery run) sees it as due while it is being sent, and the sender settles it only if its
 * claim still stands (settleNotification). A sender that dies leaves the row to become due
 * again when the window ends: a notification is delivered at least once, and never by two
 * drainers at the same time.
 */
import { and, desc, eq, lte, sql, type SQL } from 'drizzle-orm';
import type { Db } from './db';
import { nextId, skipLocked } from './dialect';
import { notifications } from './schema';

export type NotificationRow = typeof notifications.$inferSelect;

export async function insertNotification(db: Db, row: Omit<typeof notifications.$inferInsert, 'id'>): Promise<number> {
  const inserted = await db
    .insert(notifications)
    .values({ id: nextId(db.engine), ...row })
    .returning({ id: notifications.id })
    .get();
  if (!inserted) throw new Error('the notification insert returned no id');
  return inserted.id;
}

/** The subquery picking the oldest pending notification due by `now`: two claims at once take two different ones. */
function oldestDue(db: Db, now: string): SQL {
  return sql`(SELECT ${notifications.id} FROM ${notifications} WHERE ${notifications.status} = ${'pending'} AND ${notifications.nextAttemptAt} <= ${now} ORDER BY ${notifications.id} LIMIT 1${skipLocked(db.engine)})`;
}

/**
 * Claims the oldest pending notification due by `now` (ISO) until `claimedUntil` (ISO, later
 * than `now`), or resolves undefined when none is due. The row comes back as claimed: its
 * `nextAttemptAt` is the claim's end, which settleNotification checks as the claim's token.
 */
export async function claimDueNotification(db: Db, now: string, claimedUntil: string): Promise<NotificationRow | undefined> {
  // The outer conditions repeat the subquery's: on PostgreSQL a claim that waited for a
  // concurrent one on the same row re-checks them against the committed row and then claims nothing.
  return db
    .update(notifications)
    .set({ nextAttemptAt: claimedUntil })
    .where(and(eq(notifications.id, oldestDue(db, now)), eq(notifications.status, 'pending'), lte(notifications.nextAttemptAt, now)))
    .returning()
    .get();
}

/** What an attempt changed; `nextAttemptAt` always, since the claim's end is no attempt time. */
export type NotificationOutcome = Partial<Pick<NotificationRow, 'status' | 'attempts' | 'deliveredAt' | 'lastError'>> & Pick<NotificationRow, 'nextAttemptAt'>;

/**
 * Records the outcome of a claimed delivery attempt; false when the claim no longer stands (it
 * ran out and another drainer claimed the row again), and nothing is written.
 */
export async function settleNotification(db: Db, claimed: NotificationRow, outcome: NotificationOutcome): Promise<boolean> {
  const { changes } = await db
    .update(notifications)
    .set(outcome)
    .where(and(eq(notifications.id, claimed.id), eq(notifications.status, 'pending'), eq(notifications.nextAttemptAt, claimed.nextAttemptAt), eq(notifications.attempts, claimed.attempts)))
    .run();
  return changes === 1;
}

export const listNotifications = async (db: Db, limit = 100): Promise<NotificationRow[]> => db.select().from(notifications).orderBy(desc(notifications.id)).limit(limit);
