/**
 * Runs one batch job from its checkpoint to its end, a chunk of rows at a time:
 *
 * 1. read a sub-batch (runRows) of rows, wait for the runner's turn (live requests first,
 *    LiveLoad.turn), check the serving version is still the job's, run the rows as one request
 *    (one at a time for a model whose inputs or outputs are not per row), make their lines;
 * 2. every checkpointRows rows once checkpointMs passed (or 8 MiB of lines, and at the end): append the lines to the output, fsync it, then
 *    save the job with its new checkpoint (atomic file), and only then count the rows in the
 *    statistics window, so a row is counted once whatever the moment of a crash (at most once:
 *    rows the crash interrupted before their checkpoint are run and counted again after it).
 *
 * It changes `job` in place (the caller's object) and returns how it ended; the caller makes the
 * state transitions. A stop (agent closing, job cancelled) drops the rows after the checkpoint.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { ReleaseManifest, TensorJson } from '@edgefleet/protocol';
import type { TypedTensor } from '@edgefleet/device-core';
import { progressDue, resumePoint, sameVersion, versionChanged, type BatchJob, type ModelVersionRef, type ProgressMark } from '../core/batch/job';
import { errorLine, resultLine, sliceOutputs, stackableModel, stackRows, wholeOutputs, type RowInputs } from '../core/batch/row-tensors';
import { fsyncDir } from '../adapters/atomic-file';
import { toAgentError } from '../errors';
import type { AgentLogger } from '../logger';
import type { LiveLoad } from './live-load';
import { NO_FOLLOW, resolveInput } from './paths';
import { openRowSource, SourceError, type RowSource, type SourceRow } from './row-source';

export interface ServingModel {
  readonly release: ReleaseManifest;
  runTyped(inputs: Readonly<Record<string, TypedTensor>>): Promise<Record<string, TypedTensor>>;
}

export interface BatchTuning {
  /** rows between checkpoints (output fsync + job file), at the least */
  checkpointRows: number;
  /** and at least this long between them: a fast model would otherwise fsync hundreds of times a second */
  checkpointMs: number;
  /** rows per model run */
  runRows: number;
  /** longest a model run waits for live requests in flight */
  liveWaitMs: number;
}

export interface ExecuteDeps {
  batchDir: string;
  serving(): ServingModel | null;
  stats: { record(release: ReleaseManifest, inputs: RowInputs, outputs: RowInputs, latencyMs: number): void; recordError(code: string): void };
  live: Pick<LiveLoad, 'turn'>;
  save(job: BatchJob): Promise<void>;
  logger: AgentLogger;
  tuning: BatchTuning;
  /** 'close' or 'cancel' once the job must stop at its next step */
  stopping(job: BatchJob): 'close' | 'cancel' | null;
}

/** Result lines held in memory before a checkpoint writes them, whatever the time (characters; about bytes). */
const MAX_BUFFERED = 8 * 1024 * 1024;

export type Outcome = { kind: 'done' } | { kind: 'failed'; error: { code: string; message: string } } | { kind: 'stopped'; why: 'close' | 'cancel' } | { kind: 'wait' };

export const refOf = (release: ReleaseManifest): ModelVersionRef => ({ model: release.model, version: release.version, sha256: release.artifact.sha256 });

type PendingStat = { release: ReleaseManifest; inputs: RowInputs; outputs: RowInputs; latencyMs: number } | { code: string };

class Interrupt {
  constructor(readonly outcome: Outcome) {}
}

