/**
 * What hostile inputs cost the hub (issue 16), against an honest input of the same size measured
 * in the same run, on a hub in its own process (HubProcess) so its peak memory is its own:
 *
 * - CSV uploads of about 60 MB: a well-formed dataset (the baseline: parsed and stored), then files
 *   built to exhaust a parser (one line of commas, a quote never closed, rows of 1,000
 *   empty cells, a flood of empty rows). Each hostile file must be refused after its first offending
 *   record, in about the time it takes to send it, and the hub's peak resident set stays under
 *   the dataset worker's heap limit (the old parser took 1.84 GB and 53 s on the comma line).
 * - Model uploads: every upload's load and probe run in the model sandbox (a child process under
 *   memory and time limits). The cost per upload is set beside the same model's onnxruntime
 *   session created in this process (what the hub did before the sandbox), in alternating rounds.
 */
import { readFileSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import ort from 'onnxruntime-node';
import { HubProcess } from '../hub-process';
import { machineLine, median } from './measure';
import { fixed, goal, table, withGoal } from './report';
import { defaultModelPath } from './cnn-int8-bench';
import { SILERO_BYTES } from './silero-bench';

const TOKEN = 'hostile-inputs-bench-admin-token-0123456789';
const MB = 1_000_000;
const MIB = 1024 * 1024;
/**
 * The dataset worker's heap limit (docs/training.md "Dataset limits"): a file within every limit
 * (25M cells at most) may use up to that; none, hostile or not, may take the hub further.
 */
const WORKER_HEAP_MIB = 512;

interface CsvCase {
  name: string;
  /** what the hub must answer */
  expect: number;
  bytes: () => Uint8Array;
}

const encoder = new TextEncoder();
/** `unit` repeated until the file holds about `size` bytes, after `head`. */
function repeated(head: string, unit: string, size: number): Uint8Array {
  const count = Math.max(0, Math.floor((size - head.length) / unit.length));
  return encoder.encode(head + unit.repeat(count));
}

/** A well-formed numeric dataset of about `size` bytes: 8 columns, a label, ~60 bytes a row. */
function wellFormed(size: number): Uint8Array {
  const header = 'a,b,c,d,e,f,g,h,label\n';
  const rows: string[] = [header];
  let bytes = header.length;
  for (let i = 0; bytes < size; i++) {
    const row = `${(i % 97) / 7},${(i % 89) * 3},${(i % 83) / 11},${i % 79},${(i % 73) * 0.5},${i % 71},${(i % 67) / 3},${i % 61},${i % 2}\n`;
    rows.push(row);
    bytes += row.length;
  }
  return encoder.encode(rows.join(''));
}

function csvCases(size: number): CsvCase[] {
  return [
    { name: `well-formed, ${fixed(size / MB, 0)} MB (baseline)`, expect: 201, bytes: () => wellFormed(size) },
    { name: 'one line of commas', expect: 413, bytes: () => repeated('', ',', size) },
    { name: 'a quote never closed', expect: 413, bytes: () => repeated('a,b\n1,"', 'x', size) },
    { name: 'rows of 1,000 empty cells (cells limit)', expect: 413, bytes: () => repeated(`${Array.from({ length: 1000 }, (_, i) => `c${i}`).join(',')}\n`, `${','.repeat(999)}\n`, size) },
    { name: 'empty rows (rows limit)', expect: 413, bytes: () => repeated('a\n', '1\n', size) },
  ];
}

interface CsvFigures {
  name: string;
  status: number;
  code: string;
  seconds: number;
  peakGrowthBytes: number;
}

async function uploadCsv(hub: HubProcess, name: string, bytes: Uint8Array): Promise<{ status: number; code: string; seconds: number }> {
  const started = performance.now();
  const response = await fetch(`${hub.httpUrl}/api/v1/datasets?name=${encodeURIComponent(name)}`, {
    method: 'POST',
    headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'text/csv' },
    body: new Blob([bytes as BlobPart]),
  });
  const text = await response.text();
  const seconds = (performance.now() - started) / 1000;
  return { status: response.status, code: response.ok ? '' : errorCodeOf(text), seconds };
}

/** The error code of a hub's JSON error body; the body's start when it is not one (a 413 from Node itself). */
function errorCodeOf(text: string): string {
  try {
    return (JSON.parse(text) as { error?: { code?: string } }).error?.code ?? text.slice(0, 60);
  } catch {
    return text.slice(0, 60);
  }
}

async function measureCsv(hub: HubProcess, cases: readonly CsvCase[]): Promise<CsvFigures[]> {
  const out: CsvFigures[] = [];
  for (const [i, csv] of cases.entries()) {
    const bytes = csv.bytes();
    await hub.gc();
    const before = (await hub.usage()).rssBytes;
    if (!(await hub.resetPeak())) throw new Error('the hub process cannot reset its peak RSS (needs Linux /proc/self/clear_refs)');
    const answer = await uploadCsv(hub, `hostile-${i}`, bytes);
    const peak = (await hub.usage()).peakRssBytes;
    if (answer.status !== csv.expect) throw new Error(`${csv.name}: expected ${csv.expect}, the hub answered ${answer.status} ${answer.code}`);
    out.push({ name: csv.name, ...answer, peakGrowthBytes: Math.max(0, peak - before) });
  }
  return out;
}

