/** Enrolment, secret rotation, decommissioning, and the admin's view of a device. */
import { desiredTopic, reportedStateSchema, type ReportedState } from '@edgefleet/protocol';
import { conflict, notFound, validation } from '../../core/errors';
import { writeAudit } from '../../adapters/db/audit';
import { deleteAssignment, getAssignment, type AssignmentRow } from '../../adapters/db/assignments';
import { getDevice, insertDevice, listDevicePage, lockDevices, markDecommissioned, setSecretHash, updateDevicePlacement, type DevicePageFilter, type DeviceRow } from '../../adapters/db/devices';
import { isUniqueViolation } from '../../adapters/db/dialect';
import { generateSecret } from '../../adapters/secrets';
import type { HubContext } from '../context';

export interface EnrolInput {
  id: string;
  ring: string;
  tags: Record<string, string>;
}

type EnrolDeps = Pick<HubContext, 'db' | 'credentials' | 'provisioner' | 'locks' | 'now'>;

/**
 * The secret is returned once and only its keyed hash (HMAC-SHA256 under the hub's key) is kept.
 * `auditDetails`: more for the device.enrolled row (e.g. the enrolment token a browser used).
 */
export function enrolDevice(ctx: EnrolDeps, input: EnrolInput, actor: string, auditDetails: Record<string, unknown> = {}): Promise<{ id: string; secret: string }> {
  // Lifecycle changes of one device are serialised in this process: the broker account and the
  // row move together. Another replica enrolling the same id loses at the primary key below.
  return ctx.locks.devices.run(input.id, () => enrol(ctx, input, actor, auditDetails));
}

async function enrol(ctx: EnrolDeps, input: EnrolInput, actor: string, auditDetails: Record<string, unknown>): Promise<{ id: string; secret: string }> {
  const existing = await getDevice(ctx.db, input.id);
  if (existing) throw conflict(`device ${input.id} already exists${existing.decommissionedAt ? ` (decommissioned at ${existing.decommissionedAt}; its id is not reused, so its history stays its own)` : ''}`);
  const secret = generateSecret();
  const secretHash = ctx.credentials.hash(secret);
  // The broker account first: a crash after it leaves an account nobody knows the secret of,
  // which the next start removes (provisioner.reconcile); the other order would leave a device
  // that can never connect.
  await ctx.provisioner.deviceCreated(input.id, secret);
  const now = ctx.now();
  try {
    await ctx.db.transaction(async (tx) => {
      await insertDevice(tx, { id: input.id, secretHash, ring: input.ring, tags: input.tags, createdAt: now.toISOString() });
      await writeAudit(tx, { at: now, actor, action: 'device.enrolled', subject: `device:${input.id}`, details: { ...auditDetails, ring: input.ring, tags: input.tags } });
    });
  } catch (error) {
    if (ctx.provisioner.kind !== 'none') await ctx.provisioner.deviceRemoved(input.id).catch(() => undefined);
    // Two enrolments of one id racing across the broker round trip (another replica's: this
    // one's are serialised above): the second loses here.
    if (isUniqueViolation(error)) throw conflict(`device ${input.id} already exists`);
    throw error;
  }
  return { id: input.id, secret };
}

/** Moves a device to another ring or replaces its tags (ROLLOUTS: devices are assigned on enrolment or later). */
export async function placeDevice(ctx: Pick<HubContext, 'db' | 'now'>, id: string, patch: { ring?: string; tags?: Record<string, string> }, actor: string): Promise<void> {
  const now = ctx.now();
  await ctx.db.transaction(async (tx) => {
    // Locked before it is read: the audit's "from" is what this change replaced, whichever replica placed it last.
    await lockDevices(tx, [id]);
    const row = await getDevice(tx, id);
    if (!row) throw notFound(`device ${id}`);
    await updateDevicePlacement(tx, id, patch);
    await writeAudit(tx, { at: now, actor, action: 'device.placed', subject: `device:${id}`, details: { from: { ring: row.ring, tags: row.tags }, to: { ring: patch.ring ?? row.ring, tags: patch.tags ?? row.tags } } });
  });
}