export async function executeJob(job: BatchJob, deps: ExecuteDeps): Promise<Outcome> {
  const pinned = job.version;
  if (!pinned) throw new Error('executeJob: the job has no version pinned');
  const model = deps.serving();
  if (!model) return { kind: 'wait' };
  const input = await resolveInput(deps.batchDir, job.input);
  if (!input.ok) return { kind: 'failed', error: { code: 'E_BAD_PATH', message: `input: ${input.problem}` } };
  let source: RowSource;
  try {
    source = await openRowSource(input.value.path, job.format, model.release, job.checkpoint.inputOffset || null);
  } catch (error) {
    if (error instanceof SourceError) return { kind: 'failed', error: { code: error.code, message: error.message } };
    throw error;
  }
  let out: FileHandle | null = null;
  try {
    out = await open(job.output, constants.O_RDWR | constants.O_CREAT | NO_FOLLOW, 0o644);
    const point = resumePoint(job, source.dataStart);
    // The file's directory entry is made durable before any checkpoint counts bytes in it: after a
    // power cut a checkpoint never points into a results file that vanished with its directory entry.
    if (point.outputBytes === 0) await fsyncDir(dirname(job.output));
    // Results past the checkpoint are from rows a crash interrupted: they are written again.
    await out.truncate(point.outputBytes);
    if (job.rowsTotal === null) {
      job.rowsTotal = source.rowsTotal;
      await deps.save(job);
    }
    return await runChunks(job, pinned, source, out, point, deps);
  } catch (error) {
    if (error instanceof Interrupt) return error.outcome;
    if (error instanceof SourceError) return { kind: 'failed', error: { code: error.code, message: error.message } };
    throw error;
  } finally {
    await source.close();
    await out?.close();
  }
}

async function runChunks(job: BatchJob, pinned: ModelVersionRef, source: RowSource, out: FileHandle, start: BatchJob['checkpoint'], deps: ExecuteDeps): Promise<Outcome> {
  const checkpointRows = Math.max(1, deps.tuning.checkpointRows);
  const runRows = Math.max(1, Math.min(deps.tuning.runRows, checkpointRows));
  let lastCheckpoint = Date.now();
  let point = start;
  let mark: ProgressMark = { at: Date.now(), rowsDone: point.rowsDone };
  const rate = { at: Date.now(), rows: point.rowsDone };
  const perRow = { stackable: true };
  for (;;) {
    const lines: string[] = [];
    const pending: PendingStat[] = [];
    let rows = 0;
    let failed = 0;
    let end = point.inputOffset;
    let exhausted = false;
    let buffered = 0;
    // A checkpoint once both enough rows and enough time went by, or the lines held reach MAX_BUFFERED.
    while ((rows < checkpointRows || Date.now() - lastCheckpoint < deps.tuning.checkpointMs) && buffered < MAX_BUFFERED) {
      const taken = await source.take(runRows);
      if (taken.rows.length === 0) {
        exhausted = true;
        break;
      }
      const model = await turn(job, pinned, deps);
      const results = await runRowsOn(model, taken.rows, perRow, pinned, job, deps);
      taken.rows.forEach((_, i) => {
        const row = point.rowsDone + rows + i;
        const result = results[i];
        const line = result && 'outputs' in result ? resultLine(row, result.outputs) : errorLine(row, result?.error ?? { code: 'E_INFERENCE', message: 'no result' });
        if (!(result && 'outputs' in result)) failed++;
        lines.push(line);
        buffered += line.length;
      });
      for (const result of results) if (result.stat) pending.push(result.stat);
      rows += taken.rows.length;
      end = taken.end;
    }
    if (rows > 0) {
      const bytes = Buffer.from(lines.join(''));
      await out.write(bytes, 0, bytes.length, point.outputBytes);
      await out.datasync();
      point = { rowsDone: point.rowsDone + rows, rowsFailed: point.rowsFailed + failed, outputBytes: point.outputBytes + bytes.length, inputOffset: end };
      job.checkpoint = point;
      await deps.save(job);
      lastCheckpoint = Date.now();
      for (const stat of pending) {
        if ('code' in stat) deps.stats.recordError(stat.code);
        else deps.stats.record(stat.release, stat.inputs, stat.outputs, stat.latencyMs);
      }
      const now = Date.now();
      if (progressDue(mark, now, point.rowsDone, job.rowsTotal)) {
        const seconds = (now - rate.at) / 1000;
        deps.logger.info('batch job progress', { id: job.id, rowsDone: point.rowsDone, rowsTotal: job.rowsTotal, rowsFailed: point.rowsFailed, rowsPerSecond: seconds > 0 ? Math.round((point.rowsDone - rate.rows) / seconds) : null });
        mark = { at: now, rowsDone: point.rowsDone };
      }
    }
    if (exhausted) return { kind: 'done' };
  }
}

