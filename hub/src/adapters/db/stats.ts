/**
 * Statistics windows: the msgId dedupe table and the hourly merged buckets.
 *
 * A window is counted once whichever hub replica ingests it, by the database, not by memory: its
 * msgId is claimed with one `INSERT ... ON CONFLICT DO NOTHING` on the primary key (a second
 * claim, on any connection, waits for the first transaction and then changes nothing), and a
 * bucket is written with an upsert that only applies while the bucket still holds the window
 * count its writer read (upsertStatsBucket), so a merge computed from a stale read is refused
 * instead of overwriting another replica's windows.
 */
import { and, count, eq, gte, inArray, lt, max, sql, type SQL } from 'drizzle-orm';
import type { Db } from './db';
import { inJsonArray, jsonText } from './dialect';
import { excluded, preparedFor } from './prepared';
import { devices, statsBuckets, statsMessages } from './schema';

export type StatsBucketRow = typeof statsBuckets.$inferSelect;
export type StatsBucketKey = Pick<StatsBucketRow, 'deviceId' | 'model' | 'version' | 'hour'>;

/** The stored bucket's window count as the upsert's guard: the existing row, named as the table (excluded is the new one). */
const storedWindows = sql.raw(`"stats_buckets"."windows"`);

// Ingestion runs these once or twice per window, inside its batch transactions: prepared once per handle.
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
      .onConflictDoUpdate({
        target: [b.deviceId, b.model, b.version, b.hour],
        set: { sha256: excluded(b.sha256), windows: excluded(b.windows), merged: excluded(b.merged), updatedAt: excluded(b.updatedAt) },
        setWhere: sql`${storedWindows} = ${p('expectedWindows')}`,
      })
      .prepare(),
  };
});

/** Returns false when the msgId was already applied (a redelivery or a replay, also earlier in the same transaction). */
export async function claimStatsMessage(db: Db, row: typeof statsMessages.$inferInsert): Promise<boolean> {
  return (await statements(db).claim.run({ model: null, version: null, ...row })).changes > 0;
}

/** Forgets msgIds of windows that started before `horizon` (they are refused as too old anyway). */
export async function pruneStatsMessages(db: Db, horizon: string): Promise<number> {
  return (await db.delete(statsMessages).where(lt(statsMessages.windowStart, horizon)).run()).changes;
}

export const getStatsBucket = async (db: Db, key: StatsBucketKey): Promise<StatsBucketRow | undefined> =>
  statements(db).bucket.get({ deviceId: key.deviceId, model: key.model, version: key.version, hour: key.hour });

/** A bucket's window count and last write, without reading (or parsing) what it merged. */
export const getStatsBucketHead = async (db: Db, key: StatsBucketKey): Promise<Pick<StatsBucketRow, 'windows' | 'updatedAt'> | undefined> =>
  statements(db).bucketHead.get({ deviceId: key.deviceId, model: key.model, version: key.version, hour: key.hour });

/**
 * Writes the bucket, merged from the one read with `expectedWindows` windows (0: there was none).
 * Returns false, writing nothing, when the stored bucket changed since (another transaction merged
 * into it or created it): the caller's merge is stale and must be redone from a fresh read.
 */
export async function upsertStatsBucket(db: Db, row: StatsBucketRow, expectedWindows: number): Promise<boolean> {
  return (await statements(db).upsertBucket.run({ ...row, expectedWindows })).changes > 0;
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

/** `tags[key] = value` for a tag key the caller chose (keys are [A-Za-z0-9_.-]; jsonText binds it as a parameter). */
function tagEquals(key: string, value: string): SQL {
  return sql`${jsonText(devices.tags, key)} = ${value}`;
}

export async function listStatsBuckets(db: Db, query: BucketQuery): Promise<StatsBucketRow[]> {
  const conditions = [eq(statsBuckets.model, query.model), eq(statsBuckets.version, query.version), gte(statsBuckets.hour, query.fromHour), lt(statsBuckets.hour, query.to)];
  if (query.device !== undefined) conditions.push(eq(statsBuckets.deviceId, query.device));
  // One parameter whatever the number of devices (a rollout's members may be thousands).
  if (query.devices !== undefined) conditions.push(inJsonArray(db.engine, statsBuckets.deviceId, JSON.stringify(query.devices)));
  if (query.ring !== undefined) {
    const inRing = db.select({ id: devices.id }).from(devices).where(eq(devices.ring, query.ring));
    conditions.push(inArray(statsBuckets.deviceId, inRing));
  }
  if (query.tag !== undefined) {
    const tagged = db.select({ id: devices.id }).from(devices).where(tagEquals(query.tag.key, query.tag.value));
    conditions.push(inArray(statsBuckets.deviceId, tagged));
  }
  return await db.select().from(statsBuckets).where(and(...conditions)).orderBy(statsBuckets.hour, statsBuckets.deviceId);
}

/** Drops merged buckets that ended before `horizon`. */
export async function pruneStatsBuckets(db: Db, horizon: string): Promise<number> {
  return (await db.delete(statsBuckets).where(lt(statsBuckets.hour, horizon)).run()).changes;
}

/** Per hour of one version: how many device buckets and when the last one changed (a cheap change signature). */
export const statsHourSignatures = async (db: Db, model: string, version: string, fromHour: string, to: string): Promise<{ hour: string; buckets: number; updatedAt: string | null }[]> =>
  await db
    .select({ hour: statsBuckets.hour, buckets: count(), updatedAt: max(statsBuckets.updatedAt) })
    .from(statsBuckets)
    .where(and(eq(statsBuckets.model, model), eq(statsBuckets.version, version), gte(statsBuckets.hour, fromHour), lt(statsBuckets.hour, to)))
    .groupBy(statsBuckets.hour)
    .orderBy(statsBuckets.hour);

// Any number of devices, one prepared statement: the ids travel as one JSON array.
const reportingStatement = preparedFor((db) => {
  const p = sql.placeholder;
  const m = statsMessages;
  return db
    .selectDistinct({ deviceId: m.deviceId })
    .from(m)
    .where(and(eq(m.model, p('model')), eq(m.version, p('version')), gte(m.windowStart, p('since')), inJsonArray(db.engine, m.deviceId, p('ids'))))
    .prepare();
});

/** Devices (of `devices`) that sent a window of `model@version` starting at or after `since` (ISO): exact, unlike hourly buckets. */
export async function devicesReportingSince(db: Db, model: string, version: string, since: string, deviceIds: readonly string[]): Promise<Set<string>> {
  if (deviceIds.length === 0) return new Set();
  return new Set((await reportingStatement(db).all({ model, version, since, ids: JSON.stringify(deviceIds) })).map((r) => r.deviceId));
}
