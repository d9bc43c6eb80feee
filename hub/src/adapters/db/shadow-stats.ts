/**
 * Shadow-mode buckets: one candidate's comparisons per device x serving version x hour. Written
 * like the statistics buckets (stats.ts): an upsert guarded by the window count its writer read,
 * so a merge from a stale read is refused instead of overwriting another replica's windows.
 */
import { and, eq, gte, inArray, lt, sql } from 'drizzle-orm';
import type { Db } from './db';
import { inJsonArray } from './dialect';
import { excluded, preparedFor } from './prepared';
import { devices, shadowBuckets } from './schema';

export type ShadowBucketRow = typeof shadowBuckets.$inferSelect;
export type ShadowBucketKey = Pick<ShadowBucketRow, 'deviceId' | 'model' | 'version' | 'hour' | 'shadowModel' | 'shadowVersion' | 'shadowSha256'>;

/** The stored bucket's window count as the upsert's guard (the existing row, named as the table). */
const storedWindows = sql.raw(`"shadow_buckets"."windows"`);

// Ingestion reads and writes these for every window with a shadow section: prepared once per handle.
const statements = preparedFor((db) => {
  const p = sql.placeholder;
  const s = shadowBuckets;
  const byKey = and(
    eq(s.deviceId, p('deviceId')),
    eq(s.model, p('model')),
    eq(s.version, p('version')),
    eq(s.hour, p('hour')),
    eq(s.shadowModel, p('shadowModel')),
    eq(s.shadowVersion, p('shadowVersion')),
    eq(s.shadowSha256, p('shadowSha256')),
  );
  return {
    bucket: db.select().from(s).where(byKey).prepare(),
    upsert: db
      .insert(s)
      .values({
        deviceId: p('deviceId'),
        model: p('model'),
        version: p('version'),
        hour: p('hour'),
        shadowModel: p('shadowModel'),
        shadowVersion: p('shadowVersion'),
        shadowSha256: p('shadowSha256'),
        windows: p('windows'),
        merged: p('merged'),
        updatedAt: p('updatedAt'),
      })
      .onConflictDoUpdate({
        target: [s.deviceId, s.model, s.version, s.hour, s.shadowModel, s.shadowVersion, s.shadowSha256],
        set: { windows: excluded(s.windows), merged: excluded(s.merged), updatedAt: excluded(s.updatedAt) },
        setWhere: sql`${storedWindows} = ${p('expectedWindows')}`,
      })
      .prepare(),
  };
});

export const getShadowBucket = async (db: Db, key: ShadowBucketKey): Promise<ShadowBucketRow | undefined> =>
  statements(db).bucket.get({
    deviceId: key.deviceId,
    model: key.model,
    version: key.version,
    hour: key.hour,
    shadowModel: key.shadowModel,
    shadowVersion: key.shadowVersion,
    shadowSha256: key.shadowSha256,
  });

/**
 * Writes the bucket, merged from the one read with `expectedWindows` windows (0: there was none).
 * Returns false, writing nothing, when the stored bucket changed since: the merge is stale.
 */
export async function upsertShadowBucket(db: Db, row: ShadowBucketRow, expectedWindows: number): Promise<boolean> {
  return (await statements(db).upsert.run({ ...row, expectedWindows })).changes > 0;
}

export interface ShadowBucketQuery {
  /** the candidate that ran as a shadow */
  shadowModel: string;
  shadowVersion: string;
  /** buckets whose hour ends after this (ISO) */
  fromHour: string;
  /** buckets whose hour starts before this (ISO) */
  to: string;
  device?: string;
  ring?: string;
  /** only these devices */
  devices?: readonly string[];
}

export async function listShadowBuckets(db: Db, query: ShadowBucketQuery): Promise<ShadowBucketRow[]> {
  const conditions = [eq(shadowBuckets.shadowModel, query.shadowModel), eq(shadowBuckets.shadowVersion, query.shadowVersion), gte(shadowBuckets.hour, query.fromHour), lt(shadowBuckets.hour, query.to)];
  if (query.device !== undefined) conditions.push(eq(shadowBuckets.deviceId, query.device));
  // One parameter whatever the number of devices (a rollout's members may be thousands).
  if (query.devices !== undefined) conditions.push(inJsonArray(db.engine, shadowBuckets.deviceId, JSON.stringify(query.devices)));
  if (query.ring !== undefined) conditions.push(inArray(shadowBuckets.deviceId, db.select({ id: devices.id }).from(devices).where(eq(devices.ring, query.ring))));
  return await db.select().from(shadowBuckets).where(and(...conditions)).orderBy(shadowBuckets.hour, shadowBuckets.deviceId);
}

/** Drops buckets that ended before `horizon` (the statistics retention). */
export async function pruneShadowBuckets(db: Db, horizon: string): Promise<number> {
  return (await db.delete(shadowBuckets).where(lt(shadowBuckets.hour, horizon)).run()).changes;
}
