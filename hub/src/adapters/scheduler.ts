/**
 * The hub's scheduled jobs on node-cron. A job runs on its cron schedule and on demand (the
 * jobs API, tests); either way runs of one job never overlap, so a manual run during a
 * scheduled one waits for it instead of racing it. A failing run is logged and kept as the
 * job's last result; it never stops the schedule. With a `gate` (services/singleton-work.ts), a
 * run happens only on the replica the gate lets through; elsewhere it is recorded as skipped.
 */
import cron, { type ScheduledTask } from 'node-cron';
import type { Logger } from './logger';

export interface JobDefinition {
  name: string;
  description: string;
  /** a cron expression (node-cron: optional seconds field first) */
  schedule: string;
  run: () => unknown;
}

export interface JobRun {
  startedAt: string;
  durationMs: number;
  ok: boolean;
  reason: 'scheduled' | 'manual';
  /** true when another replica holds the singleton-work lease: nothing ran here */
  skipped?: boolean;
  result?: unknown;
  error?: string;
}

export interface JobStatus {
  name: string;
  description: string;
  schedule: string;
  running: boolean;
  nextRunAt: string | null;
  lastRun: JobRun | null;
  /** runs since this replica started: done here, skipped (another replica holds the lease), failed */
  counts: JobCounts;
}

export interface JobCounts {
  ran: number;
  skipped: number;
  failed: number;
}

export interface Scheduler {
  add(job: JobDefinition): void;
  start(): void;
  /** runs the job now (after any run in progress); a failure comes back as `ok: false`, never as a rejection */
  runNow(name: string): Promise<JobRun>;
  has(name: string): boolean;
  list(): JobStatus[];
  close(): Promise<void>;
}

interface Entry {
  job: JobDefinition;
  task: ScheduledTask | null;
  tail: Promise<unknown>;
  running: boolean;
  lastRun: JobRun | null;
  counts: JobCounts;
}

/** Lets a run through only on the replica doing the singleton work. */
export interface RunGate {
  mayRun(): Promise<boolean>;
}

export function createScheduler(logger: Logger, clock: () => Date = () => new Date(), gate?: RunGate): Scheduler {
  const entries = new Map<string, Entry>();
  const text = (message: string | Error): string => (message instanceof Error ? message.message : message);
  const cronLogger = {
    info: (message: string) => logger.info(`cron: ${message}`),
    warn: (message: string) => logger.warn(`cron: ${message}`),
    error: (message: string | Error) => logger.error(`cron: ${text(message)}`),
    debug: () => undefined,
  };
  let started = false;
  let closed = false;

  const execute = (entry: Entry, reason: JobRun['reason']): Promise<JobRun> => {
    const run = entry.tail.then(async (): Promise<JobRun> => {
      entry.running = true;
      const startedAt = clock();
      const t0 = performance.now();
      try {
        if (gate && !(await gate.mayRun())) return { startedAt: startedAt.toISOString(), durationMs: Math.round(performance.now() - t0), ok: true, reason, skipped: true };
        const result: unknown = await entry.job.run();
        return { startedAt: startedAt.toISOString(), durationMs: Math.round(performance.now() - t0), ok: true, reason, result };
      } catch (error) {
        const message = error instanceof Error ? error.message : String(error);
        logger.error('scheduled job failed', { job: entry.job.name, reason, error: message });
        return { startedAt: startedAt.toISOString(), durationMs: Math.round(performance.now() - t0), ok: false, reason, error: message };
      } finally {
        entry.running = false;
      }
    });
    entry.tail = run.then((r) => {
      entry.lastRun = r;
      if (!r.ok) entry.counts.failed++;
      else if (r.skipped) entry.counts.skipped++;
      else entry.counts.ran++;
    });
    return run;
  };

  const schedule = (entry: Entry): void => {
    entry.task = cron.schedule(
      entry.job.schedule,
      async () => {
        if (!closed) await execute(entry, 'scheduled');
      },
      // node-cron's own messages (an overlapping tick skipped, a missed run) go to the hub's log, not the console.
      { name: entry.job.name, noOverlap: true, logger: cronLogger },
    );
  };

  return {
    add(job) {
      if (entries.has(job.name)) throw new Error(`job ${job.name} already exists`);
      if (!cron.validate(job.schedule)) throw new Error(`job ${job.name}: invalid cron expression "${job.schedule}"`);
      const entry: Entry = { job, task: null, tail: Promise.resolve(), running: false, lastRun: null, counts: { ran: 0, skipped: 0, failed: 0 } };
      entries.set(job.name, entry);
      if (started) schedule(entry);
    },
    start() {
      if (started || closed) return;
      started = true;
      for (const entry of entries.values()) schedule(entry);
    },
    async runNow(name) {
      const entry = entries.get(name);
      if (!entry) throw new Error(`no job ${name}`);
      // After close the database may be gone: a late trigger does nothing.
      if (closed) return { startedAt: clock().toISOString(), durationMs: 0, ok: false, reason: 'manual', error: 'the scheduler is closed' };
      return execute(entry, 'manual');
    },
    has: (name) => entries.has(name),
    list: () =>
      [...entries.values()].map((e) => ({
        name: e.job.name,
        description: e.job.description,
        schedule: e.job.schedule,
        running: e.running,
        nextRunAt: e.task?.getNextRun()?.toISOString() ?? null,
        lastRun: e.lastRun,
        counts: { ...e.counts },
      })),
    async close() {
      closed = true;
      for (const entry of entries.values()) await entry.task?.destroy();
      // Let runs in progress finish before the database they use closes.
      await Promise.all([...entries.values()].map((e) => e.tail));
    },
  };
}

/** True when node-cron accepts the expression (for validating configuration early). */
export const isCronExpression = (expression: string): boolean => cron.validate(expression);
