/**
 * One hub replica's share of the training work (issue 12). Runs, and each trial of a run's
 * hyperparameter search, are units in the database that a replica's worker claims with one
 * atomic statement (adapters/db/training-runs.ts; FOR UPDATE SKIP LOCKED on PostgreSQL), so two
 * replicas never run the same unit and a search spreads over every replica's workers:
 *
 * - a queued search run is claimed once to plan it: its trials become rows, each claimable;
 * - a trial is claimed, run in a worker thread (fit, score on validation) and written back;
 * - once no trial is queued or running, the run is claimable again, by whichever replica looks
 *   first (the one that finished the last trial looks at once): it refits the best trial's params
 *   (same seed and data: the trial's own network), evaluates, exports, checks parity, profiles
 *   and registers; a run without a search is that last step alone.
 *
 * A claim is a lease the holder renews while it works (every third of `leaseMs`); a replica that
 * dies stops renewing, and once the lease ran out another replica claims the unit and runs it
 * from the start (seeded: the same result). Every write of the holder is fenced by its claim, so
 * one that lost it (cancelled, or taken over after a long stall) changes nothing and stops its
 * worker. A clean shutdown gives its units back at once; a replica restarted under the same id
 * takes back what it held when it crashed. Idle runners look for work every `pollIntervalMs`
 * (work queued on another replica), and at once when a run is queued or a trial ends here.
 *
 * Progress, epochs and trials are kept in memory and written at most every `flushIntervalMs`
 * (and at every stage change); log lines are written as they come, in order.
 */
import { hostname } from 'node:os';
import { getDataset } from '../../adapters/db/datasets';
import {
  claimRun,
  claimTrial,
  finishActiveRun,
  getRun,
  listTrials,
  planSearch,
  raiseSearchProgress,
  releaseClaimsOf,
  releaseRun,
  releaseTrial,
  renewRun,
  renewTrial,
  searchProgress,
  updateHeldRun,
  updateHeldTrial,
  type Claim,
  type TrainingRunRow,
  type TrainingTrialRow,
} from '../../adapters/db/training-runs';
import { startWorkerTask, type WorkerTask } from '../../adapters/jobs/worker-task';
import type { HubContext } from '../context';
import { chooseBest, noFiniteTrial, searchPoints } from './training-fit';
import { runLog } from './training-log';
import type { RegisterDeps } from '../models/register-version';
import { derivedMetrics, registerTrainedVersion } from './training-register';
import { describeRun, searchRecord, triggerOf } from './training-runs';
import { deriveInput } from '../derived/derive-input';
import {
  STAGE_START,
  datasetColumnsSchema,
  trainingProgressAt,
  trainingSpecSchema,
  type EpochEntry,
  type TrainingInput,
  type TrainingProgress,
  type TrainingResult,
  type TrainingSpec,
  type TrainingStage,
} from './training-types';

export interface TrainingRunnerOptions {
  /** this replica's name on its claims (HubOptions.replicaId); unique among live replicas; default the host name */
  replicaId?: string;
  /** units (runs or trials) this replica executes at once; default 1 */
  concurrency?: number;
  /** the worker module; default workers/training-worker.ts */
  workerEntry?: URL;
  /** least time between two progress writes of a unit; default 500 ms */
  flushIntervalMs?: number;
  /** how long a claim lasts unrenewed: a dead replica's units are claimable this long after; default 30 s */
  leaseMs?: number;
  /** how often an idle runner looks for work queued elsewhere; default 1 s */
  pollIntervalMs?: number;
}

/** What running and registering needs of the hub's context. */
export type TrainingDeps = Pick<HubContext, 'db' | 'now' | 'logger' | 'datasets' | 'artifacts' | 'codeVersion'> & RegisterDeps;

export interface TrainingRunner {
  readonly replicaId: string;
  /** takes back this replica's units left from before a crash, then claims work; call once the hub knows its public URL */
  start(ctx: TrainingDeps): Promise<void>;
  /** looks for work now (a run was just queued); resolves once it claimed what its free workers can take */
  wake(): Promise<void>;
  /** stops this replica's workers on a run already cancelled in the database; true when one was running here */
  cancel(runId: string): Promise<boolean>;
  /** stops this replica's workers, gives their units back for any replica to resume, and waits for them */
  close(): Promise<void>;
}

