/**
 * The batch queue: jobs submitted through the local API or the inbox, kept on disk
 * (BatchJobStore), run one at a time, oldest first, a job a crash left running first of all
 * (from its checkpoint). A job pins the version serving when it starts; when another version
 * serves later (a rollout, a rollback) the job fails with E_VERSION_CHANGED and keeps the
 * results it has. While nothing serves, jobs wait.
 */
import { randomBytes } from 'node:crypto';
import { basename } from 'node:path';
import { EMPTY_CHECKPOINT, formatOfName, isTerminal, jobView, nextJob, RESULTS_SUFFIX, sameVersion, versionChanged, type BatchFormat, type BatchJob, type BatchSummary } from '../core/batch/job';
import type { AgentLogger } from '../logger';
import { executeJob, refOf, type BatchTuning, type ExecuteDeps, type Outcome, type ServingModel } from './execute';
import type { BatchJobStore } from './job-store';
import type { LiveLoad } from './live-load';
import { resolveInput, resolveOutput } from './paths';

export interface BatchRunnerDeps {
  /** the batch directory's real path */
  batchDir: string;
  store: BatchJobStore;
  serving(): ServingModel | null;
  stats: ExecuteDeps['stats'];
  live: LiveLoad;
  logger: AgentLogger;
  tuning: BatchTuning;
  now(): Date;
}

export interface JobRequest {
  input: string;
  format?: BatchFormat | undefined;
  output?: string | undefined;
  origin: BatchJob['origin'];
}

export type Submitted = { ok: true; job: BatchJob } | { ok: false; field: 'input' | 'format' | 'output'; problem: string };

export class BatchRunner {
  private readonly jobs = new Map<string, BatchJob>();
  private readonly cancelling = new Set<string>();
  private readonly finishedWaiters = new Map<string, Array<() => void>>();
  private closing = false;
  private wakeUp: (() => void) | null = null;
  private woken = false;
  private loop: Promise<void> | null = null;
  private seq = 0;

  private constructor(private readonly deps: BatchRunnerDeps) {}

  static async open(deps: BatchRunnerDeps): Promise<BatchRunner> {
    const runner = new BatchRunner(deps);
    for (const job of await deps.store.load()) {
      runner.jobs.set(job.id, job);
      runner.seq = Math.max(runner.seq, job.seq);
    }
    return runner;
  }

  /** Starts running the queue (jobs a crash left running resume first). */
  start(): void {
    this.loop ??= this.run().catch((error: unknown) => this.deps.logger.error('batch runner stopped', { error }));
  }

  /** The serving model changed, or a job came: look at the queue again. */
  wake(): void {
    const wake = this.wakeUp;
    this.wakeUp = null;
    if (wake) wake();
    else this.woken = true;
  }

  /** Until the next wake(); at once when one came since the last sleep (it is never lost). */
  private sleep(): Promise<void> {
    if (this.woken) {
      this.woken = false;
      return Promise.resolve();
    }
    return new Promise<void>((resolve) => (this.wakeUp = resolve));
  }

  async submit(request: JobRequest): Promise<Submitted> {
    const input = await resolveInput(this.deps.batchDir, request.input);
    if (!input.ok) return { ok: false, field: 'input', problem: input.problem };
    const format = request.format ?? formatOfName(input.value.path);
    if (!format) return { ok: false, field: 'format', problem: `cannot tell from the name ${basename(input.value.path)}: give "csv", "jsonl" or "npy" (or name the file .csv, .jsonl, .npy)` };
    const output = await resolveOutput(this.deps.batchDir, request.output ?? `${input.value.path}${RESULTS_SUFFIX}`, input.value.path);
    if (!output.ok) return { ok: false, field: 'output', problem: output.problem };
    const clash = [...this.jobs.values()].find((job) => !isTerminal(job) && (job.output === output.value || job.input === output.value));
    if (clash) return { ok: false, field: 'output', problem: `job ${clash.id} (${clash.state}) uses ${output.value}` };
    const { path, ...source } = input.value;
    const job: BatchJob = {
      v: 1,
      id: `${Date.now().toString(36)}-${randomBytes(3).toString('hex')}`,
      seq: ++this.seq,
      state: 'queued',
      format,
      input: path,
      output: output.value,
      origin: request.origin,
      source,
      createdAt: this.deps.now().toISOString(),
      startedAt: null,
      finishedAt: null,
      version: null,
      rowsTotal: null,
      checkpoint: { ...EMPTY_CHECKPOINT },
      error: null,
    };
    await this.deps.store.save(job);
    this.jobs.set(job.id, job);
    this.deps.logger.info('batch job queued', { id: job.id, input: job.input, output: job.output, format, origin: job.origin });
    this.wake();
    return { ok: true, job };
  }

  list(): BatchJob[] {
    return [...this.jobs.values()].sort((a, b) => a.seq - b.seq);
  }

