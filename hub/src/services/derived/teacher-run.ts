/**
 * A distillation teacher's outputs on a dataset's rows, in the training worker. The teacher is
 * any registered version, an upload included, so it runs in the model sandbox (a child process
 * under the hub's memory and time limits), never in the worker's own thread.
 *
 * How rows reach it: a teacher a training run exported takes `numeric` (and `categorical`) raw
 * features named in its metadata, fed by name from the dataset; any other teacher must take one
 * float32 input [N, ...dims] whose row holds the run's numeric features in order (product of
 * dims = number of features: an image model gets its pixels, flattened row-major).
 * Which output: the request's `teacherOutput`, else `probabilities` / `prediction` of a
 * hub-exported teacher, else the only float output of rank 2.
 */
import type { IoSpec } from '@edgefleet/protocol';
import { CATEGORICAL_INPUT, FEATURES_METADATA_KEY, HEAD_METADATA_KEY, NUMERIC_INPUT, decodeModel, metadataOf } from '../../core/onnx';
import { TrainingError, type Head, type Table } from '../../core/training';
import { openSession, type Feeds, type QuantizeSession } from '../quantize/quantize-session';
import { batchOf } from '../quantize/quantize-batches';
import { rawRows } from '../training/training-data';
import { feedsOf } from '../quantize/quantize-evaluation-set';

/** Rows per teacher run, and the most input bytes one run sends: bounded IPC messages whatever the dataset's size or width. */
const CHUNK_ROWS = 256;
const CHUNK_BYTES = 8 * 1024 * 1024;
const LATENCY_RUNS = 40;

export interface TeacherInfo {
  /** hub-exported teacher: its feature names (numeric, then categorical); null for any other model */
  features: { numeric: string[]; categorical: string[] } | null;
  head: Head | null;
}

export interface TeacherOutputs {
  /** the chosen output's values, row-major [rows x width], rows in the order asked */
  values: Float32Array;
  width: number;
  output: string;
  /** how the rows were fed, for the log and lineage */
  feeding: string;
}

/** Names and head from a hub-exported teacher's metadata; nulls for anything else. */
export function teacherInfo(bytes: Uint8Array): TeacherInfo {
  const meta = metadataOf(decodeModel(bytes));
  const features = parseJson(meta[FEATURES_METADATA_KEY]);
  const head = parseJson(meta[HEAD_METADATA_KEY]);
  const names =
    isRecord(features) && Array.isArray(features['numeric']) && Array.isArray(features['categorical'])
      ? { numeric: features['numeric'].map(String), categorical: features['categorical'].map((c: unknown) => (isRecord(c) ? String(c['name']) : String(c))) }
      : null;
  return { features: names, head: isRecord(head) && typeof head['kind'] === 'string' ? (head as unknown as Head) : null };
}

function parseJson(text: string | undefined): unknown {
  if (text === undefined) return null;
  try {
    return JSON.parse(text);
  } catch {
    return null;
  }
}

const isRecord = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);

const invalid = (message: string, details: Record<string, string | number | null> = {}): TrainingError => new TrainingError('E_INVALID_DATA', message, details);

interface Feeder {
  feeds(rows: readonly number[]): Feeds;
  describe: string;
}

function feederFor(session: QuantizeSession, io: readonly IoSpec[], info: TeacherInfo, table: Table, features: readonly string[]): Feeder {
  const columns = new Map(table.columns.map((c) => [c.name, c.kind]));
  if (info.features !== null && session.inputNames.includes(NUMERIC_INPUT)) {
    const names = [...info.features.numeric, ...info.features.categorical];
    for (const name of names) if (!columns.has(name)) throw invalid(`the teacher takes feature "${name}", which is not a column of the dataset`, { feature: name });
    const wrong = info.features.numeric.find((name) => columns.get(name) !== 'numeric') ?? info.features.categorical.find((name) => columns.get(name) !== 'categorical');
    if (wrong !== undefined) throw invalid(`the teacher takes feature "${wrong}" as ${info.features.numeric.includes(wrong) ? 'numeric' : 'categorical'}; the dataset's column is not`, { feature: wrong });
    return { feeds: (rows) => feedsOf(rawRows(table, names, rows)), describe: `by name (${NUMERIC_INPUT}${info.features.categorical.length > 0 ? ` and ${CATEGORICAL_INPUT}` : ''})` };
  }
  if (io.length !== 1) throw invalid(`the teacher has ${io.length} inputs (${io.map((i) => i.name).join(', ')}); a teacher not exported by a training run must take one float32 input [N, ...] holding the features`, { inputs: io.length });
  const input = io[0] as IoSpec;
  if (input.type !== 'float32') throw invalid(`the teacher's input ${input.name} is ${input.type}; a teacher not exported by a training run must take float32`, { input: input.name });
  const inner = input.shape.slice(1);
  const fixed = inner.every((d): d is number => typeof d === 'number' && d > 0);
  const size = fixed ? inner.reduce((n, d) => n * d, 1) : features.length;
  if (size !== features.length || (!fixed && inner.length !== 1)) {
    throw invalid(`the teacher's input ${input.name} [${input.shape.join(', ')}] holds ${fixed ? size : '?'} values per row; the run has ${features.length} features (name exactly as many with "features")`, { features: features.length });
  }
  const categorical = features.find((name) => columns.get(name) !== 'numeric');
  if (categorical !== undefined) throw invalid(`feature "${categorical}" is categorical; a teacher not exported by a training run gets numeric features only`, { feature: categorical });
  const dims = fixed ? (inner as number[]) : [features.length];
  return {
    feeds: (rows) => ({ [input.name]: { type: 'float32', data: rawRows(table, features, rows).numeric, dims: [rows.length, ...dims] } }),
    describe: `as ${input.name} [N, ${dims.join(', ')}] (the ${features.length} features in order)`,
  };
}

