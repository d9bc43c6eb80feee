/**
 * The training queue: runs execute one at a time (by default) in a worker thread, so the hub's
 * event loop keeps serving. Progress, epochs and trials are kept in memory and written at most
 * every `flushIntervalMs` (and at every stage change); log lines are written as they come.
 * Restart safety: `start` re-queues runs left queued or running (seeded, so the rerun is
 * equivalent); `close` stops the worker and leaves the run to be re-queued on the next start.
 */
import { getDataset } from '../../adapters/db/datasets';
import { getRun, unfinishedRuns, updateRun } from '../../adapters/db/training-runs';
import { startWorkerTask, type WorkerTask } from '../../adapters/jobs/worker-task';
import type { HubContext } from '../context';
import { registerTrainedVersion } from './training-register';
import { triggerOf } from './training-runs';
import { runLog } from './training-log';
import { datasetColumnsSchema, trainingSpecSchema, type EpochEntry, type TrainingInput, type TrainingOutcome, type TrainingProgress, type TrainingStage, type TrialEntry } from './training-types';

export interface TrainingRunnerOptions {
  /** runs executing at once; default 1 */
  concurrency?: number;
  /** the worker module; default workers/training-worker.ts */
  workerEntry?: URL;
  /** least time between two progress writes of a run; default 500 ms */
  flushIntervalMs?: number;
}

export type CancelOutcome = 'cancelled' | 'finishing' | 'unknown';

export interface TrainingRunner {
  /** resumes unfinished runs; call once the hub knows its public URL */
  start(ctx: HubContext): void;
  enqueue(runId: string): void;
  cancel(runId: string): CancelOutcome;
  /** stops running workers (their runs stay unfinished, for the next start) and waits for them */
  close(): Promise<void>;
}

interface Live {
  task: WorkerTask<TrainingOutcome> | null;
  stage: TrainingStage;
  progress: number;
  epochs: EpochEntry[];
  trials: TrialEntry[];
  phase: 'worker' | 'registering';
  cancelled: boolean;
  timer: ReturnType<typeof setTimeout> | null;
  lastFlush: number;
}

const TRAINING_WORKER = new URL('../../workers/training-worker.ts', import.meta.url);
const permille = (p: number): number => Math.round(Math.min(1, Math.max(0, p)) * 1000);
const errorOf = (error: unknown): { code: string; message: string } => ({
  code: typeof error === 'object' && error !== null && 'code' in error && typeof error.code === 'string' ? error.code : 'E_INTERNAL',
  message: error instanceof Error ? error.message : String(error),
});

