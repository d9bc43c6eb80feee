/** Device events, deduplicated on the device's own event id. */
import { desc, eq } from 'drizzle-orm';
import type { Db } from './open';
import { events } from './schema';

/** Returns false when the event was already stored (a redelivery). */
export function insertEvent(db: Db, row: typeof events.$inferInsert): boolean {
  return db.insert(events).values(row).onConflictDoNothing().run().changes > 0;
}

export const listEvents = (db: Db, deviceId: string, limit = 50): Array<typeof events.$inferSelect> =>
  db.select().from(events).where(eq(events.deviceId, deviceId)).orderBy(desc(events.at)).limit(limit).all();
