/**
 * A job's input as rows, from a byte offset: CSV (a header naming the model's features, then
 * one row a line), JSON Lines (one POST /v1/predict body a line) or .npy (float32 rows after the
 * header). Each row is the model's inputs for that row, or why it has none (a bad row gets an
 * error line in the results; the job goes on). Problems with the file as a whole (a bad header,
 * a model it cannot feed) are thrown as SourceError and fail the job.
 */
import { constants } from 'node:fs';
import { open, type FileHandle } from 'node:fs/promises';
import type { ReleaseManifest } from '@edgefleet/protocol';
import { parseCsvLine } from '../core/batch/csv-line';
import type { BatchFormat } from '../core/batch/job';
import { npyRowBytes, parseNpyHeader, type NpyHeader } from '../core/batch/npy-header';
import type { RowInputs } from '../core/batch/row-tensors';
import { bindHeader, npyPlan, rowTensors, tablePlan, type HeaderBinding } from '../core/batch/table-plan';
import { parsePredictBody } from '../core/predict-request';
import { toAgentError } from '../errors';
import { countLines, LineReader, LineTooLong, readPrefix } from './readers';
import { NO_FOLLOW } from './paths';

export type SourceRow = { ok: true; inputs: RowInputs } | { ok: false; error: { code: string; message: string } };

export class SourceError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

export interface RowSource {
  /** where the first row starts (after a header) */
  readonly dataStart: number;
  /** rows in the whole input */
  readonly rowsTotal: number;
  /** up to `n` rows from where the last take stopped, and the offset just after them */
  take(n: number): Promise<{ rows: SourceRow[]; end: number }>;
  close(): Promise<void>;
}

export async function openRowSource(path: string, format: BatchFormat, release: ReleaseManifest, from: number | null): Promise<RowSource> {
  let handle: FileHandle;
  try {
    handle = await open(path, constants.O_RDONLY | NO_FOLLOW);
  } catch (error) {
    throw new SourceError('E_BAD_PATH', `the input ${path} cannot be opened: ${(error as Error).message}`);
  }
  try {
    if (format === 'npy') return await npySource(handle, release, from);
    return await lineSource(handle, format, release, from);
  } catch (error) {
    await handle.close();
    throw error;
  }
}

const rowError = (error: unknown): SourceRow => {
  const agentError = toAgentError(error, 'E_SCHEMA');
  return { ok: false, error: { code: agentError.code, message: agentError.message } };
};

async function lineSource(handle: FileHandle, format: 'csv' | 'jsonl', release: ReleaseManifest, from: number | null): Promise<RowSource> {
  let binding: HeaderBinding | null = null;
  let header: string[] = [];
  let dataStart = 0;
  if (format === 'csv') {
    const plan = tablePlan(release);
    if (!plan.ok) throw new SourceError('E_SCHEMA', plan.problem);
    const first = await new LineReader(handle, 0).next().catch(tooLong);
    if (!first) throw new SourceError('E_SCHEMA', 'the CSV is empty: it needs a header line naming the columns');
    const parsed = parseCsvLine(first.text.replace(/^\uFEFF/, ''));
    if (!parsed.ok) throw new SourceError('E_SCHEMA', `header: ${parsed.problem}`);
    const bound = bindHeader(plan.value, parsed.cells);
    if (!bound.ok) throw new SourceError('E_SCHEMA', bound.problem);
    binding = bound.value;
    header = parsed.cells;
    dataStart = first.end;
  }
  const lines = await countLines(handle);
  const reader = new LineReader(handle, Math.max(from ?? 0, dataStart));
  const specs = release.io.inputs;
  const toRow = (text: string): SourceRow => {
    if (binding) {
      const cells = parseCsvLine(text);
      if (!cells.ok) return { ok: false, error: { code: 'E_SCHEMA', message: cells.problem } };
      const tensors = rowTensors(binding, header, cells.cells);
      return tensors.ok ? { ok: true, inputs: tensors.value } : { ok: false, error: { code: 'E_SCHEMA', message: tensors.problem } };
    }
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      return { ok: false, error: { code: 'E_BAD_JSON', message: 'the line is not valid JSON' } };
    }
    try {
      return { ok: true, inputs: parsePredictBody(body, specs).typed };
    } catch (error) {
      return rowError(error);
    }
  };
  let end = Math.max(from ?? 0, dataStart);
  return {
    dataStart,
    rowsTotal: binding ? Math.max(0, lines - 1) : lines,
    async take(n) {
      const rows: SourceRow[] = [];
      while (rows.length < n) {
        const line = await reader.next().catch(tooLong);
        if (!line) break;
        rows.push(toRow(line.text));
        end = line.end;
      }
      return { rows, end };
    },
    close: () => handle.close(),
  };
}

const tooLong = (error: unknown): never => {
  if (error instanceof LineTooLong) throw new SourceError('E_TOO_LARGE', error.message);
  throw error;
};

async function npySource(handle: FileHandle, release: ReleaseManifest, from: number | null): Promise<RowSource> {
  let header: NpyHeader | null = null;
  let want = 128;
  for (let tries = 0; tries < 4 && !header; tries++) {
    const parsed = parseNpyHeader(await readPrefix(handle, want));
    if (parsed.ok === true) header = parsed.header;
    else if (parsed.ok === false) throw new SourceError('E_SCHEMA', parsed.problem);
    else want = parsed.bytes;
  }
  if (!header) throw new SourceError('E_SCHEMA', 'the .npy header is cut short');
  const plan = npyPlan(release, header.shape);
  if (!plan.ok) throw new SourceError('E_SCHEMA', plan.problem);
  const { input, rowDims } = plan.value;
  const rowBytes = npyRowBytes(header.shape);
  const rowsTotal = header.shape[0] as number;
  const dataStart = header.dataOffset;
  const size = (await handle.stat()).size;
  if (size < dataStart + rowsTotal * rowBytes) throw new SourceError('E_SCHEMA', `the .npy file is ${size} bytes; its header promises ${rowsTotal} rows of ${rowBytes} bytes after byte ${dataStart}`);
  let position = Math.max(from ?? 0, dataStart);
  return {
    dataStart,
    rowsTotal,
    async take(n) {
      const remaining = Math.floor((dataStart + rowsTotal * rowBytes - position) / rowBytes);
      const count = Math.max(0, Math.min(n, remaining));
      const rows: SourceRow[] = [];
      if (count === 0) return { rows, end: position };
      // A fresh, aligned buffer: each row's Float32Array views it, little-endian as .npy '<f4' is.
      const bytes = new Uint8Array(count * rowBytes);
      const { bytesRead } = await handle.read(bytes, 0, bytes.length, position);
      if (bytesRead !== bytes.length) throw new SourceError('E_SCHEMA', `the .npy file ended early at byte ${position + bytesRead}`);
      const floats = new Float32Array(bytes.buffer, 0, (count * rowBytes) / 4);
      const per = rowBytes / 4;
      for (let r = 0; r < count; r++) rows.push({ ok: true, inputs: { [input]: { type: 'float32', dims: rowDims, data: floats.subarray(r * per, (r + 1) * per) } } });
      position += count * rowBytes;
      return { rows, end: position };
    },
    close: () => handle.close(),
  };
}
