/** Device rows: credentials, grouping, and the last facts the device reported. */
import { and, eq, isNull, sql } from 'drizzle-orm';
import type { DeviceSecretStore } from '../secrets';
import type { Db } from './open';
import { preparedFor } from './prepared';
import { assignments, deviceSeq, devices } from './schema';

export type DeviceRow = typeof devices.$inferSelect;

// Each runs once per connect, report or batch at fleet scale: prepared once (adapters/db/prepared.ts).
const deviceStatements = preparedFor((db) => ({
  reportedState: db.select({ state: devices.reportedState, decommissionedAt: devices.decommissionedAt }).from(devices).where(eq(devices.id, sql.placeholder('id'))).prepare(),
  // A decommissioned device has no secret any more: the verifier sees it as unknown.
  secretHash: db
    .select({ secretHash: devices.secretHash })
    .from(devices)
    .where(and(eq(devices.id, sql.placeholder('id')), isNull(devices.decommissionedAt)))
    .prepare(),
  updateReport: db
    .update(devices)
    // Wrapped in sql``: drizzle's update types take no bare placeholders, so values go in as SQLite stores them.
    .set({ reportedState: sql`${sql.placeholder('state')}`, lastErrorCode: sql`${sql.placeholder('lastErrorCode')}`, lastSeenAt: sql`${sql.placeholder('seenAt')}` })
    .where(eq(devices.id, sql.placeholder('id')))
    .prepare(),
  // Asked by an external broker's hooks on every CONNECT, PUBLISH and SUBSCRIBE: one column only.
  decommissionedAt: db.select({ decommissionedAt: devices.decommissionedAt }).from(devices).where(eq(devices.id, sql.placeholder('id'))).prepare(),
  // Any number of ids, one statement: they travel as one JSON array.
  setOnlineMany: db
    .update(devices)
    .set({ online: sql`${sql.placeholder('online')}`, lastSeenAt: sql`${sql.placeholder('seenAt')}` })
    .where(sql`${devices.id} IN (SELECT value FROM json_each(${sql.placeholder('ids')}))`)
    .prepare(),
  // One statement: the seq goes up by one, whoever else bumps it (PROTOCOL: strictly increasing).
  bumpSeq: db
    .insert(deviceSeq)
    .values({ deviceId: sql.placeholder('deviceId'), seq: 1 })
    .onConflictDoUpdate({ target: deviceSeq.deviceId, set: { seq: sql`${deviceSeq.seq} + 1` } })
    .returning({ seq: deviceSeq.seq })
    .prepare(),
}));

export function insertDevice(db: Db, row: typeof devices.$inferInsert): void {
  db.insert(devices).values(row).run();
}

export const getDevice = (db: Db, id: string): DeviceRow | undefined => db.select().from(devices).where(eq(devices.id, id)).get();

export const listDevices = (db: Db): DeviceRow[] => db.select().from(devices).orderBy(devices.id).all();

/** What the rollout controller reads of each device on every pass (services/rollouts/rollouts.ts fleetView). */
export interface FleetRow {
  id: string;
  ring: string;
  tags: Record<string, string>;
  online: boolean;
  assignedModel: string | null;
  assignedVersion: string | null;
  assignedSeq: number | null;
  /** the last report as stored (checked against the protocol's schema before it was stored), null before any */
  reported: unknown;
}

// Rows come back as better-sqlite3 makes them: mapping 10,000 rows through drizzle (and
// checking every stored report against the schema again) was most of a controller pass
// (PERF "The hub at fleet scale"). Extracting the report's fields in SQLite (json_extract per
// field) was slower than one JSON.parse each.
const fleetQuery = sql`
  SELECT d.id AS id, d.ring AS ring, d.tags AS tags, d.online AS online, d.reported_state AS reported,
    a.model AS assignedModel, a.version AS assignedVersion, a.seq AS assignedSeq
  FROM ${devices} d LEFT JOIN ${assignments} a ON a.device_id = d.id
  WHERE d.decommissioned_at IS NULL
  ORDER BY d.id`;

type StoredFleetRow = Omit<FleetRow, 'tags' | 'online' | 'reported'> & { tags: string; online: number; reported: string | null };

/** Every device in service (not decommissioned) with its assignment and its last report; one statement. */
export function listFleetRows(db: Db): FleetRow[] {
  return db.all<StoredFleetRow>(fleetQuery).map((row) => ({
    ...row,
    tags: JSON.parse(row.tags) as Record<string, string>,
    online: row.online === 1,
    reported: row.reported === null ? null : (JSON.parse(row.reported) as unknown),
  }));
}

export function getSecretHash(db: Db, id: string): string | undefined {
  return deviceStatements(db).secretHash.get({ id })?.secretHash;
}

