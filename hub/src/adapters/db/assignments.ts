/**
 * What each device is pinned to, with the signed deployment doc that says so. Async, on SQLite or
 * PostgreSQL (db.ts); writers hold the device's row lock (devices.ts lockDevices) so the stored
 * assignment and the device's seq move together.
 */
import { eq, sql } from 'drizzle-orm';
import type { Db } from './db';
import { inJsonArray } from './dialect';
import { excluded, preparedFor } from './prepared';
import { assignments } from './schema';

export type AssignmentRow = typeof assignments.$inferSelect;
export type AssignmentTarget = Omit<AssignmentRow, 'doc'>;

const targetColumns = {
  deviceId: assignments.deviceId,
  model: assignments.model,
  version: assignments.version,
  seq: assignments.seq,
  previousModel: assignments.previousModel,
  previousVersion: assignments.previousVersion,
  assignedAt: assignments.assignedAt,
  shadowModel: assignments.shadowModel,
  shadowVersion: assignments.shadowVersion,
};

const statements = preparedFor((db) => {
  const p = (name: keyof AssignmentRow) => sql.placeholder(name);
  const c = assignments;
  return {
    upsert: db
      .insert(assignments)
      .values({ deviceId: p('deviceId'), model: p('model'), version: p('version'), seq: p('seq'), doc: p('doc'), previousModel: p('previousModel'), previousVersion: p('previousVersion'), assignedAt: p('assignedAt'), shadowModel: p('shadowModel'), shadowVersion: p('shadowVersion') })
      .onConflictDoUpdate({
        target: c.deviceId,
        set: { model: excluded(c.model), version: excluded(c.version), seq: excluded(c.seq), doc: excluded(c.doc), previousModel: excluded(c.previousModel), previousVersion: excluded(c.previousVersion), assignedAt: excluded(c.assignedAt), shadowModel: excluded(c.shadowModel), shadowVersion: excluded(c.shadowVersion) },
      })
      .prepare(),
    target: db.select(targetColumns).from(assignments).where(eq(assignments.deviceId, sql.placeholder('deviceId'))).prepare(),
    // A chunk of devices at once (assigning a rollout step): the ids travel as one JSON array.
    targets: db.select(targetColumns).from(assignments).where(inJsonArray(db.engine, assignments.deviceId, sql.placeholder('ids'))).prepare(),
    row: db.select().from(assignments).where(eq(assignments.deviceId, sql.placeholder('deviceId'))).prepare(),
  };
});

export const getAssignment = async (db: Db, deviceId: string): Promise<AssignmentRow | undefined> => statements(db).row.get({ deviceId });

export const listAssignments = async (db: Db): Promise<AssignmentRow[]> => db.select().from(assignments);

/** Drops a device's assignment (decommissioning); true when it had one. */
export const deleteAssignment = async (db: Db, deviceId: string): Promise<boolean> => (await db.delete(assignments).where(eq(assignments.deviceId, deviceId)).run()).changes === 1;

export async function upsertAssignment(db: Db, row: AssignmentRow): Promise<void> {
  await statements(db).upsert.run(row);
}

/** A device's assignment without its signed doc (what assigning again needs to know). */
export const getAssignmentTarget = async (db: Db, deviceId: string): Promise<AssignmentTarget | undefined> => statements(db).target.get({ deviceId });

/** `getAssignmentTarget` of many devices in one statement; devices without an assignment are absent. */
export async function getAssignmentTargets(db: Db, deviceIds: readonly string[]): Promise<Map<string, AssignmentTarget>> {
  if (deviceIds.length === 0) return new Map();
  return new Map((await statements(db).targets.all({ ids: JSON.stringify(deviceIds) })).map((row) => [row.deviceId, row]));
}

/** Every device's signed doc, for filling the broker's retained cache. */
export const listAssignmentDocs = async (db: Db): Promise<Pick<AssignmentRow, 'deviceId' | 'doc'>[]> => db.select({ deviceId: assignments.deviceId, doc: assignments.doc }).from(assignments);

/** Every device's target without the signed doc, for the rollout controller's tick. */
export const listAssignmentTargets = async (db: Db): Promise<Pick<AssignmentRow, 'deviceId' | 'model' | 'version' | 'seq'>[]> =>
  db.select({ deviceId: assignments.deviceId, model: assignments.model, version: assignments.version, seq: assignments.seq }).from(assignments);