/** A device in service, or a 409 naming when it was decommissioned (404 when unknown). */
async function inService(db: HubContext['db'], id: string): Promise<DeviceRow> {
  const row = await getDevice(db, id);
  if (!row) throw notFound(`device ${id}`);
  if (row.decommissionedAt) throw conflict(`device ${id} was decommissioned at ${row.decommissionedAt}`);
  return row;
}

type LifecycleDeps = Pick<HubContext, 'db' | 'credentials' | 'broker' | 'provisioner' | 'locks' | 'now' | 'logger'>;

/**
 * A new secret, returned once; the old one stops verifying at the commit, and the device's live
 * MQTT session (opened with the old one) is ended, so it must come back with the new secret.
 */
export function rotateDeviceSecret(ctx: LifecycleDeps, id: string, actor: string): Promise<{ id: string; secret: string; sessionEnded: boolean }> {
  return ctx.locks.devices.run(id, () => rotate(ctx, id, actor));
}

async function rotate(ctx: LifecycleDeps, id: string, actor: string): Promise<{ id: string; secret: string; sessionEnded: boolean }> {
  await inService(ctx.db, id);
  const secret = generateSecret();
  const secretHash = ctx.credentials.hash(secret);
  // The broker first, failing closed: if the database write is lost, the device's MQTT login
  // already needs the new secret, which the admin never got, and rotating again mends it.
  await ctx.provisioner.secretRotated(id, secret);
  const now = ctx.now();
  const rotated = await ctx.db.transaction(async (tx) => {
    if (!(await setSecretHash(tx, id, secretHash))) return false;
    await writeAudit(tx, { at: now, actor, action: 'device.secret-rotated', subject: `device:${id}`, details: {} });
    return true;
  });
  // Decommissioned between the check and the transaction: inService names it (409).
  if (!rotated) {
    await inService(ctx.db, id);
    throw conflict(`device ${id} changed while its secret was rotated; try again`);
  }
  // A provisioned broker ends the old secret's sessions itself when the password changes.
  const sessionEnded = (await ctx.broker.endSession(id)) || ctx.provisioner.kind !== 'none';
  ctx.logger.info('device secret rotated', { device: id, sessionEnded });
  return { id, secret, sessionEnded };
}

/**
 * Takes a device out of service for good: its secret stops verifying (MQTT and HTTP), its live
 * session is ended, its assignment and retained deployment doc are dropped, and rollouts let go
 * of it; its statistics, events and audit history stay. Idempotent: a second call returns the
 * first one's time.
 */
export function decommissionDevice(ctx: LifecycleDeps, id: string, actor: string): Promise<{ id: string; decommissionedAt: string; sessionEnded: boolean }> {
  return ctx.locks.devices.run(id, () => decommission(ctx, id, actor));
}

async function decommission(ctx: LifecycleDeps, id: string, actor: string): Promise<{ id: string; decommissionedAt: string; sessionEnded: boolean }> {
  const row = await getDevice(ctx.db, id);
  if (!row) throw notFound(`device ${id}`);
  if (row.decommissionedAt) {
    // A repeat also retries the broker's part, which may have failed the first time.
    await ctx.provisioner.deviceRemoved(id);
    return { id, decommissionedAt: row.decommissionedAt, sessionEnded: false };
  }
  const at = ctx.now().toISOString();
  // One conditional update: of two replicas decommissioning the device at once, one marks it
  // and the other finds it decommissioned on its second look.
  const done = await ctx.db.transaction(async (tx) => {
    if (!(await markDecommissioned(tx, id, at))) return false;
    const hadAssignment = await deleteAssignment(tx, id);
    await writeAudit(tx, { at: new Date(at), actor, action: 'device.decommissioned', subject: `device:${id}`, details: { ring: row.ring, tags: row.tags, hadAssignment } });
    return true;
  });
  if (!done) return decommission(ctx, id, actor);
  // An empty retained payload clears the broker's copy of its deployment doc; not waited for
  // (an external broker that is down would hold the reply), and harmless if lost: nobody can
  // subscribe as the device any more.
  void ctx.broker.publish(desiredTopic(id), '', { retain: true }).catch((error: unknown) => {
    ctx.logger.warn('could not clear the decommissioned device\'s retained doc; the broker drops it on its next restart', { device: id, error: error instanceof Error ? error.message : String(error) });
  });
  // After the commit: if this fails or the hub stops first, the next start removes the account
  // (provisioner.reconcile), and until then the device's HTTP logins are refused already.
  await ctx.provisioner.deviceRemoved(id);
  const sessionEnded = (await ctx.broker.endSession(id)) || ctx.provisioner.kind !== 'none';
  ctx.logger.info('device decommissioned', { device: id, sessionEnded });
  return { id, decommissionedAt: at, sessionEnded };
}

