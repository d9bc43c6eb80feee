/**
 * Device rows: credentials, grouping, and the last facts the device reported. Async, written once
 * for SQLite and PostgreSQL (db.ts); several hub replicas may share the rows, so every
 * read-then-write a caller needs is either one statement here or done under `lockDevices`.
 */
import { and, eq, isNull, sql, gt, isNotNull, type SQL } from 'drizzle-orm';
import type { DeviceSecretStore } from '../secrets';
import type { Db } from './db';
import { inJsonArray, jsonText } from './dialect';
import { preparedFor } from './prepared';
import { assignments, deviceSeq, devices } from './schema';

export type DeviceRow = typeof devices.$inferSelect;

// Each runs once per connect, report or batch at fleet scale: prepared once per handle (adapters/db/prepared.ts).
const deviceStatements = preparedFor((db) => ({
  reportedState: db.select({ state: devices.reportedState, decommissionedAt: devices.decommissionedAt }).from(devices).where(eq(devices.id, sql.placeholder('id'))).prepare(),
  // Many devices' reports in one statement (assigning a chunk of a rollout step).
  reportedStates: db
    .select({ id: devices.id, state: devices.reportedState, decommissionedAt: devices.decommissionedAt })
    .from(devices)
    .where(inJsonArray(db.engine, devices.id, sql.placeholder('ids')))
    .prepare(),
  // A decommissioned device has no secret any more: the verifier sees it as unknown.
  secretHash: db
    .select({ secretHash: devices.secretHash })
    .from(devices)
    .where(and(eq(devices.id, sql.placeholder('id')), isNull(devices.decommissionedAt)))
    .prepare(),
  updateReport: db
    .update(devices)
    // Wrapped in sql``: drizzle's update types take no bare placeholders, so values go in as the database stores them.
    .set({ reportedState: sql`${sql.placeholder('state')}`, lastErrorCode: sql`${sql.placeholder('lastErrorCode')}`, lastSeenAt: sql`${sql.placeholder('seenAt')}` })
    .where(eq(devices.id, sql.placeholder('id')))
    .prepare(),
  // Asked by an external broker's hooks on every CONNECT, PUBLISH and SUBSCRIBE: one column only.
  decommissionedAt: db.select({ decommissionedAt: devices.decommissionedAt }).from(devices).where(eq(devices.id, sql.placeholder('id'))).prepare(),
  // Any number of ids, one statement: they travel as one JSON array.
  setOnlineMany: db
    .update(devices)
    .set({ online: sql`${sql.placeholder('online')}`, lastSeenAt: sql`${sql.placeholder('seenAt')}` })
    .where(inJsonArray(db.engine, devices.id, sql.placeholder('ids')))
    .prepare(),
  presence: db
    .select({ id: devices.id, online: devices.online })
    .from(devices)
    .where(inJsonArray(db.engine, devices.id, sql.placeholder('ids')))
    .prepare(),
  // One statement: the seq goes up by one, whoever else bumps it, on this replica or another
  // (PROTOCOL: strictly increasing). The upsert holds the row's lock until the caller commits, so
  // a second bump waits and then counts from the committed value.
  bumpSeq: db
    .insert(deviceSeq)
    .values({ deviceId: sql.placeholder('deviceId'), seq: 1 })
    .onConflictDoUpdate({ target: deviceSeq.deviceId, set: { seq: sql`${deviceSeq.seq} + 1` } })
    .returning({ seq: deviceSeq.seq })
    .prepare(),
  // PostgreSQL only (SQLite's transaction already holds the one write lock). Locked in id order,
  // so two replicas locking overlapping sets of devices cannot deadlock.
  lockDevices: db.engine === 'postgres' ? db.prepare(sql`SELECT 1 FROM ${devices} WHERE ${inJsonArray(db.engine, devices.id, sql.placeholder('ids'))} ORDER BY ${devices.id} FOR UPDATE`) : null,
}));

export async function insertDevice(db: Db, row: typeof devices.$inferInsert): Promise<void> {
  await db.insert(devices).values(row);
}

export const getDevice = async (db: Db, id: string): Promise<DeviceRow | undefined> => db.select().from(devices).where(eq(devices.id, id)).get();

export const listDevices = async (db: Db): Promise<DeviceRow[]> => db.select().from(devices).orderBy(devices.id);

/**
 * Locks these devices' rows until the caller's transaction ends (`db` must be one), so what it
 * reads of them (decommissioned or not, the stored report, the assignment) stays true until it
 * writes, whichever replica changes the same devices. A no-op on SQLite, whose transaction
 * already holds the only write lock.
 */
export async function lockDevices(db: Db, ids: readonly string[]): Promise<void> {
  const lock = deviceStatements(db).lockDevices;
  if (lock && ids.length > 0) await lock.rows({ ids: JSON.stringify(ids) });
}

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

