/**
 * Training runs, their search trials and their log lines, on SQLite or PostgreSQL (db.ts).
 * Callers own the meaning of the JSON columns.
 *
 * Work is shared by claims (issue 12): a run (its search plan, or its fit, export and
 * registration) and each trial of its search are units a replica's worker claims with one
 * atomic statement, holds under a lease it renews, and finishes or gives back. A unit whose lease
 * ran out (its replica died) is claimable again. Every claim adds one to the unit's `attempts`,
 * and the holder's writes are fenced by (holder, attempt): a replica that lost its claim, even
 * to a later claim of its own, changes nothing any more.
 */
import { and, asc, count, desc, eq, gt, inArray, lt, ne, sql, type SQL } from 'drizzle-orm';
import type { Db } from './db';
import { isUniqueViolation, skipLocked } from './dialect';
import { trainingLogs, trainingRuns, trainingTrials } from './schema';

export type TrainingRunRow = typeof trainingRuns.$inferSelect;
export type TrainingRunPatch = Partial<Omit<TrainingRunRow, 'id' | 'request' | 'datasetId' | 'createdAt' | 'claimedBy' | 'claimedUntilMs' | 'attempts'>>;
export type TrainingLogRow = typeof trainingLogs.$inferSelect;
export type TrainingTrialRow = typeof trainingTrials.$inferSelect;
/** What a run's holder writes: the run's own columns, and giving the claim back (`claimedBy: null`) or ending its lease. */
export type HeldRunPatch = TrainingRunPatch & { claimedBy?: null; claimedUntilMs?: number | null };
export type TrainingTrialPatch = Partial<Pick<TrainingTrialRow, 'status' | 'progress' | 'epochs' | 'metrics' | 'error' | 'startedAt' | 'finishedAt'>>;

/** Statuses of a run that still has work to do. */
const ACTIVE = ['queued', 'running'];

/** Who holds a unit, and which of its claims: the fence on every write the holder makes. */
export interface Claim {
  holder: string;
  attempt: number;
}

export interface ClaimRequest {
  holder: string;
  nowMs: number;
  /** the lease's end (epoch ms) */
  untilMs: number;
}

export async function insertRun(db: Db, row: typeof trainingRuns.$inferInsert): Promise<void> {
  await db.insert(trainingRuns).values(row);
}

export const getRun = (db: Db, id: string): Promise<TrainingRunRow | undefined> => db.select().from(trainingRuns).where(eq(trainingRuns.id, id)).get();

/** Newest first. */
export const listRuns = (db: Db, limit = 200): Promise<TrainingRunRow[]> => db.select().from(trainingRuns).orderBy(desc(trainingRuns.createdAt), desc(trainingRuns.id)).limit(limit);

/** Unfenced: for writes that do not depend on who holds the run. Resolves with the rows changed (0 or 1). */
export async function updateRun(db: Db, id: string, patch: TrainingRunPatch): Promise<number> {
  if (Object.keys(patch).length === 0) return 0;
  return (await db.update(trainingRuns).set(patch).where(eq(trainingRuns.id, id)).run()).changes;
}

/** Runs on one dataset (for continuous training's once-per-dataset rule). */
export const runsOnDataset = (db: Db, datasetId: string): Promise<TrainingRunRow[]> => db.select().from(trainingRuns).where(eq(trainingRuns.datasetId, datasetId));

/**
 * Appends a log line with the run's next seq; resolves with it. Replicas log to the same run at
 * once (a search's trials), so the seq is computed in the insert itself; on PostgreSQL two
 * concurrent inserts may compute the same one, and the loser (a primary-key violation) retries.
 */
export async function appendLog(db: Db, runId: string, at: string, level: string, message: string): Promise<number> {
  for (let attempt = 1; ; attempt++) {
    try {
      const rows = await db.rows<{ seq: number | string }>(sql`
        INSERT INTO training_logs (run_id, seq, at, level, message)
        SELECT CAST(${runId} AS text), COALESCE(MAX(seq), 0) + 1, CAST(${at} AS text), CAST(${level} AS text), CAST(${message} AS text)
        FROM training_logs WHERE run_id = ${runId}
        RETURNING seq`);
      return Number(rows[0]?.seq);
    } catch (error) {
      if (!isUniqueViolation(error) || attempt >= 20) throw error;
    }
  }
}

export const listLogs = (db: Db, runId: string, after = 0, limit = 1000): Promise<TrainingLogRow[]> =>
  db
    .select()
    .from(trainingLogs)
    .where(and(eq(trainingLogs.runId, runId), gt(trainingLogs.seq, after)))
    .orderBy(asc(trainingLogs.seq))
    .limit(limit);

const attemptsPlusOne = sql`${sql.identifier('attempts')} + 1`;

