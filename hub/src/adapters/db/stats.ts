/** Statistics windows: the msgId dedupe table and the hourly merged buckets. */
import { and, count, eq, gte, inArray, lt, max, sql } from 'drizzle-orm';
import type { Db } from './open';
import { excluded, preparedFor } from './prepared';
import { devices, statsBuckets, statsMessages } from './schema';

export type StatsBucketRow = typeof statsBuckets.$inferSelect;
export type StatsBucketKey = Pick<StatsBucketRow, 'deviceId' | 'model' | 'version' | 'hour'>;

// Ingestion runs these once or twice per window, on the hub's own handle (inside its batch transactions): prepared once.
const statements = preparedFor((db) => {
  const p = sql.placeholder;
  const b = statsBuckets;
  return {
    claim: db
      .insert(statsMessages)
      .values({ msgId: p('msgId'), deviceId: p('deviceId'), model: p('model'), version: p('version'), windowStart: p('windowStart'), receivedAt: p('receivedAt') })
      .onConflictDoNothing()
      .prepare(),
    bucket: db
      .select()
      .from(b)
      .where(and(eq(b.deviceId, p('deviceId')), eq(b.model, p('model')), eq(b.version, p('version')), eq(b.hour, p('hour'))))
      .prepare(),
    bucketHead: db
      .select({ windows: b.windows, updatedAt: b.updatedAt })
      .from(b)
      .where(and(eq(b.deviceId, p('deviceId')), eq(b.model, p('model')), eq(b.version, p('version')), eq(b.hour, p('hour'))))
      .prepare(),
    upsertBucket: db
      .insert(b)
      .values({ deviceId: p('deviceId'), model: p('model'), version: p('version'), hour: p('hour'), sha256: p('sha256'), windows: p('windows'), merged: p('merged'), updatedAt: p('updatedAt') })
      .onConflictDoUpdate({ target: [b.deviceId, b.model, b.version, b.hour], set: { sha256: excluded(b.sha256), windows: excluded(b.windows), merged: excluded(b.merged), updatedAt: excluded(b.updatedAt) } })
      .prepare(),
  };
});

/** Returns false when the msgId was already applied (a redelivery or a replay, also earlier in the same transaction). */
export function claimStatsMessage(db: Db, row: typeof statsMessages.$inferInsert): boolean {
  return statements(db).claim.run({ model: null, version: null, ...row }).changes > 0;
}

/** Forgets msgIds of windows that started before `horizon` (they are refused as too old anyway). */
export function pruneStatsMessages(db: Db, horizon: string): number {
  return db.delete(statsMessages).where(lt(statsMessages.windowStart, horizon)).run().changes;
}

export const getStatsBucket = (db: Db, key: StatsBucketKey): StatsBucketRow | undefined =>
  statements(db).bucket.get({ deviceId: key.deviceId, model: key.model, version: key.version, hour: key.hour });

/** A bucket's window count and last write, without reading (or parsing) what it merged. */
export const getStatsBucketHead = (db: Db, key: StatsBucketKey): Pick<StatsBucketRow, 'windows' | 'updatedAt'> | undefined =>
  statements(db).bucketHead.get({ deviceId: key.deviceId, model: key.model, version: key.version, hour: key.hour });

export function upsertStatsBucket(db: Db, row: StatsBucketRow): void {
  statements(db).upsertBucket.run(row);
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

// Any number of devices, one prepared statement: the ids travel as one JSON array.
const reportingStatement = preparedFor((db) => {
  const p = sql.placeholder;
  const m = statsMessages;
  return db
    .selectDistinct({ deviceId: m.deviceId })
    .from(m)
    .where(and(eq(m.model, p('model')), eq(m.version, p('version')), gte(m.windowStart, p('since')), sql`${m.deviceId} IN (SELECT value FROM json_each(${p('ids')}))`))
    .prepare();
});

/** Devices (of `devices`) that sent a window of `model@version` starting at or after `since` (ISO): exact, unlike hourly buckets. */
export function devicesReportingSince(db: Db, model: string, version: string, since: string, deviceIds: readonly string[]): Set<string> {
  if (deviceIds.length === 0) return new Set();
  return new Set(reportingStatement(db).all({ model, version, since, ids: JSON.stringify(deviceIds) }).map((r) => r.deviceId));
}
