/** Shadow-mode buckets: one candidate's comparisons per device x serving version x hour. */
import { and, eq, gte, inArray, lt } from 'drizzle-orm';
import type { Db } from './open';
import { devices, shadowBuckets } from './schema';

export type ShadowBucketRow = typeof shadowBuckets.$inferSelect;
export type ShadowBucketKey = Pick<ShadowBucketRow, 'deviceId' | 'model' | 'version' | 'hour' | 'shadowModel' | 'shadowVersion' | 'shadowSha256'>;

export const getShadowBucket = (db: Db, key: ShadowBucketKey): ShadowBucketRow | undefined =>
  db
    .select()
    .from(shadowBuckets)
    .where(
      and(
        eq(shadowBuckets.deviceId, key.deviceId),
        eq(shadowBuckets.model, key.model),
        eq(shadowBuckets.version, key.version),
        eq(shadowBuckets.hour, key.hour),
        eq(shadowBuckets.shadowModel, key.shadowModel),
        eq(shadowBuckets.shadowVersion, key.shadowVersion),
        eq(shadowBuckets.shadowSha256, key.shadowSha256),
      ),
    )
    .get();

export function upsertShadowBucket(db: Db, row: ShadowBucketRow): void {
  db.insert(shadowBuckets)
    .values(row)
    .onConflictDoUpdate({
      target: [shadowBuckets.deviceId, shadowBuckets.model, shadowBuckets.version, shadowBuckets.hour, shadowBuckets.shadowModel, shadowBuckets.shadowVersion, shadowBuckets.shadowSha256],
      set: { windows: row.windows, merged: row.merged, updatedAt: row.updatedAt },
    })
    .run();
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

export function listShadowBuckets(db: Db, query: ShadowBucketQuery): ShadowBucketRow[] {
  const conditions = [eq(shadowBuckets.shadowModel, query.shadowModel), eq(shadowBuckets.shadowVersion, query.shadowVersion), gte(shadowBuckets.hour, query.fromHour), lt(shadowBuckets.hour, query.to)];
  if (query.device !== undefined) conditions.push(eq(shadowBuckets.deviceId, query.device));
  if (query.devices !== undefined) conditions.push(inArray(shadowBuckets.deviceId, [...query.devices]));
  if (query.ring !== undefined) conditions.push(inArray(shadowBuckets.deviceId, db.select({ id: devices.id }).from(devices).where(eq(devices.ring, query.ring))));
  return db.select().from(shadowBuckets).where(and(...conditions)).orderBy(shadowBuckets.hour, shadowBuckets.deviceId).all();
}

/** Drops buckets that ended before `horizon` (the statistics retention). */
export function pruneShadowBuckets(db: Db, horizon: string): number {
  return db.delete(shadowBuckets).where(lt(shadowBuckets.hour, horizon)).run().changes;
}