interface ModelCase {
  name: string;
  bytes: Uint8Array;
  /** the upload's probe hint, where the default inputs (dynamic dims as 1) do not run */
  probe?: unknown;
}

function modelCases(): ModelCase[] {
  const sized = (name: string, bytes: Uint8Array, probe?: unknown): ModelCase => ({ name: `${name}, ${fixed(bytes.length / MB, 1)} MB`, bytes, ...(probe === undefined ? {} : { probe }) });
  return [
    // Silero's STFT pads by reflection: it needs a real 512-sample frame and its sample rate.
    sized('Silero VAD v5 (If + LSTM)', SILERO_BYTES, { input: { dims: [1, 512] }, sr: { dims: [], data: [16000] } }),
    sized('PaddleOCR MobileNetV3 classifier (CNN)', new Uint8Array(readFileSync(defaultModelPath()))),
  ];
}

/** Seconds per upload (scan, sandboxed load and probe, hash, store) and per in-process session, alternating. */
async function measureModel(hub: HubProcess, model: ModelCase, index: number, rounds: number): Promise<{ first: number; upload: number[]; inProcess: number[] }> {
  const upload = async (version: number): Promise<number> => {
    const started = performance.now();
    const probe = model.probe === undefined ? '' : `&probe=${encodeURIComponent(JSON.stringify(model.probe))}`;
    const response = await fetch(`${hub.httpUrl}/api/v1/models/sandbox-${index}/versions?version=${version}${probe}`, {
      method: 'POST',
      headers: { authorization: `Bearer ${TOKEN}`, 'content-type': 'application/octet-stream' },
      body: new Blob([model.bytes as BlobPart]),
    });
    const text = await response.text();
    if (response.status !== 201) throw new Error(`${model.name}: upload answered ${response.status} ${text.slice(0, 300)}`);
    return (performance.now() - started) / 1000;
  };
  const inProcess = async (): Promise<number> => {
    const started = performance.now();
    const session = await ort.InferenceSession.create(model.bytes, { logSeverityLevel: 3 });
    const seconds = (performance.now() - started) / 1000;
    await session.release();
    return seconds;
  };
  const first = await upload(1);
  const figures = { first, upload: [] as number[], inProcess: [] as number[] };
  for (let round = 0; round < rounds; round++) {
    figures.upload.push(await upload(round + 2));
    figures.inProcess.push(await inProcess());
  }
  return figures;
}

export async function hostileInputsSection(options: { quick?: boolean } = {}): Promise<string> {
  const size = options.quick ? 20 * MB : 60 * MB;
  const rounds = options.quick ? 3 : 7;
  const dir = await mkdtemp(join(tmpdir(), 'edgefleet-hostile-bench-'));
  const hub = new HubProcess({ dataDir: dir, adminToken: TOKEN, log: 'silent' });
  try {
    await hub.start();
    const csv = await measureCsv(hub, csvCases(size));
    const baseline = csv[0];
    if (!baseline) throw new Error('no baseline');
    const csvRows = csv.map((f, i) => [
      f.name,
      `${f.status}${f.code ? ` ${f.code}` : ''}`,
      `${fixed(f.seconds, 2)} s`,
      withGoal(`${fixed(f.peakGrowthBytes / MIB, 0)} MiB`, goal(`< ${WORKER_HEAP_MIB} MiB`, f.peakGrowthBytes < WORKER_HEAP_MIB * MIB)),
      i === 0 ? '' : `${fixed(f.seconds / baseline.seconds, 2)}x`,
    ]);
    const models = modelCases();
    const modelRows: string[][] = [];
    for (const [i, model] of models.entries()) {
      const figures = await measureModel(hub, model, i, rounds);
      const upload = median(figures.upload);
      const inProcess = median(figures.inProcess);
      modelRows.push([model.name, `${fixed(figures.first, 2)} s`, `${fixed(upload, 2)} s`, `${fixed(inProcess, 2)} s`, `${fixed(upload - inProcess, 2)} s`]);
    }
    return [
      `Hostile inputs (issue 16): ${machineLine()}`,
      `CSV uploads of about ${fixed(size / MB, 0)} MB to a hub in its own process; peak growth = the hub's peak resident set (VmHWM, reset before each upload) above its resident set before it`,
      table(['file', 'answer', 'time', 'hub peak growth', 'time vs baseline'], csvRows),
      `Model uploads: the sandboxed load and probe (plus scan, hash and store) against onnxruntime-node creating the same session in this process; medians of ${rounds} alternating rounds; the first upload starts the sandbox child`,
      table(['model', 'first upload', 'upload (median)', 'session in process (median)', 'upload - session'], modelRows),
    ].join('\n');
  } finally {
    await hub.stop();
    await rm(dir, { recursive: true, force: true });
  }
}
