/** Enrolment and the admin's view of a device. */
import { reportedStateSchema, type ReportedState } from '@edgefleet/protocol';
import { conflict, notFound } from '../../core/errors';
import { writeAudit } from '../../adapters/db/audit';
import { getAssignment } from '../../adapters/db/assignments';
import { getDevice, insertDevice, listDevices, updateDevicePlacement, type DeviceRow } from '../../adapters/db/devices';
import { generateSecret } from '../../adapters/secrets';
import type { HubContext } from '../context';

export interface EnrolInput {
  id: string;
  ring: string;
  tags: Record<string, string>;
}

/** The secret is returned once and only its keyed hash (HMAC-SHA256 under the hub's key) is kept. */
export async function enrolDevice(ctx: HubContext, input: EnrolInput, actor: string): Promise<{ id: string; secret: string }> {
  if (getDevice(ctx.db, input.id)) throw conflict(`device ${input.id} already exists`);
  const secret = generateSecret();
  const secretHash = ctx.credentials.hash(secret);
  const now = ctx.now();
  try {
    ctx.db.transaction((tx) => {
      insertDevice(tx, { id: input.id, secretHash, ring: input.ring, tags: input.tags, createdAt: now.toISOString() });
      writeAudit(tx, { at: now, actor, action: 'device.enrolled', subject: `device:${input.id}`, details: { ring: input.ring, tags: input.tags } });
    });
  } catch (error) {
    // The check above and the insert run in one tick now (the hash is synchronous); kept for safety.
    if (error instanceof Error && 'code' in error && error.code === 'SQLITE_CONSTRAINT_PRIMARYKEY') throw conflict(`device ${input.id} already exists`);
    throw error;
  }
  return { id: input.id, secret };
}

/** Moves a device to another ring or replaces its tags (ROLLOUTS: devices are assigned on enrolment or later). */
export function placeDevice(ctx: HubContext, id: string, patch: { ring?: string; tags?: Record<string, string> }, actor: string): void {
  const row = getDevice(ctx.db, id);
  if (!row) throw notFound(`device ${id}`);
  const now = ctx.now();
  ctx.db.transaction((tx) => {
    updateDevicePlacement(tx, id, patch);
    writeAudit(tx, { at: now, actor, action: 'device.placed', subject: `device:${id}`, details: { from: { ring: row.ring, tags: row.tags }, to: { ring: patch.ring ?? row.ring, tags: patch.tags ?? row.tags } } });
  });
}

export interface DeviceView {
  id: string;
  ring: string;
  tags: Record<string, string>;
  createdAt: string;
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

function toView(ctx: HubContext, row: DeviceRow): DeviceView {
  const assignment = getAssignment(ctx.db, row.id);
  return {
    id: row.id,
    ring: row.ring,
    tags: row.tags,
    createdAt: row.createdAt,
    online: row.online,
    lastSeenAt: row.lastSeenAt,
    lastErrorCode: row.lastErrorCode,
    state: storedState(row.reportedState),
    assignment: assignment ? { model: assignment.model, version: assignment.version, seq: assignment.seq, assignedAt: assignment.assignedAt, shadow: assignment.shadowModel !== null && assignment.shadowVersion !== null ? { model: assignment.shadowModel, version: assignment.shadowVersion } : null } : null,
  };
}

export function deviceView(ctx: HubContext, id: string): DeviceView {
  const row = getDevice(ctx.db, id);
  if (!row) throw notFound(`device ${id}`);
  return toView(ctx, row);
}

export const listDeviceViews = (ctx: HubContext): DeviceView[] => listDevices(ctx.db).map((row) => toView(ctx, row));