// Rows come back as the driver makes them: mapping 10,000 rows through drizzle (and checking
// every stored report against the schema again) was most of a controller pass (PERF "The hub at
// fleet scale"). Extracting the report's fields in SQL (one JSON function per field) was slower
// than one JSON.parse each. The aliases are quoted: PostgreSQL folds unquoted ones to lower case.
const fleetQuery = sql`
  SELECT d.id AS id, d.ring AS ring, d.tags AS tags, d.online AS online, d.reported_state AS reported,
    a.model AS "assignedModel", a.version AS "assignedVersion", a.seq AS "assignedSeq"
  FROM ${devices} d LEFT JOIN ${assignments} a ON a.device_id = d.id
  WHERE d.decommissioned_at IS NULL
  ORDER BY d.id`;

// Both engines give booleans as 1/0 and JSON as its text (postgres-connection.ts).
type StoredFleetRow = Omit<FleetRow, 'tags' | 'online' | 'reported'> & { tags: string; online: number; reported: string | null };

const fleetStatement = preparedFor((db) => db.prepare(fleetQuery));

/** Every device in service (not decommissioned) with its assignment and its last report; one statement. */
export async function listFleetRows(db: Db): Promise<FleetRow[]> {
  return (await fleetStatement(db).rows<StoredFleetRow>()).map((row) => ({
    ...row,
    tags: JSON.parse(row.tags) as Record<string, string>,
    online: row.online === 1,
    reported: row.reported === null ? null : (JSON.parse(row.reported) as unknown),
  }));
}

export async function getSecretHash(db: Db, id: string): Promise<string | undefined> {
  return (await deviceStatements(db).secretHash.get({ id }))?.secretHash;
}

/**
 * Writes `next` only over the hash that was verified (`expected`): a row changed meanwhile wins.
 * True when the row was updated.
 */
export async function replaceSecretHash(db: Db, id: string, expected: string, next: string): Promise<boolean> {
  return (await db.update(devices).set({ secretHash: next }).where(and(eq(devices.id, id), eq(devices.secretHash, expected))).run()).changes === 1;
}

/** A new secret hash for a device in service; false when it is unknown or decommissioned. */
export async function setSecretHash(db: Db, id: string, next: string): Promise<boolean> {
  return (await db.update(devices).set({ secretHash: next }).where(and(eq(devices.id, id), isNull(devices.decommissionedAt))).run()).changes === 1;
}

/** Marks a device in service decommissioned and offline; false when it is unknown or already was. */
export async function markDecommissioned(db: Db, id: string, at: string): Promise<boolean> {
  return (await db.update(devices).set({ decommissionedAt: at, online: false }).where(and(eq(devices.id, id), isNull(devices.decommissionedAt))).run()).changes === 1;
}

/** Rows whose stored secret hash starts with `prefix` (e.g. a scheme and key id); case-sensitive on both engines, unlike LIKE. */
export async function countSecretHashesWithPrefix(db: Db, prefix: string): Promise<number> {
  const row = await db
    .select({ count: sql<number>`count(*)` })
    .from(devices)
    .where(sql`substr(${devices.secretHash}, 1, CAST(${prefix.length} AS integer)) = CAST(${prefix} AS text)`)
    .get();
  return Number(row?.count ?? 0);
}

/** The devices table as the credential verifier's store. */
export function deviceSecretStore(db: Db): DeviceSecretStore {
  return {
    lookup: (id) => getSecretHash(db, id),
    replace: (id, expected, next) => replaceSecretHash(db, id, expected, next),
    countWithPrefix: (prefix) => countSecretHashesWithPrefix(db, prefix),
  };
}

export async function updateReportedState(db: Db, id: string, state: unknown, lastErrorCode: string | null, seenAt: string): Promise<void> {
  await deviceStatements(db).updateReport.run({ id, state: JSON.stringify(state), lastErrorCode, seenAt });
}

/**
 * Presence of many devices at once (ingestion batches): the online flag of each of `ids` that is
 * enrolled; ids missing from the map are not devices.
 */
export async function onlineFlags(db: Db, ids: readonly string[]): Promise<Map<string, boolean>> {
  if (ids.length === 0) return new Map();
  return new Map((await deviceStatements(db).presence.all({ ids: JSON.stringify(ids) })).map((row) => [row.id, row.online]));
}

/** Sets the online flag and last-seen time of many devices in one statement. */
export async function setOnlineMany(db: Db, ids: readonly string[], online: boolean, seenAt: string): Promise<void> {
  // 1/0: what SQLite binds for a boolean, and a valid boolean literal for PostgreSQL.
  if (ids.length > 0) await deviceStatements(db).setOnlineMany.run({ ids: JSON.stringify(ids), online: online ? 1 : 0, seenAt });
}