function chooseOutput(session: QuantizeSession, io: readonly IoSpec[], info: TeacherInfo, requested: string | null): string {
  if (requested !== null) {
    if (!session.outputNames.includes(requested)) throw invalid(`the teacher has no output "${requested}" (it has ${session.outputNames.join(', ')})`, { output: requested });
    return requested;
  }
  if (info.head !== null) {
    const name = info.head.kind === 'identity' ? 'prediction' : info.head.kind === 'reconstruction' ? 'score' : 'probabilities';
    if (session.outputNames.includes(name)) return name;
  }
  const candidates = io.filter((o) => o.type === 'float32' && o.shape.length === 2);
  if (candidates.length !== 1) throw invalid(`cannot tell which teacher output holds the class scores (float32 [N, K] outputs: ${candidates.map((c) => c.name).join(', ') || 'none'}); name it with "teacherOutput"`, { candidates: candidates.length });
  return (candidates[0] as IoSpec).name;
}

export interface TeacherRun {
  outputs: TeacherOutputs;
  latencyMs: { batch1: number; batch64?: number };
}

/**
 * Runs the teacher (`info`: teacherInfo of its bytes) over `rows` (table row indices) in chunks
 * and times it at batch 1 and 64 on the first rows of `timingRows`. `onChunk` reports the
 * fraction done.
 */
export async function runTeacher(
  bytes: Uint8Array,
  info: TeacherInfo,
  io: { inputs: IoSpec[]; outputs: IoSpec[] },
  table: Table,
  features: readonly string[],
  requestedOutput: string | null,
  rows: readonly number[],
  timingRows: readonly number[],
  onChunk: (fraction: number) => void,
): Promise<TeacherRun> {
  const session = await openSession(bytes);
  try {
    const feeder = feederFor(session, io.inputs, info, table, features);
    const output = chooseOutput(session, io.outputs, info, requestedOutput);
    let values: Float32Array | undefined;
    let width = 0;
    // A graph with a fixed batch dim takes exactly that many rows a run.
    const first = io.inputs[0]?.shape[0];
    const fixedBatch = typeof first === 'number' && first > 0;
    const chunkRows = fixedBatch ? first : Math.max(1, Math.min(CHUNK_ROWS, Math.floor(CHUNK_BYTES / (4 * Math.max(1, features.length)))));
    if (fixedBatch && rows.length % chunkRows !== 0) throw invalid(`the teacher takes batches of exactly ${chunkRows} rows; ${rows.length} rows do not divide into them`, { batch: chunkRows });
    for (let start = 0; start < rows.length; start += chunkRows) {
      const chunk = rows.slice(start, start + chunkRows);
      const result = (await session.run(feeder.feeds(chunk)))[output];
      if (result === undefined || !(result.data instanceof Float32Array)) throw invalid(`the teacher's output ${output} is not float32`, { output });
      const rowWidth = result.data.length / chunk.length;
      if (!Number.isInteger(rowWidth) || rowWidth < 1) throw invalid(`the teacher's output ${output} has ${result.data.length} values for ${chunk.length} rows`, { output });
      if (values === undefined) {
        width = rowWidth;
        values = new Float32Array(rows.length * width);
      } else if (rowWidth !== width) {
        throw invalid(`the teacher's output ${output} changed width between runs (${width}, then ${rowWidth})`, { output });
      }
      values.set(result.data, start * width);
      onChunk(Math.min(1, (start + chunk.length) / rows.length));
    }
    const timing = feeder.feeds(timingRows.slice(0, 64).length > 0 ? timingRows.slice(0, 64) : rows.slice(0, 64));
    const latencyMs: TeacherRun['latencyMs'] = { batch1: await session.medianMs(batchOf(timing, io.inputs, 1), LATENCY_RUNS) };
    if (typeof io.inputs[0]?.shape[0] === 'string') latencyMs.batch64 = await session.medianMs(batchOf(timing, io.inputs, 64), LATENCY_RUNS);
    return { outputs: { values: values ?? new Float32Array(0), width, output, feeding: feeder.describe }, latencyMs };
  } finally {
    await session.release();
  }
}
