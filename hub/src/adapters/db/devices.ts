/** Device rows: credentials, grouping, and the last facts the device reported. */
import { eq } from 'drizzle-orm';
import type { Db } from './open';
import { deviceSeq, devices } from './schema';

export type DeviceRow = typeof devices.$inferSelect;

export function insertDevice(db: Db, row: typeof devices.$inferInsert): void {
  db.insert(devices).values(row).run();
}

export const getDevice = (db: Db, id: string): DeviceRow | undefined => db.select().from(devices).where(eq(devices.id, id)).get();

export const listDevices = (db: Db): DeviceRow[] => db.select().from(devices).orderBy(devices.id).all();

export function getSecretHash(db: Db, id: string): string | undefined {
  return db.select({ secretHash: devices.secretHash }).from(devices).where(eq(devices.id, id)).get()?.secretHash;
}

export function updateReportedState(db: Db, id: string, state: unknown, lastErrorCode: string | null, seenAt: string): void {
  db.update(devices).set({ reportedState: state, lastErrorCode, lastSeenAt: seenAt }).where(eq(devices.id, id)).run();
}

export function setOnline(db: Db, id: string, online: boolean, seenAt: string): boolean {
  const before = db.select({ online: devices.online }).from(devices).where(eq(devices.id, id)).get();
  if (!before) return false;
  db.update(devices).set({ online, lastSeenAt: seenAt }).where(eq(devices.id, id)).run();
  return before.online !== online;
}

/** On start nobody is connected yet, whatever the last run recorded. */
export function markAllOffline(db: Db): void {
  db.update(devices).set({ online: false }).where(eq(devices.online, true)).run();
}

/** PROTOCOL: seq strictly increases per device. Returns the new value, committed by the caller's transaction. */
export function bumpSeq(db: Db, deviceId: string): number {
  const current = db.select({ seq: deviceSeq.seq }).from(deviceSeq).where(eq(deviceSeq.deviceId, deviceId)).get();
  const next = (current?.seq ?? 0) + 1;
  db.insert(deviceSeq).values({ deviceId, seq: next }).onConflictDoUpdate({ target: deviceSeq.deviceId, set: { seq: next } }).run();
  return next;
}

export function updateDevicePlacement(db: Db, id: string, patch: { ring?: string; tags?: Record<string, string> }): void {
  db.update(devices).set(patch).where(eq(devices.id, id)).run();
}