/** Whether `id` is a device, and if so whether it was decommissioned (its time) or is in service (null). */
export async function deviceDecommissionedAt(db: Db, id: string): Promise<{ decommissionedAt: string | null } | undefined> {
  return deviceStatements(db).decommissionedAt.get({ id });
}

/** The last report of a known device, and whether it was decommissioned (undefined: no such device). */
export async function getStoredReport(db: Db, id: string): Promise<{ state: unknown; decommissionedAt: string | null } | undefined> {
  return deviceStatements(db).reportedState.get({ id });
}

/** `getStoredReport` of many devices in one statement; ids missing from the map are not devices. */
export async function getStoredReports(db: Db, ids: readonly string[]): Promise<Map<string, { state: unknown; decommissionedAt: string | null }>> {
  if (ids.length === 0) return new Map();
  const rows = await deviceStatements(db).reportedStates.all({ ids: JSON.stringify(ids) });
  return new Map(rows.map(({ id, state, decommissionedAt }) => [id, { state, decommissionedAt }]));
}

/**
 * On start nobody is connected yet, whatever the last run recorded (the embedded broker: its
 * devices can only be connected to this hub).
 */
export async function markAllOffline(db: Db): Promise<number> {
  return (await db.update(devices).set({ online: false }).where(eq(devices.online, true)).run()).changes;
}

/**
 * PROTOCOL: seq strictly increases per device. Returns the new value, committed by the caller's
 * transaction; until then the device's seq row stays locked, so concurrent bumps (any replica)
 * get consecutive values in the order they commit.
 */
export async function bumpSeq(db: Db, deviceId: string): Promise<number> {
  const row = await deviceStatements(db).bumpSeq.get({ deviceId });
  if (!row) throw new Error(`could not bump the seq of ${deviceId}`);
  return row.seq;
}

export async function updateDevicePlacement(db: Db, id: string, patch: { ring?: string; tags?: Record<string, string> }): Promise<boolean> {
  if (patch.ring === undefined && patch.tags === undefined) return (await getDevice(db, id)) !== undefined;
  return (await db.update(devices).set(patch).where(eq(devices.id, id)).run()).changes === 1;
}

/** Which devices a page lists (all optional; together they narrow). */
export interface DevicePageFilter {
  ring?: string;
  /** a tag key and the value it must have */
  tag?: { key: string; value: string };
  /** online, offline (both in service), or decommissioned */
  status?: 'online' | 'offline' | 'decommissioned';
  /** assigned this model (and this version, when given) */
  model?: string;
  version?: string;
  /** ids containing this text, case-insensitively */
  idContains?: string;
}

/** `%`, `_` and the escape character itself match themselves in a LIKE pattern. */
const likeLiteral = (text: string): string => text.replace(/[\\%_]/g, (c) => `\\${c}`);

/**
 * One page of devices in id order (byte order on both engines; PostgreSQL databases are created
 * with the C collation), after the id `after`, with their assignments: keyset pagination, so a
 * page costs the same at the fleet's end as at its start. Returns up to `limit + 1` rows: the
 * extra one says there is a next page.
 */
export async function listDevicePage(db: Db, page: { after?: string; limit: number; filter: DevicePageFilter }): Promise<Array<{ device: DeviceRow; assignment: typeof assignments.$inferSelect | null }>> {
  const { filter } = page;
  const conditions: SQL[] = [];
  if (page.after !== undefined) conditions.push(gt(devices.id, page.after));
  if (filter.ring !== undefined) conditions.push(eq(devices.ring, filter.ring));
  if (filter.tag !== undefined) conditions.push(sql`${jsonText(devices.tags, filter.tag.key)} = ${filter.tag.value}`);
  if (filter.status === 'decommissioned') conditions.push(isNotNull(devices.decommissionedAt));
  else if (filter.status !== undefined) conditions.push(and(isNull(devices.decommissionedAt), eq(devices.online, filter.status === 'online')) as SQL);
  if (filter.model !== undefined) conditions.push(eq(assignments.model, filter.model));
  if (filter.version !== undefined) conditions.push(eq(assignments.version, filter.version));
  if (filter.idContains !== undefined) conditions.push(sql`lower(${devices.id}) LIKE ${`%${likeLiteral(filter.idContains.toLowerCase())}%`} ESCAPE '\\'`);
  const rows = await db
    .select({ device: devices, assignment: assignments })
    .from(devices)
    .leftJoin(assignments, eq(assignments.deviceId, devices.id))
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    .orderBy(devices.id)
    .limit(page.limit + 1);
  return rows;
}