/** Waits for the runner's turn, then the model to run on, or an interrupt (stop, version change). */
async function turn(job: BatchJob, pinned: ModelVersionRef, deps: ExecuteDeps): Promise<ServingModel> {
  await deps.live.turn(deps.tuning.liveWaitMs);
  const stop = deps.stopping(job);
  if (stop) throw new Interrupt({ kind: 'stopped', why: stop });
  const model = deps.serving();
  if (!model) throw new Interrupt({ kind: 'wait' });
  const serving = refOf(model.release);
  if (!sameVersion(pinned, serving)) throw new Interrupt({ kind: 'failed', error: versionChanged(pinned, serving, { rowsDone: job.checkpoint.rowsDone, output: job.output }) });
  return model;
}

type RowResult = ({ outputs: Record<string, TensorJson> } | { error: { code: string; message: string } }) & { stat?: PendingStat };

/** The rows' results in order: stacked into one run when the model allows, else one run each. */
async function runRowsOn(model: ServingModel, rows: readonly SourceRow[], perRow: { stackable: boolean }, pinned: ModelVersionRef, job: BatchJob, deps: ExecuteDeps): Promise<RowResult[]> {
  const results: RowResult[] = rows.map((row) => (row.ok ? { error: { code: '', message: '' } } : { error: row.error, stat: { code: row.error.code } }));
  const good = rows.flatMap((row, i) => (row.ok ? [{ i, inputs: row.inputs }] : []));
  if (good.length === 0) return results;
  if (perRow.stackable && stackableModel(model.release.io.inputs)) {
    const stacked = stackRows(good.map((g) => g.inputs));
    if (stacked) {
      const ran = await runOnce(model, stacked);
      if ('outputs' in ran) {
        const sliced = sliceOutputs(ran.outputs, good.length);
        if (sliced) {
          good.forEach((g, k) => (results[g.i] = { outputs: sliced[k] as Record<string, TensorJson> }));
          (results[good[0]?.i ?? 0] as RowResult).stat = { release: model.release, inputs: stacked, outputs: ran.outputs, latencyMs: ran.latencyMs };
          return results;
        }
        // Outputs not per row (a sequence model's state): this job's rows run one at a time.
        perRow.stackable = false;
      }
      // A failed run of many rows: each row alone says which of them the model refuses.
    }
  }
  for (const g of good) {
    if (g !== good[0]) await turn(job, pinned, deps);
    const ran = await runOnce(model, g.inputs);
    if ('outputs' in ran) results[g.i] = { outputs: sliceOutputs(ran.outputs, 1)?.[0] ?? wholeOutputs(ran.outputs), stat: { release: model.release, inputs: g.inputs, outputs: ran.outputs, latencyMs: ran.latencyMs } };
    else {
      // A run that failed because the version was replaced under it is not this row's fault.
      const now = deps.serving();
      if (!now || !sameVersion(pinned, refOf(now.release))) await turn(job, pinned, deps);
      results[g.i] = { error: ran.error, stat: { code: ran.error.code } };
    }
  }
  return results;
}

async function runOnce(model: ServingModel, inputs: RowInputs): Promise<{ outputs: Record<string, TypedTensor>; latencyMs: number } | { error: { code: string; message: string } }> {
  const started = performance.now();
  try {
    const outputs = await model.runTyped(inputs);
    return { outputs, latencyMs: performance.now() - started };
  } catch (error) {
    const agentError = toAgentError(error, 'E_INFERENCE');
    return { error: { code: agentError.code, message: agentError.message } };
  }
}
