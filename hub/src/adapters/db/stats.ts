/** Statistics windows: the msgId dedupe table and the hourly merged buckets. */
import { and, count, eq, gte, inArray, lt, max, sql } from 'drizzle-orm';
import type { Db } from './open';
import { devices, statsBuckets, statsMessages } from './schema';

export type StatsBucketRow = typeof statsBuckets.$inferSelect;

/** Returns false when the msgId was already applied (a redelivery or a replay). */
export function claimStatsMessage(db: Db, row: typeof statsMessages.$inferInsert): boolean {
  return db.insert(statsMessages).values(row).onConflictDoNothing().run().changes > 0;
}

/** Forgets msgIds of windows that started before `horizon` (they are refused as too old anyway). */
export function pruneStatsMessages(db: Db, horizon: string): number {
  return db.delete(statsMessages).where(lt(statsMessages.windowStart, horizon)).run().changes;
}

export const getStatsBucket = (db: Db, key: { deviceId: string; model: string; version: string; hour: string }): StatsBucketRow | undefined =>
  db
    .select()
    .from(statsBuckets)
    .where(and(eq(statsBuckets.deviceId, key.deviceId), eq(statsBuckets.model, key.model), eq(statsBuckets.version, key.version), eq(statsBuckets.hour, key.hour)))
    .get();

export function upsertStatsBucket(db: Db, row: typeof statsBuckets.$inferInsert): void {
  db.insert(statsBuckets)
    .values(row)
    .onConflictDoUpdate({
      target: [statsBuckets.deviceId, statsBuckets.model, statsBuckets.version, statsBuckets.hour],
      set: { sha256: row.sha256, windows: row.windows, merged: row.merged, updatedAt: row.updatedAt },
    })
    .run();
}

export interface BucketQuery {
  model: string;
  version: string;
  /** buckets whose hour ends after this (ISO) */
  fromHour: string;
  /** buckets whose hour starts before this (ISO) */
  to: string;
  device?: string;
  ring?: string;
  /** only devices carrying this tag with this value */
  tag?: { key: string; value: string };
  /** only these devices */
  devices?: readonly string[];
}

export function listStatsBuckets(db: Db, query: BucketQuery): StatsBucketRow[] {
  const conditions = [eq(statsBuckets.model, query.model), eq(statsBuckets.version, query.version), gte(statsBuckets.hour, query.fromHour), lt(statsBuckets.hour, query.to)];
  if (query.device !== undefined) conditions.push(eq(statsBuckets.deviceId, query.device));
  if (query.devices !== undefined) conditions.push(inArray(statsBuckets.deviceId, [...query.devices]));
  if (query.ring !== undefined) {
    const inRing = db.select({ id: devices.id }).from(devices).where(eq(devices.ring, query.ring));
    conditions.push(inArray(statsBuckets.deviceId, inRing));
  }
  if (query.tag !== undefined) {
    // Tag keys are [A-Za-z0-9_.-]: quoted in the JSON path so a dot stays part of the key.
    const tagged = db.select({ id: devices.id }).from(devices).where(sql`json_extract(${devices.tags}, ${`$."${query.tag.key}"`}) = ${query.tag.value}`);
    conditions.push(inArray(statsBuckets.deviceId, tagged));
  }
  return db.select().from(statsBuckets).where(and(...conditions)).orderBy(statsBuckets.hour, statsBuckets.deviceId).all();
}

/** Drops merged buckets that ended before `horizon`. */
export function pruneStatsBuckets(db: Db, horizon: string): number {
  return db.delete(statsBuckets).where(lt(statsBuckets.hour, horizon)).run().changes;
}

/** Per hour of one version: how many device buckets and when the last one changed (a cheap change signature). */
export const statsHourSignatures = (db: Db, model: string, version: string, fromHour: string, to: string): { hour: string; buckets: number; updatedAt: string | null }[] =>
  db
    .select({ hour: statsBuckets.hour, buckets: count(), updatedAt: max(statsBuckets.updatedAt) })
    .from(statsBuckets)
    .where(and(eq(statsBuckets.model, model), eq(statsBuckets.version, version), gte(statsBuckets.hour, fromHour), lt(statsBuckets.hour, to)))
    .groupBy(statsBuckets.hour)
    .orderBy(statsBuckets.hour)
    .all();

/** Devices (of `devices`) that sent a window of `model@version` starting at or after `since` (ISO): exact, unlike hourly buckets. */
export function devicesReportingSince(db: Db, model: string, version: string, since: string, deviceIds: readonly string[]): Set<string> {
  if (deviceIds.length === 0) return new Set();
  const rows = db
    .selectDistinct({ deviceId: statsMessages.deviceId })
    .from(statsMessages)
    .where(and(eq(statsMessages.model, model), eq(statsMessages.version, version), gte(statsMessages.windowStart, since), inArray(statsMessages.deviceId, [...deviceIds])))
    .all();
  return new Set(rows.map((r) => r.deviceId));
}
