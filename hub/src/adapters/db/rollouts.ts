/**
 * Rings, rollouts and rollout members, on SQLite or PostgreSQL (db.ts).
 *
 * Several hub replicas may act on one rollout at once (the controller's tick on the replica
 * holding the scheduled-jobs lease, an admin's pause or rollback on any of them): whoever reads a
 * rollout's state to write it takes `lockRollout` first, in the same transaction, so the state it
 * read is still the state when it writes (services/rollouts/rollouts.ts).
 */
import { and, asc, desc, eq, inArray, sql } from 'drizzle-orm';
import type { Db } from './db';
import { inJsonArray, lockRows } from './dialect';
import { excluded, preparedFor } from './prepared';
import { assignments, models, rings, rolloutMembers, rollouts } from './schema';

export type RingRow = typeof rings.$inferSelect;
export type RolloutRow = typeof rollouts.$inferSelect;
export type RolloutMemberRow = typeof rolloutMembers.$inferSelect;

export const listRings = async (db: Db): Promise<RingRow[]> => db.select().from(rings).orderBy(asc(rings.position), asc(rings.name));

export async function upsertRing(db: Db, row: typeof rings.$inferInsert): Promise<void> {
  await db
    .insert(rings)
    .values(row)
    .onConflictDoUpdate({ target: rings.name, set: { position: row.position, description: row.description ?? '' } });
}

/**
 * Inside a transaction, before reading the rollout: locks its row until the transaction ends, so
 * another replica's pass or action on it waits, then reads what this one wrote. (SQLite: the
 * transaction already holds the only write lock.)
 */
export async function lockRollout(tx: Db, id: string): Promise<void> {
  await lockRows(tx, rollouts, eq(rollouts.id, id));
}

/**
 * Inside a transaction, before choosing which rollouts of a model are active: locks the model's
 * row, then its rollouts that can still act. Creating a rollout must see every rollout of the
 * model another replica created meanwhile, and a row not yet inserted cannot be locked: the
 * model's row is the one both creations wait on. Always model first, then rollouts (never the
 * other way round elsewhere), so two creations cannot deadlock.
 */
export async function lockRolloutsOfModel(tx: Db, model: string, states: readonly string[]): Promise<void> {
  await lockRows(tx, models, eq(models.name, model));
  await lockRows(tx, rollouts, sql`${eq(rollouts.model, model)} AND ${inArray(rollouts.state, [...states])}`);
}

export const getRollout = async (db: Db, id: string): Promise<RolloutRow | undefined> => db.select().from(rollouts).where(eq(rollouts.id, id)).get();

export const listRollouts = async (db: Db, limit = 100): Promise<RolloutRow[]> => db.select().from(rollouts).orderBy(desc(rollouts.createdAt), desc(rollouts.id)).limit(limit);

export const rolloutsInStates = async (db: Db, states: readonly string[]): Promise<RolloutRow[]> =>
  db
    .select()
    .from(rollouts)
    .where(inArray(rollouts.state, [...states]))
    .orderBy(asc(rollouts.createdAt), asc(rollouts.id));

export const rolloutsOfModel = async (db: Db, model: string, states: readonly string[]): Promise<RolloutRow[]> =>
  db
    .select()
    .from(rollouts)
    .where(and(eq(rollouts.model, model), inArray(rollouts.state, [...states])))
    .orderBy(desc(rollouts.createdAt), desc(rollouts.id));

export async function insertRollout(db: Db, row: typeof rollouts.$inferInsert): Promise<void> {
  await db.insert(rollouts).values(row);
}

/** Writes `patch` over the rollout; true when the rollout exists. */
export async function updateRollout(db: Db, id: string, patch: Partial<Omit<RolloutRow, 'id' | 'model' | 'version' | 'createdAt' | 'createdBy'>>): Promise<boolean> {
  return (await db.update(rollouts).set(patch).where(eq(rollouts.id, id)).run()).changes === 1;
}