export interface DeviceView {
  id: string;
  ring: string;
  tags: Record<string, string>;
  createdAt: string;
  /** when it was taken out of service (DELETE /api/v1/devices/{id}); null while in service */
  decommissionedAt: string | null;
  online: boolean;
  lastSeenAt: string | null;
  lastErrorCode: string | null;
  state: ReportedState | null;
  /** what the device is pinned to, and the shadow its doc names (null: none) */
  assignment: { model: string; version: string; seq: number; assignedAt: string; shadow: { model: string; version: string } | null } | null;
}

/** Stored state was validated on the way in; re-parsing keeps a corrupt row from leaking out typed wrong. */
export function storedState(value: unknown): ReportedState | null {
  const parsed = reportedStateSchema.safeParse(value);
  return parsed.success ? parsed.data : null;
}

function toView(row: DeviceRow, assignment: AssignmentRow | undefined): DeviceView {
  return {
    id: row.id,
    ring: row.ring,
    tags: row.tags,
    createdAt: row.createdAt,
    decommissionedAt: row.decommissionedAt,
    online: row.online,
    lastSeenAt: row.lastSeenAt,
    lastErrorCode: row.lastErrorCode,
    state: storedState(row.reportedState),
    assignment: assignment ? { model: assignment.model, version: assignment.version, seq: assignment.seq, assignedAt: assignment.assignedAt, shadow: assignment.shadowModel !== null && assignment.shadowVersion !== null ? { model: assignment.shadowModel, version: assignment.shadowVersion } : null } : null,
  };
}

export async function deviceView(ctx: Pick<HubContext, 'db'>, id: string): Promise<DeviceView> {
  const row = await getDevice(ctx.db, id);
  if (!row) throw notFound(`device ${id}`);
  return toView(row, await getAssignment(ctx.db, row.id));
}

/** Most devices one page may hold. */
export const MAX_DEVICE_PAGE = 500;

/** The cursor of the page after `lastId`: opaque to clients (base64url of the id). */
const cursorOf = (lastId: string): string => Buffer.from(lastId, 'utf8').toString('base64url');

/** The id a cursor continues after; E_VALIDATION naming `cursor` when it is not one this hub gave. */
function afterOf(cursor: string): string {
  const id = Buffer.from(cursor, 'base64url').toString('utf8');
  if (!/^[A-Za-z0-9_-]{1,64}$/.test(id) || cursorOf(id) !== cursor) throw validation('cursor: not a cursor this API returned', [{ path: 'cursor', message: 'not a cursor this API returned' }]);
  return id;
}

/**
 * A page of the fleet for the console (keyset pagination in id order, filtered in the database):
 * `limit` devices after `cursor`, and the cursor of the next page (null on the last). Without a
 * limit, every matching device (the API's original answer).
 */
export async function pageOfDevices(ctx: Pick<HubContext, 'db'>, query: { limit?: number; cursor?: string; filter: DevicePageFilter }): Promise<{ devices: DeviceView[]; nextCursor: string | null }> {
  const limit = query.limit ?? Number.MAX_SAFE_INTEGER - 1;
  const rows = await listDevicePage(ctx.db, { limit, filter: query.filter, ...(query.cursor === undefined ? {} : { after: afterOf(query.cursor) }) });
  const page = rows.slice(0, limit);
  const last = page.at(-1);
  return { devices: page.map((row) => toView(row.device, row.assignment ?? undefined)), nextCursor: rows.length > limit && last ? cursorOf(last.device.id) : null };
}
