/** Rings, rollouts and rollout members. */
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from './open';
import { excluded, preparedFor } from './prepared';
import { rings, rolloutMembers, rollouts } from './schema';

export type RingRow = typeof rings.$inferSelect;
export type RolloutRow = typeof rollouts.$inferSelect;
export type RolloutMemberRow = typeof rolloutMembers.$inferSelect;

export const listRings = (db: Db): RingRow[] => db.select().from(rings).orderBy(asc(rings.position), asc(rings.name)).all();

export function upsertRing(db: Db, row: typeof rings.$inferInsert): void {
  db.insert(rings)
    .values(row)
    .onConflictDoUpdate({ target: rings.name, set: { position: row.position, description: row.description ?? '' } })
    .run();
}

export const getRollout = (db: Db, id: string): RolloutRow | undefined => db.select().from(rollouts).where(eq(rollouts.id, id)).get();

export const listRollouts = (db: Db, limit = 100): RolloutRow[] => db.select().from(rollouts).orderBy(desc(rollouts.createdAt), desc(rollouts.id)).limit(limit).all();

export const rolloutsInStates = (db: Db, states: readonly string[]): RolloutRow[] =>
  db.select().from(rollouts).where(inArray(rollouts.state, [...states])).orderBy(asc(rollouts.createdAt)).all();

export const rolloutsOfModel = (db: Db, model: string, states: readonly string[]): RolloutRow[] =>
  db
    .select()
    .from(rollouts)
    .where(and(eq(rollouts.model, model), inArray(rollouts.state, [...states])))
    .orderBy(desc(rollouts.createdAt))
    .all();

export function insertRollout(db: Db, row: typeof rollouts.$inferInsert): void {
  db.insert(rollouts).values(row).run();
}

export function updateRollout(db: Db, id: string, patch: Partial<Omit<RolloutRow, 'id' | 'model' | 'version' | 'createdAt' | 'createdBy'>>): void {
  db.update(rollouts).set(patch).where(eq(rollouts.id, id)).run();
}

// Read on every controller pass (the whole fleet's rows in a big rollout): prepared once.
const membersStatement = preparedFor((db) => db.select().from(rolloutMembers).where(eq(rolloutMembers.rolloutId, sql.placeholder('rolloutId'))).orderBy(asc(rolloutMembers.deviceId)).prepare());
export const listMembers = (db: Db, rolloutId: string): RolloutMemberRow[] => membersStatement(db).all({ rolloutId });

const upsertMemberStatement = preparedFor((db) => {
  const p = (name: keyof RolloutMemberRow) => sql.placeholder(name);
  const c = rolloutMembers;
  return db
    .insert(rolloutMembers)
    .values({ rolloutId: p('rolloutId'), deviceId: p('deviceId'), step: p('step'), mode: p('mode'), previousModel: p('previousModel'), previousVersion: p('previousVersion'), assignedSeq: p('assignedSeq'), assignedAt: p('assignedAt'), status: p('status'), error: p('error') })
    .onConflictDoUpdate({
      target: [c.rolloutId, c.deviceId],
      set: { step: excluded(c.step), mode: excluded(c.mode), previousModel: excluded(c.previousModel), previousVersion: excluded(c.previousVersion), assignedSeq: excluded(c.assignedSeq), assignedAt: excluded(c.assignedAt), status: excluded(c.status), error: excluded(c.error) },
    })
    .prepare();
});

export function upsertMember(db: Db, row: RolloutMemberRow): void {
  upsertMemberStatement(db).run(row);
}