export function createTrainingRunner(options: TrainingRunnerOptions = {}): TrainingRunner {
  const concurrency = options.concurrency ?? 1;
  const entry = options.workerEntry ?? TRAINING_WORKER;
  const flushIntervalMs = options.flushIntervalMs ?? 500;
  const queue: string[] = [];
  const active = new Map<string, Live>();
  const running = new Set<Promise<void>>();
  let ctx: HubContext | null = null;
  let closed = false;

  const flush = (c: HubContext, id: string, live: Live): void => {
    if (live.timer) clearTimeout(live.timer);
    live.timer = null;
    live.lastFlush = Date.now();
    updateRun(c.db, id, { stage: live.stage, progress: permille(live.progress), epochs: live.epochs, trials: live.trials });
  };

  const onProgress = (c: HubContext, id: string, live: Live, p: TrainingProgress): void => {
    if (closed || live.cancelled) return;
    if (p.epoch) live.epochs.push(p.epoch);
    if (p.trial) live.trials.push(p.trial);
    live.progress = Math.max(live.progress, p.progress);
    if (p.stage !== live.stage) {
      live.stage = p.stage;
      flush(c, id, live);
      runLog(c, id, 'info', `stage ${p.stage}`);
    } else if (live.timer === null) {
      live.timer = setTimeout(() => flush(c, id, live), Math.max(0, flushIntervalMs - (Date.now() - live.lastFlush)));
    }
  };

  async function execute(c: HubContext, id: string): Promise<void> {
    const row = getRun(c.db, id);
    if (!row || row.status !== 'queued') return;
    const started = c.now();
    const finished = () => ({ finishedAt: c.now().toISOString(), durationMs: c.now().getTime() - started.getTime() });
    const live: Live = { task: null, stage: 'loading', progress: 0, epochs: [], trials: [], phase: 'worker', cancelled: false, timer: null, lastFlush: 0 };
    active.set(id, live);
    try {
      const spec = trainingSpecSchema.parse(row.request);
      const dataset = getDataset(c.db, row.datasetId);
      if (!dataset) throw Object.assign(new Error(`dataset ${row.datasetId} is gone`), { code: 'E_NOT_FOUND' });
      updateRun(c.db, id, { status: 'running', stage: 'loading', progress: 0, startedAt: started.toISOString(), epochs: [], trials: [], error: null, finishedAt: null, durationMs: null });
      runLog(c, id, 'info', `run started: ${spec.trainer} ${spec.task} of "${spec.target}" on dataset ${dataset.name} (${spec.features.length} features, seed ${spec.seed})`);
      const input: TrainingInput = { runId: id, csvPath: c.datasets.pathOf(dataset.id), columns: datasetColumnsSchema.parse(dataset.columns), spec, codeVersion: c.codeVersion };
      live.task = startWorkerTask<TrainingInput, TrainingProgress, TrainingOutcome>(entry, input, {
        onProgress: (p) => onProgress(c, id, live, p),
        onLog: (level, message) => {
          if (!closed && !live.cancelled) runLog(c, id, level, message);
        },
      });
      const outcome = await live.task.result;
      live.phase = 'registering';
      live.stage = 'registering';
      live.progress = 0.98;
      flush(c, id, live);
      const version = spec.register ? await registerTrainedVersion(c, id, spec, outcome, triggerOf(row)?.version) : null;
      updateRun(c.db, id, {
        status: 'succeeded',
        stage: 'done',
        progress: 1000,
        epochs: live.epochs,
        trials: live.trials,
        params: outcome.params,
        metrics: outcome.metrics,
        baselineMetrics: outcome.baselineMetrics,
        resultVersion: version,
        ...finished(),
      });
      runLog(c, id, 'info', version === null ? 'run succeeded (not registered)' : `run succeeded: registered ${spec.model}@${version}`);
    } catch (error) {
      if (live.timer) clearTimeout(live.timer);
      if (closed) {
        runLog(c, id, 'warn', 'hub shutting down: run interrupted; it is re-queued when the hub starts again');
        return;
      }
      if (live.cancelled) return;
      const failure = errorOf(error);
      updateRun(c.db, id, { status: 'failed', error: failure, epochs: live.epochs, trials: live.trials, ...finished() });
      runLog(c, id, 'error', `run failed: ${failure.code}: ${failure.message}`);
      c.logger.warn('training run failed', { run: id, ...failure });
    } finally {
      if (live.timer) clearTimeout(live.timer);
      active.delete(id);
    }
  }

  const pump = (): void => {
    const c = ctx;
    if (c === null || closed) return;
    while (active.size < concurrency && queue.length > 0) {
      const id = queue.shift() as string;
      const job = execute(c, id).finally(() => {
        running.delete(job);
        pump();
      });
      running.add(job);
      // execute() registers its Live synchronously before its first await.
    }
  };

  return {
    start(c) {
      ctx = c;
      for (const row of unfinishedRuns(c.db)) {
        const was = row.status;
        updateRun(c.db, row.id, { status: 'queued', stage: 'queued', progress: 0, epochs: [], trials: [] });
        runLog(c, row.id, 'warn', `hub restarted while the run was ${was}: re-queued from the start (same seed, same result)`);
        if (!queue.includes(row.id)) queue.push(row.id);
      }
      pump();
    },
    enqueue(runId) {
      if (closed || queue.includes(runId) || active.has(runId)) return;
      queue.push(runId);
      pump();
    },
    cancel(runId) {
      const c = ctx;
      if (c === null) return 'unknown';
      const at = queue.indexOf(runId);
      const live = active.get(runId);
      if (at < 0 && live === undefined) return 'unknown';
      if (live?.phase === 'registering') return 'finishing';
      if (at >= 0) queue.splice(at, 1);
      if (live) {
        live.cancelled = true;
        live.task?.cancel('cancelled by request');
      }
      updateRun(c.db, runId, { status: 'cancelled', finishedAt: c.now().toISOString(), ...(live ? { epochs: live.epochs, trials: live.trials } : {}) });
      runLog(c, runId, 'warn', live ? 'run cancelled: worker stopped' : 'run cancelled before it started');
      return 'cancelled';
    },
    async close() {
      closed = true;
      queue.length = 0;
      for (const live of active.values()) live.task?.cancel('hub closing');
      await Promise.allSettled([...running]);
    },
  };
}
