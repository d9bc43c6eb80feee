/**
 * A batch job and the decisions about it, without I/O: its states, which job runs next, where a
 * job resumes after a crash, whether the serving version still is the job's, and when progress
 * is worth a log line.
 *
 * States: queued -> running -> succeeded | failed | cancelled (queued may go straight to
 * cancelled or failed). Exactly once rests on the checkpoint: results of rows
 * [0, rowsDone) are the first `outputBytes` bytes of the output, and the input continues at byte
 * `inputOffset`. It is written (atomically) only after those bytes are on disk (fsync), so after
 * a crash the output is cut back to `outputBytes` and the input read again from `inputOffset`:
 * a row's result is never written twice nor skipped.
 */

export const BATCH_FORMATS = ['csv', 'jsonl', 'npy'] as const;
export type BatchFormat = (typeof BATCH_FORMATS)[number];
export type BatchState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface ModelVersionRef {
  model: string;
  version: string;
  sha256: string;
}

export interface Checkpoint {
  /** rows whose result lines are in the output's first `outputBytes` bytes */
  rowsDone: number;
  /** of those, rows with an error line instead of outputs */
  rowsFailed: number;
  outputBytes: number;
  /** where the next row starts in the input (bytes) */
  inputOffset: number;
}

export interface BatchJob {
  v: 1;
  id: string;
  /** submission order */
  seq: number;
  state: BatchState;
  format: BatchFormat;
  /** absolute, resolved inside the batch directory */
  input: string;
  output: string;
  origin: 'api' | 'inbox';
  /** the input file's identity when submitted (an inbox file renamed in again is a new job) */
  source: { ino: number; size: number; mtimeMs: number };
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  /** the version serving when the job started; every row runs on it */
  version: ModelVersionRef | null;
  rowsTotal: number | null;
  checkpoint: Checkpoint;
  error: { code: string; message: string } | null;
}

export const TERMINAL: ReadonlySet<BatchState> = new Set<BatchState>(['succeeded', 'failed', 'cancelled']);
export const isTerminal = (job: Pick<BatchJob, 'state'>): boolean => TERMINAL.has(job.state);

export const EMPTY_CHECKPOINT: Checkpoint = { rowsDone: 0, rowsFailed: 0, outputBytes: 0, inputOffset: 0 };

/** The format a file name implies, or null. */
export function formatOfName(name: string): BatchFormat | null {
  const lower = name.toLowerCase();
  if (lower.endsWith('.csv')) return 'csv';
  if (lower.endsWith('.jsonl') || lower.endsWith('.ndjson')) return 'jsonl';
  if (lower.endsWith('.npy')) return 'npy';
  return null;
}

export const RESULTS_SUFFIX = '.results.jsonl';

/** Inbox names that are never jobs: hidden, partial, and the results the agent writes there. */
export function inboxCandidate(name: string): boolean {
  const lower = name.toLowerCase();
  if (name.startsWith('.') || lower.endsWith('.tmp') || lower.endsWith('.partial') || lower.endsWith(RESULTS_SUFFIX)) return false;
  return formatOfName(name) !== null;
}

/** The job to run next: one a crash left running resumes first, then the oldest queued. */
export function nextJob(jobs: Iterable<BatchJob>): BatchJob | null {
  let best: BatchJob | null = null;
  for (const job of jobs) {
    if (job.state !== 'running' && job.state !== 'queued') continue;
    if (!best || rank(job) < rank(best) || (rank(job) === rank(best) && job.seq < best.seq)) best = job;
  }
  return best;
}
const rank = (job: BatchJob): number => (job.state === 'running' ? 0 : 1);

export const sameVersion = (a: ModelVersionRef, b: ModelVersionRef): boolean => a.model === b.model && a.version === b.version && a.sha256 === b.sha256;
const label = (ref: ModelVersionRef): string => `${ref.model}@${ref.version}`;

/**
 * Whether the job may (go on) run(ning) on what serves now: `start` pins the serving version on
 * a job that has none yet; `wait` while nothing serves; `changed` when another version serves
 * than the one it started on (a rollout or a rollback): the job fails, rows so far kept.
 */
export function versionVerdict(job: Pick<BatchJob, 'version'>, serving: ModelVersionRef | null): { kind: 'start' | 'same' | 'wait' } | { kind: 'changed'; error: { code: string; message: string } } {
  if (!serving) return { kind: 'wait' };
  if (!job.version) return { kind: 'start' };
  if (sameVersion(job.version, serving)) return { kind: 'same' };
  return { kind: 'changed', error: versionChanged(job.version, serving, null) };
}

export function versionChanged(from: ModelVersionRef, to: ModelVersionRef, done: { rowsDone: number; output: string } | null): { code: string; message: string } {
  const kept = !done ? '' : done.rowsDone === 0 ? ' before any row was done' : ` after ${done.rowsDone} rows; the results of rows 0 to ${done.rowsDone - 1} are kept in ${done.output}`;
  return {
    code: 'E_VERSION_CHANGED',
    message: `the serving version changed from ${label(from)} to ${label(to)}${kept}: a job runs every row on the version it started on; submit the rest again to run it on ${label(to)}`,
  };
}

/** Where a (re)started job reads, writes and counts from: its last checkpoint. */
export function resumePoint(job: Pick<BatchJob, 'checkpoint'>, dataStart: number): Checkpoint {
  const point = job.checkpoint;
  return { ...point, inputOffset: Math.max(point.inputOffset, dataStart) };
}

export interface ProgressMark {
  at: number;
  rowsDone: number;
}

/** A progress line every tenth of the rows (when the total is known) or every 10 s. */
export function progressDue(last: ProgressMark, now: number, rowsDone: number, rowsTotal: number | null): boolean {
  if (now - last.at >= 10_000) return true;
  if (rowsTotal === null || rowsTotal === 0) return false;
  return Math.floor((10 * rowsDone) / rowsTotal) > Math.floor((10 * last.rowsDone) / rowsTotal);
}

/** What GET /v1/status shows of the batch jobs. */
export interface BatchSummary {
  dir: string;
  queued: number;
  running: { id: string; rowsDone: number; rowsTotal: number | null } | null;
}

/** The API's view: the checkpoint's counts on top, the byte offsets left out. */
export function jobView(job: BatchJob): Record<string, unknown> {
  const { checkpoint, source: _source, v: _v, seq: _seq, ...rest } = job;
  return { ...rest, rowsDone: checkpoint.rowsDone, rowsFailed: checkpoint.rowsFailed };
}