/**
 * Claims the oldest run with work for a worker: queued or running, not held (or its lease ran
 * out), and with no search trial queued or running (a search's final fit waits for its trials).
 * Resolves with the run as claimed, or undefined when there is none.
 */
export async function claimRun(db: Db, request: ClaimRequest): Promise<TrainingRunRow | undefined> {
  const next = sql`(SELECT r.id FROM training_runs r
    WHERE r.status IN ('queued', 'running')
      AND (r.claimed_until_ms IS NULL OR r.claimed_until_ms < ${request.nowMs})
      AND NOT EXISTS (SELECT 1 FROM training_trials t WHERE t.run_id = r.id AND t.status IN ('queued', 'running'))
    ORDER BY r.created_at, r.id LIMIT 1${skipLocked(db.engine)})`;
  return db
    .update(trainingRuns)
    .set({ claimedBy: request.holder, claimedUntilMs: request.untilMs, attempts: attemptsPlusOne })
    .where(eq(trainingRuns.id, next))
    .returning()
    .get();
}

/**
 * Claims the oldest queued trial, or a running one whose lease ran out, of a run still queued
 * or running; it becomes `running`. Resolves with the trial as claimed, or undefined.
 */
export async function claimTrial(db: Db, request: ClaimRequest): Promise<TrainingTrialRow | undefined> {
  const next = sql`(SELECT t.run_id, t.trial_index FROM training_trials t
    WHERE t.status IN ('queued', 'running')
      AND (t.claimed_until_ms IS NULL OR t.claimed_until_ms < ${request.nowMs})
      AND EXISTS (SELECT 1 FROM training_runs r WHERE r.id = t.run_id AND r.status IN ('queued', 'running'))
    ORDER BY t.queued_at, t.run_id, t.trial_index LIMIT 1${skipLocked(db.engine)})`;
  return db
    .update(trainingTrials)
    .set({ status: 'running', claimedBy: request.holder, claimedUntilMs: request.untilMs, attempts: attemptsPlusOne })
    .where(sql`(${trainingTrials.runId}, ${trainingTrials.index}) = ${next}`)
    .returning()
    .get();
}

const heldRun = (id: string, claim: Claim): SQL =>
  and(eq(trainingRuns.id, id), eq(trainingRuns.claimedBy, claim.holder), eq(trainingRuns.attempts, claim.attempt), inArray(trainingRuns.status, ACTIVE)) as SQL;

const runIsActive = sql`EXISTS (SELECT 1 FROM training_runs r WHERE r.id = ${trainingTrials.runId} AND r.status IN ('queued', 'running'))`;

const heldTrial = (runId: string, index: number, claim: Claim): SQL =>
  and(
    eq(trainingTrials.runId, runId),
    eq(trainingTrials.index, index),
    eq(trainingTrials.claimedBy, claim.holder),
    eq(trainingTrials.attempts, claim.attempt),
    eq(trainingTrials.status, 'running'),
    runIsActive,
  ) as SQL;

/**
 * Writes `patch` to a run its holder still holds (the claim is current and the run neither
 * finished nor cancelled); false when it does not, and then nothing changed.
 */
export async function updateHeldRun(db: Db, id: string, claim: Claim, patch: HeldRunPatch): Promise<boolean> {
  return (await db.update(trainingRuns).set(patch).where(heldRun(id, claim)).run()).changes === 1;
}

/** Extends the holder's lease on a run; false when the claim is lost or the run finished or was cancelled. */
export const renewRun = (db: Db, id: string, claim: Claim, untilMs: number): Promise<boolean> => updateHeldRun(db, id, claim, { claimedUntilMs: untilMs });

/** Gives a held run back (a clean shutdown): claimable at once, by any replica. */
export async function releaseRun(db: Db, id: string, claim: Claim): Promise<boolean> {
  return (await db.update(trainingRuns).set({ claimedBy: null, claimedUntilMs: null }).where(heldRun(id, claim)).run()).changes === 1;
}

/** Writes `patch` to a trial its holder still holds (and whose run is still queued or running); false otherwise. */
export async function updateHeldTrial(db: Db, runId: string, index: number, claim: Claim, patch: TrainingTrialPatch & { claimedUntilMs?: number | null }): Promise<boolean> {
  return (await db.update(trainingTrials).set(patch).where(heldTrial(runId, index, claim)).run()).changes === 1;
}

export const renewTrial = (db: Db, runId: string, index: number, claim: Claim, untilMs: number): Promise<boolean> => updateHeldTrial(db, runId, index, claim, { claimedUntilMs: untilMs });

export async function releaseTrial(db: Db, runId: string, index: number, claim: Claim): Promise<boolean> {
  return (await db.update(trainingTrials).set({ claimedBy: null, claimedUntilMs: null }).where(heldTrial(runId, index, claim)).run()).changes === 1;
}

