/** What each device is pinned to, with the signed deployment doc that says so. */
import { eq } from 'drizzle-orm';
import type { Db } from './open';
import { assignments } from './schema';

export type AssignmentRow = typeof assignments.$inferSelect;

export const getAssignment = (db: Db, deviceId: string): AssignmentRow | undefined =>
  db.select().from(assignments).where(eq(assignments.deviceId, deviceId)).get();

export const listAssignments = (db: Db): AssignmentRow[] => db.select().from(assignments).all();

export function upsertAssignment(db: Db, row: AssignmentRow): void {
  const { deviceId, ...rest } = row;
  db.insert(assignments).values(row).onConflictDoUpdate({ target: assignments.deviceId, set: rest }).run();
}

/** Every device's target without the signed doc (large: it embeds the release manifests), for the rollout controller's tick. */
export const listAssignmentTargets = (db: Db): Pick<AssignmentRow, 'deviceId' | 'model' | 'version' | 'seq'>[] =>
  db.select({ deviceId: assignments.deviceId, model: assignments.model, version: assignments.version, seq: assignments.seq }).from(assignments).all();