type Unit = { kind: 'run'; runId: string; claim: Claim } | { kind: 'trial'; runId: string; index: number; claim: Claim };

/** Why a unit stopped before its end: its run ended (cancelled, or failed by another trial), its claim was lost, or the hub is closing. */
type StopReason = 'ended' | 'lost' | 'closing';

interface Live {
  unit: Unit;
  task: WorkerTask<TrainingResult> | null;
  stage: TrainingStage;
  progress: number;
  epochs: EpochEntry[];
  /** false for a search's final fit: the run's epochs are its trials' */
  writesEpochs: boolean;
  stopped: StopReason | null;
  /** the unit reached its end in the database (or gave its claim up): nothing to give back */
  done: boolean;
  timer: ReturnType<typeof setTimeout> | null;
  lastFlush: number;
  /** the unit's database writes (progress, log lines), one after the other */
  writes: Promise<void>;
}

const TRAINING_WORKER = new URL('../../workers/training-worker.ts', import.meta.url);
const permille = (p: number): number => Math.round(Math.min(1, Math.max(0, p)) * 1000);
const errorOf = (error: unknown): { code: string; message: string } => ({
  code: typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : 'E_INTERNAL',
  message: error instanceof Error ? error.message : String(error),
});
const nameOf = (unit: Unit): string => (unit.kind === 'run' ? 'run' : `trial ${unit.index}`);
const durationSince = (startedAt: string | null, end: Date): number | null => (startedAt === null ? null : Math.max(0, end.getTime() - Date.parse(startedAt)));