/**
 * Writes `next` only over the hash that was verified (`expected`): a row changed meanwhile wins.
 * True when the row was updated.
 */
export function replaceSecretHash(db: Db, id: string, expected: string, next: string): boolean {
  return db.update(devices).set({ secretHash: next }).where(and(eq(devices.id, id), eq(devices.secretHash, expected))).run().changes === 1;
}

/** A new secret hash for a device in service; false when it is unknown or decommissioned. */
export function setSecretHash(db: Db, id: string, next: string): boolean {
  return db.update(devices).set({ secretHash: next }).where(and(eq(devices.id, id), isNull(devices.decommissionedAt))).run().changes === 1;
}

/** Marks a device in service decommissioned and offline; false when it is unknown or already was. */
export function markDecommissioned(db: Db, id: string, at: string): boolean {
  return db.update(devices).set({ decommissionedAt: at, online: false }).where(and(eq(devices.id, id), isNull(devices.decommissionedAt))).run().changes === 1;
}

/** Rows whose stored secret hash starts with `prefix` (e.g. a scheme and key id). */
export function countSecretHashesWithPrefix(db: Db, prefix: string): number {
  const row = db
    .select({ count: sql<number>`count(*)` })
    .from(devices)
    .where(sql`substr(${devices.secretHash}, 1, ${prefix.length}) = ${prefix}`)
    .get();
  return row?.count ?? 0;
}

/** The devices table as the credential verifier's store. */
export function deviceSecretStore(db: Db): DeviceSecretStore {
  return {
    lookup: (id) => getSecretHash(db, id),
    replace: (id, expected, next) => replaceSecretHash(db, id, expected, next),
    countWithPrefix: (prefix) => countSecretHashesWithPrefix(db, prefix),
  };
}

export function updateReportedState(db: Db, id: string, state: unknown, lastErrorCode: string | null, seenAt: string): void {
  deviceStatements(db).updateReport.run({ id, state: JSON.stringify(state), lastErrorCode, seenAt });
}

export function setOnline(db: Db, id: string, online: boolean, seenAt: string): boolean {
  const before = db.select({ online: devices.online }).from(devices).where(eq(devices.id, id)).get();
  if (!before) return false;
  db.update(devices).set({ online, lastSeenAt: seenAt }).where(eq(devices.id, id)).run();
  return before.online !== online;
}

// One prepared statement whatever the number of ids: they travel as one JSON array.
const presenceStatement = preparedFor((db) =>
  db
    .select({ id: devices.id, online: devices.online })
    .from(devices)
    .where(sql`${devices.id} IN (SELECT value FROM json_each(${sql.placeholder('ids')}))`)
    .prepare(),
);

/**
 * Presence of many devices at once (ingestion batches): the online flag of each of `ids` that is
 * enrolled; ids missing from the map are not devices.
 */
export function onlineFlags(db: Db, ids: readonly string[]): Map<string, boolean> {
  return new Map(presenceStatement(db).all({ ids: JSON.stringify(ids) }).map((row) => [row.id, row.online]));
}

/** Sets the online flag and last-seen time of many devices in one statement. */
export function setOnlineMany(db: Db, ids: readonly string[], online: boolean, seenAt: string): void {
  if (ids.length > 0) deviceStatements(db).setOnlineMany.run({ ids: JSON.stringify(ids), online: online ? 1 : 0, seenAt });
}

/** The last reported state as stored (unparsed); undefined when there is no such device. */
/** Whether `id` is a device, and if so whether it was decommissioned (its time) or is in service (null). */
export function deviceDecommissionedAt(db: Db, id: string): { decommissionedAt: string | null } | undefined {
  return deviceStatements(db).decommissionedAt.get({ id });
}

/** The last report of a known device, and whether it was decommissioned (undefined: no such device). */
export function getStoredReport(db: Db, id: string): { state: unknown; decommissionedAt: string | null } | undefined {
  return deviceStatements(db).reportedState.get({ id });
}

/** On start nobody is connected yet, whatever the last run recorded. */
export function markAllOffline(db: Db): void {
  db.update(devices).set({ online: false }).where(eq(devices.online, true)).run();
}

/** PROTOCOL: seq strictly increases per device. Returns the new value, committed by the caller's transaction. */
export function bumpSeq(db: Db, deviceId: string): number {
  const row = deviceStatements(db).bumpSeq.get({ deviceId });
  if (!row) throw new Error(`could not bump the seq of ${deviceId}`);
  return row.seq;
}

export function updateDevicePlacement(db: Db, id: string, patch: { ring?: string; tags?: Record<string, string> }): void {
  db.update(devices).set(patch).where(eq(devices.id, id)).run();
}