  get(id: string): BatchJob | null {
    return this.jobs.get(id) ?? null;
  }

  /** Whether a job was made from this file as it is now (the inbox makes one job per file version). */
  hasSource(path: string, source: BatchJob['source']): boolean {
    for (const job of this.jobs.values()) if (job.input === path && job.source.ino === source.ino && job.source.size === source.size && job.source.mtimeMs === source.mtimeMs) return true;
    return false;
  }

  /** Cancels a queued job at once, a running one at its next model run (resolves once it stopped); null for an unknown id. */
  async cancel(id: string): Promise<BatchJob | null> {
    const job = this.jobs.get(id);
    if (!job || isTerminal(job)) return job ?? null;
    if (job.state === 'queued') {
      await this.finish(job, 'cancelled', null);
      return job;
    }
    this.cancelling.add(id);
    await new Promise<void>((resolve) => this.finishedWaiters.set(id, [...(this.finishedWaiters.get(id) ?? []), resolve]));
    return job;
  }

  summary(): BatchSummary {
    const running = [...this.jobs.values()].find((job) => job.state === 'running');
    return {
      dir: this.deps.batchDir,
      queued: [...this.jobs.values()].filter((job) => job.state === 'queued').length,
      running: running ? { id: running.id, rowsDone: running.checkpoint.rowsDone, rowsTotal: running.rowsTotal } : null,
    };
  }

  view(job: BatchJob): Record<string, unknown> {
    return jobView(job);
  }

  /** Stops at the running job's next model run (it stays `running` on disk and resumes at the next start). */
  async close(): Promise<void> {
    this.closing = true;
    this.wake();
    await this.loop;
    for (const waiters of this.finishedWaiters.values()) for (const resolve of waiters) resolve();
  }

  private async run(): Promise<void> {
    while (!this.closing) {
      const job = nextJob(this.jobs.values());
      const model = this.deps.serving();
      if (!job || !model) {
        await this.sleep();
        continue;
      }
      const serving = refOf(model.release);
      if (!job.version) {
        job.version = serving;
        job.state = 'running';
        job.startedAt = this.deps.now().toISOString();
        await this.deps.store.save(job);
        this.deps.logger.info('batch job started', { id: job.id, input: job.input, model: serving.model, version: serving.version });
      } else if (!sameVersion(job.version, serving)) {
        await this.finish(job, 'failed', versionChanged(job.version, serving, { rowsDone: job.checkpoint.rowsDone, output: job.output }));
        continue;
      } else {
        this.deps.logger.info('batch job resumed', { id: job.id, rowsDone: job.checkpoint.rowsDone, rowsTotal: job.rowsTotal });
      }
      const outcome = await this.execute(job);
      if (outcome.kind === 'done') await this.finish(job, 'succeeded', null);
      else if (outcome.kind === 'failed') await this.finish(job, 'failed', outcome.error);
      else if (outcome.kind === 'stopped' && outcome.why === 'cancel') await this.finish(job, 'cancelled', null);
      else if (outcome.kind === 'wait' && !this.closing) await this.sleep();
    }
  }

  private async execute(job: BatchJob): Promise<Outcome> {
    this.deps.live.watching = true;
    try {
      return await executeJob(job, {
        batchDir: this.deps.batchDir,
        serving: this.deps.serving,
        stats: this.deps.stats,
        live: this.deps.live,
        save: (saved) => this.deps.store.save(saved),
        logger: this.deps.logger,
        tuning: this.deps.tuning,
        stopping: (running) => (this.closing ? 'close' : this.cancelling.has(running.id) ? 'cancel' : null),
      });
    } catch (error) {
      // A file system failure (disk full, the output removed): the job stops here, its results so far kept.
      const message = error instanceof Error ? error.message : String(error);
      return { kind: 'failed', error: { code: 'E_BATCH_IO', message: `reading or writing the job's files failed: ${message}` } };
    } finally {
      this.deps.live.watching = false;
    }
  }

  private async finish(job: BatchJob, state: 'succeeded' | 'failed' | 'cancelled', error: BatchJob['error']): Promise<void> {
    job.state = state;
    job.error = error;
    job.finishedAt = this.deps.now().toISOString();
    await this.deps.store.save(job);
    this.cancelling.delete(job.id);
    const fields = { id: job.id, state, rowsDone: job.checkpoint.rowsDone, rowsFailed: job.checkpoint.rowsFailed, rowsTotal: job.rowsTotal, output: job.output };
    if (state === 'failed') this.deps.logger.warn('batch job failed', { ...fields, code: error?.code, message: error?.message });
    else this.deps.logger.info(`batch job ${state}`, fields);
    for (const resolve of this.finishedWaiters.get(job.id) ?? []) resolve();
    this.finishedWaiters.delete(job.id);
    for (const id of await this.deps.store.prune(this.list())) this.jobs.delete(id);
  }
}