export function createTrainingRunner(options: TrainingRunnerOptions = {}): TrainingRunner {
  const replicaId = options.replicaId ?? hostname();
  const concurrency = options.concurrency ?? 1;
  const entry = options.workerEntry ?? TRAINING_WORKER;
  const flushIntervalMs = options.flushIntervalMs ?? 500;
  const leaseMs = options.leaseMs ?? 30_000;
  const pollIntervalMs = options.pollIntervalMs ?? 1_000;
  const active = new Set<Live>();
  const running = new Set<Promise<void>>();
  let ctx: TrainingDeps | null = null;
  let closed = false;
  let timers: Array<ReturnType<typeof setInterval>> = [];
  let pumping: Promise<void> | null = null;
  let again = false;

  const lease = (c: TrainingDeps) => {
    const nowMs = c.now().getTime();
    return { holder: replicaId, nowMs, untilMs: nowMs + leaseMs };
  };

  /** Queues a database write behind the unit's earlier ones; a failure is logged, not thrown. */
  const later = (c: TrainingDeps, live: Live, write: () => Promise<unknown>): Promise<void> => {
    live.writes = live.writes.then(write).then(
      () => undefined,
      (error: unknown) => c.logger.warn('training: a database write failed', { run: live.unit.runId, unit: nameOf(live.unit), error: String(error) }),
    );
    return live.writes;
  };
  const log = (c: TrainingDeps, live: Live, level: 'info' | 'warn' | 'error', message: string): Promise<void> => later(c, live, () => runLog(c, live.unit.runId, level, message));

  const stop = (live: Live, reason: StopReason): void => {
    if (live.stopped !== null) return;
    live.stopped = reason;
    if (live.timer) clearTimeout(live.timer);
    live.timer = null;
    live.task?.cancel(reason === 'closing' ? 'hub closing' : reason === 'ended' ? 'the run ended' : 'claim lost');
  };

  /** A fenced write changed nothing: the run ended (its canceller logged it) or another replica holds the unit now. */
  const fencedOff = async (c: TrainingDeps, live: Live): Promise<void> => {
    if (live.stopped !== null) return;
    const run = await getRun(c.db, live.unit.runId);
    const ended = run === undefined || (run.status !== 'queued' && run.status !== 'running');
    stop(live, ended ? 'ended' : 'lost');
    if (ended) return;
    c.logger.warn('training: claim lost; another replica runs the unit', { run: live.unit.runId, unit: nameOf(live.unit), replica: replicaId });
    await runLog(c, live.unit.runId, 'warn', `${nameOf(live.unit)} stopped on ${replicaId}: its claim was lost (the lease ran out) and another replica runs it`);
  };

  const writeProgress = async (c: TrainingDeps, live: Live): Promise<void> => {
    if (live.stopped !== null || live.done) return;
    const { unit } = live;
    if (unit.kind === 'trial') {
      if (!(await updateHeldTrial(c.db, unit.runId, unit.index, unit.claim, { progress: permille(live.progress), epochs: live.epochs }))) return fencedOff(c, live);
      await raiseRunProgress(c, unit.runId);
      return;
    }
    const patch = { stage: live.stage, progress: permille(live.progress), ...(live.writesEpochs ? { epochs: live.epochs } : {}) };
    if (!(await updateHeldRun(c.db, unit.runId, unit.claim, patch))) return fencedOff(c, live);
  };

  /** A search's progress is its trials' (wherever they run), on the run's training span. */
  const raiseRunProgress = async (c: TrainingDeps, runId: string): Promise<void> => {
    const search = await searchProgress(c.db, runId);
    if (search.trials > 0) await raiseSearchProgress(c.db, runId, permille(trainingProgressAt(search.permille / (1000 * search.trials))));
  };

  const flush = (c: TrainingDeps, live: Live): Promise<void> => {
    if (live.timer) clearTimeout(live.timer);
    live.timer = null;
    live.lastFlush = Date.now();
    return later(c, live, () => writeProgress(c, live));
  };

  const onProgress = (c: TrainingDeps, live: Live, p: TrainingProgress): void => {
    if (live.stopped !== null) return;
    if (p.epoch) live.epochs.push(p.epoch);
    live.progress = Math.max(live.progress, p.progress);
    if (p.stage !== live.stage) {
      live.stage = p.stage;
      void flush(c, live);
      void log(c, live, 'info', `stage ${p.stage}`);
    } else if (live.timer === null) {
      live.timer = setTimeout(() => void flush(c, live), Math.max(0, flushIntervalMs - (Date.now() - live.lastFlush)));
    }
  };

  const runWorker = (c: TrainingDeps, live: Live, input: TrainingInput): Promise<TrainingResult> => {
    const task = startWorkerTask<TrainingInput, TrainingProgress, TrainingResult>(entry, input, {
      onProgress: (p) => onProgress(c, live, p),
      onLog: (level, message) => {
        if (live.stopped === null) void log(c, live, level, message);
      },
    });
    live.task = task;
    if (live.stopped !== null) task.cancel('stopped before it started');
    return task.result;
  };

  /** A search run's first claim: its trials become claimable rows, and the claim is given up. */
  async function plan(c: TrainingDeps, live: Live, row: TrainingRunRow, spec: TrainingSpec, datasetName: string, claim: Claim): Promise<void> {
    const points = searchPoints(spec);
    const trials = points.map((params, index) => ({ runId: row.id, index, params, status: 'queued', queuedAt: row.createdAt }));
    const patch = { status: 'running', stage: 'training' as const, progress: permille(STAGE_START.training ?? 0), startedAt: row.startedAt ?? c.now().toISOString(), epochs: [], trials: [], error: null };
    if (!(await planSearch(c.db, row.id, claim, trials, patch))) return fencedOff(c, live);
    live.done = true;
    await runLog(
      c,
      row.id,
      'info',
      `run started: ${spec.trainer} ${spec.task} of "${spec.target}" on dataset ${datasetName} (${spec.features.length} features, seed ${spec.seed}): a ${spec.search?.kind ?? ''} search of ${points.length} trials, each claimed by a replica's worker`,
    );
  }

  async function executeRun(c: TrainingDeps, live: Live, row: TrainingRunRow, claim: Claim): Promise<void> {
    const id = row.id;
    const spec = trainingSpecSchema.parse(row.request);
    const dataset = await getDataset(c.db, row.datasetId);
    if (!dataset) throw Object.assign(new Error(`dataset ${row.datasetId} is gone`), { code: 'E_NOT_FOUND' });
    let params = spec.params;
    let best: { index: number; metric: TrainingSpec['metric']; value: number } | undefined;
    let line: string;
    if (spec.search === null) {
      line =
        row.status === 'running'
          ? `run resumed on ${replicaId} (claim ${claim.attempt}): the replica running it stopped; restarted from the start (same seed, same result)`
          : `run started on ${replicaId}: ${describeRun(spec)} on dataset ${dataset.name} (${spec.features.length} features, seed ${spec.seed})`;
    } else {
      const trials = await listTrials(c.db, id);
      if (trials.length === 0) return plan(c, live, row, spec, dataset.name, claim);
      const search = searchRecord(trials);
      const chosen = chooseBest(search.trials, spec.search.metric);
      if (chosen === undefined) throw noFiniteTrial(spec.search.metric);
      params = { ...spec.params, ...chosen.params };
      best = { index: chosen.index, metric: spec.search.metric, value: chosen.metrics[spec.search.metric] ?? Number.NaN };
      live.writesEpochs = false;
      live.progress = row.progress / 1000;
      const replicas = [...new Set(search.trials.map((t) => t.replica ?? '?'))].sort().join(', ');
      line =
        row.stage === 'training'
          ? `search done: ${trials.length} trials on ${replicas}; best trial ${chosen.index} (validation ${best.metric} ${best.value}); the run finishes on ${replicaId}`
          : `run resumed on ${replicaId} (claim ${claim.attempt}): the replica finishing it stopped; its final fit restarts (same seed, same result)`;
    }
    live.stage = 'loading';
    const started = { status: 'running', stage: 'loading' as const, progress: permille(live.progress), startedAt: row.startedAt ?? c.now().toISOString(), error: null, finishedAt: null, durationMs: null };
    if (!(await updateHeldRun(c.db, id, claim, live.writesEpochs ? { ...started, epochs: [], trials: [] } : started))) return fencedOff(c, live);
    await log(c, live, 'info', line);
    const input: TrainingInput = {
      runId: id,
      csvPath: c.datasets.pathOf(dataset.id),
      columns: datasetColumnsSchema.parse(dataset.columns),
      spec,
      codeVersion: c.codeVersion,
      unit: { kind: 'run', params, ...(best === undefined ? {} : { best }) },
      ...(spec.derive === null ? {} : { derive: await deriveInput(c, spec.derive) }),
    };
    const result = await runWorker(c, live, input);
    if (result.kind !== 'run') throw new Error('the training worker returned a trial for a run');
    const { outcome } = result;
    live.stage = 'registering';
    live.progress = 0.98;
    await flush(c, live);
    // Fenced off (cancelled, or another replica took the run over and registers it), or closing: no registration here.
    if (live.stopped !== null) return;
    const version = spec.register ? await registerTrainedVersion(c, id, spec, outcome, triggerOf(row)?.version) : null;
    const record = spec.search === null ? { epochs: live.epochs, trials: [] } : searchRecord(await listTrials(c.db, id));
    const end = c.now();
    const succeeded = await updateHeldRun(c.db, id, claim, {
      status: 'succeeded',
      stage: 'done',
      progress: 1000,
      epochs: record.epochs,
      trials: record.trials,
      params: outcome.params,
      // A derived run shows its comparison with the source beside its test metrics (sourceAccuracy, sizeRatio, latencyRatioBatch64, ...).
      metrics: outcome.derived === undefined ? outcome.metrics : { ...derivedMetrics(outcome.derived), ...outcome.metrics },
      baselineMetrics: outcome.baselineMetrics,
      resultVersion: version,
      finishedAt: end.toISOString(),
      durationMs: durationSince(started.startedAt, end),
      claimedUntilMs: null,
    });
    live.done = true;
    await live.writes;
    if (!succeeded) {
      // Only a stall longer than the lease gets here: another replica holds the run and redoes it.
      c.logger.warn('training: the run lost its claim while registering', { run: id, version });
      return;
    }
    await runLog(c, id, 'info', version === null ? 'run succeeded (not registered)' : `run succeeded: registered ${spec.model}@${version}`);
  }

  async function executeTrial(c: TrainingDeps, live: Live, trial: TrainingTrialRow, claim: Claim): Promise<void> {
    const run = await getRun(c.db, trial.runId);
    if (!run) throw Object.assign(new Error(`training run ${trial.runId} is gone`), { code: 'E_NOT_FOUND' });
    const spec = trainingSpecSchema.parse(run.request);
    const dataset = await getDataset(c.db, run.datasetId);
    if (!dataset) throw Object.assign(new Error(`dataset ${run.datasetId} is gone`), { code: 'E_NOT_FOUND' });
    live.stage = 'training';
    const reset = { progress: 0, epochs: [], metrics: null, error: null, startedAt: c.now().toISOString(), finishedAt: null };
    if (!(await updateHeldTrial(c.db, trial.runId, trial.index, claim, reset))) return fencedOff(c, live);
    const params = (trial.params ?? {}) as Record<string, unknown>;
    await log(
      c,
      live,
      'info',
      claim.attempt > 1
        ? `trial ${trial.index} resumed on ${replicaId} (claim ${claim.attempt}): the replica running it stopped; restarted (same seed, same result)`
        : `trial ${trial.index} started on ${replicaId}: ${JSON.stringify(params)}`,
    );
    const input: TrainingInput = {
      runId: run.id,
      csvPath: c.datasets.pathOf(dataset.id),
      columns: datasetColumnsSchema.parse(dataset.columns),
      spec,
      codeVersion: c.codeVersion,
      unit: { kind: 'trial', index: trial.index, params },
    };
    const result = await runWorker(c, live, input);
    if (result.kind !== 'trial') throw new Error('the training worker returned a run for a trial');
    if (live.timer) clearTimeout(live.timer);
    live.timer = null;
    await live.writes;
    if (live.stopped !== null) return;
    const finished = { status: 'succeeded', progress: 1000, epochs: live.epochs, metrics: result.metrics, finishedAt: c.now().toISOString(), claimedUntilMs: null };
    if (!(await updateHeldTrial(c.db, trial.runId, trial.index, claim, finished))) return fencedOff(c, live);
    live.done = true;
    await raiseRunProgress(c, trial.runId);
  }

  /** A unit failed on its own (not stopped): the run fails, a trial's with it. */
  async function fail(c: TrainingDeps, live: Live, error: unknown): Promise<void> {
    const failure = errorOf(error);
    const { unit } = live;
    const end = c.now();
    const run = await getRun(c.db, unit.runId);
    const runFailure = { status: 'failed', finishedAt: end.toISOString(), durationMs: durationSince(run?.startedAt ?? null, end), claimedUntilMs: null };
    let failed: boolean;
    if (unit.kind === 'run') {
      failed = await updateHeldRun(c.db, unit.runId, unit.claim, { ...runFailure, error: failure, ...(live.writesEpochs ? { epochs: live.epochs } : {}) });
    } else {
      failed = await c.db.transaction(async (tx) => {
        const trialFailure = { status: 'failed', error: failure, epochs: live.epochs, finishedAt: end.toISOString(), claimedUntilMs: null };
        if (!(await updateHeldTrial(tx, unit.runId, unit.index, unit.claim, trialFailure))) return false;
        await finishActiveRun(tx, unit.runId, { ...runFailure, error: { code: failure.code, message: `trial ${unit.index}: ${failure.message}` } });
        return true;
      });
    }
    if (!failed) return fencedOff(c, live);
    live.done = true;
    await runLog(c, unit.runId, 'error', unit.kind === 'run' ? `run failed: ${failure.code}: ${failure.message}` : `run failed: trial ${unit.index} (on ${replicaId}): ${failure.code}: ${failure.message}`);
    c.logger.warn('training run failed', { run: unit.runId, unit: nameOf(unit), replica: replicaId, ...failure });
  }

  /** Gives an interrupted unit back (a clean shutdown), so any replica resumes it at once. */
  async function giveBack(c: TrainingDeps, live: Live): Promise<void> {
    const { unit } = live;
    const released = unit.kind === 'run' ? await releaseRun(c.db, unit.runId, unit.claim) : await releaseTrial(c.db, unit.runId, unit.index, unit.claim);
    if (released) await runLog(c, unit.runId, 'warn', `hub shutting down: ${nameOf(unit)} interrupted on ${replicaId}; any replica resumes it (this one when it starts again)`);
  }

  async function execute(c: TrainingDeps, live: Live, claimed: { run: TrainingRunRow } | { trial: TrainingTrialRow }): Promise<void> {
    try {
      // Claimed while the hub was closing: straight back.
      if (live.stopped !== null) return;
      if ('run' in claimed) await executeRun(c, live, claimed.run, live.unit.claim);
      else await executeTrial(c, live, claimed.trial, live.unit.claim);
    } catch (error) {
      if (live.timer) clearTimeout(live.timer);
      live.timer = null;
      await live.writes;
      if (live.stopped === null) await fail(c, live, error);
    } finally {
      if (live.timer) clearTimeout(live.timer);
      await live.writes;
      if (live.stopped === 'closing' && !live.done) await giveBack(c, live).catch((error: unknown) => c.logger.warn('training: could not give a unit back', { run: live.unit.runId, error: String(error) }));
      active.delete(live);
    }
  }

  const launch = (c: TrainingDeps, unit: Unit, claimed: { run: TrainingRunRow } | { trial: TrainingTrialRow }): void => {
    const live: Live = { unit, task: null, stage: 'queued', progress: 0, epochs: [], writesEpochs: true, stopped: null, done: false, timer: null, lastFlush: 0, writes: Promise.resolve() };
    active.add(live);
    if (closed) stop(live, 'closing');
    const job = execute(c, live, claimed)
      .catch((error: unknown) => c.logger.error('training: a unit ended with an error', { run: unit.runId, unit: nameOf(unit), error: String(error) }))
      .finally(() => {
        running.delete(job);
        void pump();
      });
    running.add(job);
  };

  /** Claims one unit and starts it; false when there is nothing to claim. Runs (plans and final fits) before trials. */
  const claimNext = async (c: TrainingDeps): Promise<boolean> => {
    const run = await claimRun(c.db, lease(c));
    if (run) {
      launch(c, { kind: 'run', runId: run.id, claim: { holder: replicaId, attempt: run.attempts } }, { run });
      return true;
    }
    const trial = await claimTrial(c.db, lease(c));
    if (trial) {
      launch(c, { kind: 'trial', runId: trial.runId, index: trial.index, claim: { holder: replicaId, attempt: trial.attempts } }, { trial });
      return true;
    }
    return false;
  };

  /** Claims units while a worker slot is free; one claim loop at a time, run again when woken meanwhile. Resolves when the loop ends. */
  const pump = (): Promise<void> => {
    const c = ctx;
    if (c === null || closed) return Promise.resolve();
    if (pumping) {
      again = true;
      return pumping;
    }
    // Started on a later tick, so `pumping` is set before the loop can clear it; cleared in the same
    // step as the last look at `again`, so no wake falls between the two.
    const loop = Promise.resolve().then(async () => {
      try {
        do {
          again = false;
          while (!closed && active.size < concurrency && (await claimNext(c)));
        } while (again && !closed);
      } catch (error) {
        c.logger.warn('training: could not claim work', { replica: replicaId, error: String(error) });
      } finally {
        pumping = null;
      }
    });
    pumping = loop;
    return loop;
  };

  const renewAll = async (c: TrainingDeps): Promise<void> => {
    const { untilMs } = lease(c);
    for (const live of [...active]) {
      if (live.stopped !== null || live.done) continue;
      const { unit } = live;
      const renewed = unit.kind === 'run' ? await renewRun(c.db, unit.runId, unit.claim, untilMs) : await renewTrial(c.db, unit.runId, unit.index, unit.claim, untilMs);
      // The unit may have reached its end between the check and the renewal: then nothing was lost.
      if (!renewed && !live.done) await fencedOff(c, live);
    }
  };

  return {
    replicaId,
    async start(c) {
      ctx = c;
      const released = await releaseClaimsOf(c.db, replicaId);
      if (released > 0) c.logger.info('training: took back the units this replica held when it stopped', { replica: replicaId, units: released });
      timers = [
        setInterval(() => void pump(), pollIntervalMs),
        setInterval(() => void renewAll(c).catch((error: unknown) => c.logger.warn('training: could not renew claims', { replica: replicaId, error: String(error) })), Math.max(1, Math.floor(leaseMs / 3))),
      ];
      for (const timer of timers) timer.unref();
      await pump();
    },
    wake() {
      return pump();
    },
    async cancel(runId) {
      const here = [...active].filter((live) => live.unit.runId === runId && live.stopped === null);
      for (const live of here) stop(live, 'ended');
      await Promise.all(here.map((live) => live.writes));
      return here.length > 0;
    },
    async close() {
      closed = true;
      for (const timer of timers) clearInterval(timer);
      timers = [];
      await pumping;
      for (const live of active) stop(live, 'closing');
      await Promise.allSettled([...running]);
    },
  };
}
