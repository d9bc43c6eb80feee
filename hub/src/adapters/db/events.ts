/** Device events, deduplicated on the device's own event id (by the primary key, whichever replica stores it). */
import { desc, eq, sql } from 'drizzle-orm';
import type { Db } from './db';
import { preparedFor } from './prepared';
import { events } from './schema';

type EventRow = typeof events.$inferSelect;

// One per device event at fleet scale: prepared once per handle (adapters/db/prepared.ts).
const insertStatement = preparedFor((db) => {
  const p = (name: keyof EventRow) => sql.placeholder(name);
  return db.insert(events).values({ deviceId: p('deviceId'), eventId: p('eventId'), kind: p('kind'), code: p('code'), at: p('at'), receivedAt: p('receivedAt'), body: p('body') }).onConflictDoNothing().prepare();
});

/** Returns false when the event was already stored (a redelivery). */
export async function insertEvent(db: Db, row: typeof events.$inferInsert): Promise<boolean> {
  return (await insertStatement(db).run({ ...row, code: row.code ?? null })).changes > 0;
}

export const listEvents = async (db: Db, deviceId: string, limit = 50): Promise<EventRow[]> =>
  db.select().from(events).where(eq(events.deviceId, deviceId)).orderBy(desc(events.at)).limit(limit);