/**
 * Gives back every unfinished unit `holder` holds: what a replica restarted under the same id
 * left behind when it stopped without releasing (a crash). Resolves with how many.
 */
export async function releaseClaimsOf(db: Db, holder: string): Promise<number> {
  return db.transaction(async (tx) => {
    const runs = await tx
      .update(trainingRuns)
      .set({ claimedBy: null, claimedUntilMs: null })
      .where(and(eq(trainingRuns.claimedBy, holder), inArray(trainingRuns.status, ACTIVE)))
      .run();
    const trials = await tx
      .update(trainingTrials)
      .set({ claimedBy: null, claimedUntilMs: null })
      .where(and(eq(trainingTrials.claimedBy, holder), inArray(trainingTrials.status, ACTIVE)))
      .run();
    return runs.changes + trials.changes;
  });
}

/**
 * The search plan of a held run: its trials, queued, and the run's own patch (running, training),
 * in one transaction. False (and nothing written) when the claim is lost or the run already has
 * trials.
 */
export async function planSearch(db: Db, id: string, claim: Claim, trials: Array<typeof trainingTrials.$inferInsert>, patch: TrainingRunPatch): Promise<boolean> {
  return db.transaction(async (tx) => {
    if (!(await updateHeldRun(tx, id, claim, { ...patch, claimedBy: null, claimedUntilMs: null }))) return false;
    const existing = await tx.select({ n: count() }).from(trainingTrials).where(eq(trainingTrials.runId, id)).get();
    if ((existing?.n ?? 0) > 0) throw new Error(`training run ${id} already has a search plan`);
    if (trials.length > 0) await tx.insert(trainingTrials).values(trials);
    return true;
  });
}

/** The trials of a run, by index. */
export const listTrials = (db: Db, runId: string): Promise<TrainingTrialRow[]> => db.select().from(trainingTrials).where(eq(trainingTrials.runId, runId)).orderBy(asc(trainingTrials.index));

/** How far a run's search is: the trials' progress summed (permille each), and their number. */
export async function searchProgress(db: Db, runId: string): Promise<{ permille: number; trials: number }> {
  const row = await db
    .select({ permille: sql<number | string>`COALESCE(SUM(${trainingTrials.progress}), 0)`, trials: count() })
    .from(trainingTrials)
    .where(eq(trainingTrials.runId, runId))
    .get();
  return { permille: Number(row?.permille ?? 0), trials: row?.trials ?? 0 };
}

/**
 * Raises a running run's progress during its search; never lowers it, so replicas reporting out
 * of order cannot move it back.
 */
export async function raiseSearchProgress(db: Db, id: string, permille: number): Promise<boolean> {
  const where = and(eq(trainingRuns.id, id), eq(trainingRuns.status, 'running'), eq(trainingRuns.stage, 'training'), lt(trainingRuns.progress, permille));
  return (await db.update(trainingRuns).set({ progress: permille }).where(where).run()).changes === 1;
}

/**
 * Finishes a run that is still queued or running, whoever holds it (a failed trial fails its
 * run; a run whose dataset vanished fails). False when it had already finished.
 */
export async function finishActiveRun(db: Db, id: string, patch: TrainingRunPatch): Promise<boolean> {
  return (await db.update(trainingRuns).set(patch).where(and(eq(trainingRuns.id, id), inArray(trainingRuns.status, ACTIVE))).run()).changes === 1;
}

export type CancelResult = 'cancelled' | 'registering' | 'finished' | 'unknown';

/**
 * Cancels a queued or running run in one statement, unless it is registering its model (too
 * late: the version is being written). Its unfinished trials are cancelled with it. Workers on
 * any replica see it at their next fenced write and stop.
 */
export async function cancelActiveRun(db: Db, id: string, finishedAt: string): Promise<CancelResult> {
  return db.transaction(async (tx) => {
    const cancelled = await tx
      .update(trainingRuns)
      .set({ status: 'cancelled', finishedAt, claimedUntilMs: null })
      .where(and(eq(trainingRuns.id, id), inArray(trainingRuns.status, ACTIVE), ne(trainingRuns.stage, 'registering')))
      .run();
    if (cancelled.changes === 1) {
      await tx
        .update(trainingTrials)
        .set({ status: 'cancelled', claimedUntilMs: null })
        .where(and(eq(trainingTrials.runId, id), inArray(trainingTrials.status, ACTIVE)))
        .run();
      return 'cancelled';
    }
    const row = await tx.select({ status: trainingRuns.status }).from(trainingRuns).where(eq(trainingRuns.id, id)).get();
    if (!row) return 'unknown';
    return ACTIVE.includes(row.status) ? 'registering' : 'finished';
  });
}
