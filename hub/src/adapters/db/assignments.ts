/** What each device is pinned to, with the signed deployment doc that says so. */
import { eq, sql } from 'drizzle-orm';
import type { Db } from './open';
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
    target: db.select(targetColumns).from(assignments).where(eq(assignments.deviceId, p('deviceId'))).prepare(),
  };
});

export const getAssignment = (db: Db, deviceId: string): AssignmentRow | undefined =>
  db.select().from(assignments).where(eq(assignments.deviceId, deviceId)).get();

export const listAssignments = (db: Db): AssignmentRow[] => db.select().from(assignments).all();

/** Drops a device's assignment (decommissioning); true when it had one. */
export const deleteAssignment = (db: Db, deviceId: string): boolean => db.delete(assignments).where(eq(assignments.deviceId, deviceId)).run().changes === 1;

export function upsertAssignment(db: Db, row: AssignmentRow): void {
  statements(db).upsert.run(row);
}

/** A device's assignment without its signed doc (what assigning again needs to know). */
export const getAssignmentTarget = (db: Db, deviceId: string): AssignmentTarget | undefined => statements(db).target.get({ deviceId });

/** Every device's signed doc, for filling the broker's retained cache. */
export const listAssignmentDocs = (db: Db): Pick<AssignmentRow, 'deviceId' | 'doc'>[] => db.select({ deviceId: assignments.deviceId, doc: assignments.doc }).from(assignments).all();

/** Every device's target without the signed doc, for the rollout controller's tick. */
export const listAssignmentTargets = (db: Db): Pick<AssignmentRow, 'deviceId' | 'model' | 'version' | 'seq'>[] =>
  db.select({ deviceId: assignments.deviceId, model: assignments.model, version: assignments.version, seq: assignments.seq }).from(assignments).all();
