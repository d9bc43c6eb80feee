/** Training runs and their log lines. Callers own the meaning of the JSON columns. */
import { and, asc, desc, eq, gt, inArray, max } from 'drizzle-orm';
import type { Db } from './open';
import { trainingLogs, trainingRuns } from './schema';

export type TrainingRunRow = typeof trainingRuns.$inferSelect;
export type TrainingRunPatch = Partial<Omit<TrainingRunRow, 'id' | 'request' | 'datasetId' | 'createdAt'>>;
export type TrainingLogRow = typeof trainingLogs.$inferSelect;

export function insertRun(db: Db, row: typeof trainingRuns.$inferInsert): void {
  db.insert(trainingRuns).values(row).run();
}

export const getRun = (db: Db, id: string): TrainingRunRow | undefined => db.select().from(trainingRuns).where(eq(trainingRuns.id, id)).get();

/** Newest first. */
export const listRuns = (db: Db, limit = 200): TrainingRunRow[] => db.select().from(trainingRuns).orderBy(desc(trainingRuns.createdAt), desc(trainingRuns.id)).limit(limit).all();

export function updateRun(db: Db, id: string, patch: TrainingRunPatch): void {
  if (Object.keys(patch).length > 0) db.update(trainingRuns).set(patch).where(eq(trainingRuns.id, id)).run();
}

/** Runs a hub restart must pick up again, oldest first. */
export const unfinishedRuns = (db: Db): TrainingRunRow[] =>
  db.select().from(trainingRuns).where(inArray(trainingRuns.status, ['queued', 'running'])).orderBy(asc(trainingRuns.createdAt), asc(trainingRuns.id)).all();

export function appendLog(db: Db, runId: string, at: string, level: string, message: string): void {
  db.transaction((tx) => {
    const seq = (tx.select({ value: max(trainingLogs.seq) }).from(trainingLogs).where(eq(trainingLogs.runId, runId)).get()?.value ?? 0) + 1;
    tx.insert(trainingLogs).values({ runId, seq, at, level, message }).run();
  });
}

export const listLogs = (db: Db, runId: string, after = 0, limit = 1000): TrainingLogRow[] =>
  db
    .select()
    .from(trainingLogs)
    .where(and(eq(trainingLogs.runId, runId), gt(trainingLogs.seq, after)))
    .orderBy(asc(trainingLogs.seq))
    .limit(limit)
    .all();

/** Runs on one dataset (for continuous training's once-per-dataset rule). */
export const runsOnDataset = (db: Db, datasetId: string): TrainingRunRow[] => db.select().from(trainingRuns).where(eq(trainingRuns.datasetId, datasetId)).all();