// Read on every controller pass (the whole fleet's rows in a big rollout): prepared once per handle.
const membersStatement = preparedFor((db) => db.select().from(rolloutMembers).where(eq(rolloutMembers.rolloutId, sql.placeholder('rolloutId'))).orderBy(asc(rolloutMembers.deviceId)).prepare());

export const listMembers = async (db: Db, rolloutId: string): Promise<RolloutMemberRow[]> => membersStatement(db).all({ rolloutId });

// The columns in the order the statement's placeholders name them; the compiler checks the names.
const MEMBER_FIELDS = ['rolloutId', 'deviceId', 'step', 'mode', 'previousModel', 'previousVersion', 'assignedSeq', 'assignedAt', 'status', 'error'] as const satisfies ReadonlyArray<keyof RolloutMemberRow>;

/**
 * The upsert of `size` members in one statement, prepared once per handle and size. Sizes are
 * powers of two up to 512, so any number of rows takes a few statements (10,000: 19 of 512, then
 * one each of 256, 16) and a handful of prepared ones serve every pass: one statement per row was
 * 10,000 round trips to PostgreSQL (about a second), and building a 500-row statement anew each
 * time doubled SQLite's cost.
 */
const upsertStatements = preparedFor((db) => {
  const bySize = new Map<number, { run(values: Record<string, unknown>): Promise<unknown> }>();
  return (size: number) => {
    let statement = bySize.get(size);
    if (!statement) {
      const c = rolloutMembers;
      const rows = Array.from({ length: size }, (_, i) => {
        const p = (field: keyof RolloutMemberRow) => sql.placeholder(`${i}.${field}`);
        return { rolloutId: p('rolloutId'), deviceId: p('deviceId'), step: p('step'), mode: p('mode'), previousModel: p('previousModel'), previousVersion: p('previousVersion'), assignedSeq: p('assignedSeq'), assignedAt: p('assignedAt'), status: p('status'), error: p('error') };
      });
      statement = db
        .insert(rolloutMembers)
        .values(rows)
        .onConflictDoUpdate({
          target: [c.rolloutId, c.deviceId],
          set: { step: excluded(c.step), mode: excluded(c.mode), previousModel: excluded(c.previousModel), previousVersion: excluded(c.previousVersion), assignedSeq: excluded(c.assignedSeq), assignedAt: excluded(c.assignedAt), status: excluded(c.status), error: excluded(c.error) },
        })
        .prepare();
      bySize.set(size, statement);
    }
    return statement;
  };
});

const LARGEST_BATCH = 512;

/** Inserts or replaces these members (by rollout and device), a few statements for any number. */
export async function upsertMembers(db: Db, rows: readonly RolloutMemberRow[]): Promise<void> {
  const statementOf = upsertStatements(db);
  for (let start = 0; start < rows.length; ) {
    let size = LARGEST_BATCH;
    while (size > rows.length - start) size /= 2;
    const values: Record<string, unknown> = {};
    for (let i = 0; i < size; i++) {
      const row = rows[start + i] as RolloutMemberRow;
      for (const field of MEMBER_FIELDS) values[`${i}.${field}`] = row[field];
    }
    await statementOf(size).run(values);
    start += size;
  }
}

const docsStatement = preparedFor((db) =>
  db
    .select({ deviceId: assignments.deviceId, seq: assignments.seq, doc: assignments.doc })
    .from(assignments)
    .where(inJsonArray(db.engine, assignments.deviceId, sql.placeholder('ids')))
    .prepare(),
);

/**
 * The signed docs these devices are assigned, with their seq, in one statement (a pass checks
 * which rollout issued them: services/rollouts/issue.ts adoptIssuedDocs). Devices without one are absent.
 */
export async function assignedDocs(db: Db, deviceIds: readonly string[]): Promise<Map<string, { seq: number; doc: unknown }>> {
  if (deviceIds.length === 0) return new Map();
  return new Map((await docsStatement(db).all({ ids: JSON.stringify(deviceIds) })).map((row) => [row.deviceId, { seq: row.seq, doc: row.doc }]));
}
