/**
 * The accumulator against a straightforward reference implementation of the window's rules
 * (DRIFT "What a device sends", output-reader.ts): every counter's values are collected into
 * plain arrays by re-reading the tensors row by row with array methods, then binned with
 * protocol's countIntoBins. A fixed pseudo-random sequence of requests (batches of 0 to 5 rows,
 * JSON arrays and typed arrays, NaN, infinities, values on and beyond the edges, absent and
 * short tensors, unknown categories and class indices) goes through both, over several windows,
 * for every kind of OOD score and without a reference; the windows must be the same bytes.
 */
import { describe, expect, it } from 'vitest';
import { countIntoBins, LATENCY_EDGES_MS, oodLowerIsWorse, type BinnedStats, type ReferenceProfile, type ReleaseManifest, type StatsWindow } from '@edgefleet/protocol';
import { DEFAULT_CONFIDENCE_EDGES, StatsAccumulator, type StatsTensor, type StatsTensors } from '../../src/statistics/stats-accumulator';
import { makeRelease } from '../../../test/fixtures/signing';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const minute = (i: number) => new Date(T0.getTime() + i * 60_000);
const bins = (edges: number[], mean = 0, sd = 1) => ({ edges, counts: new Array<number>(edges.length - 1).fill(1), underflow: 0, overflow: 0, missing: 0, mean, sd });

const FEATURES: ReferenceProfile['features'] = [
  { name: 'f0', kind: 'numeric', source: { input: 'x', index: 0 }, bins: bins([0, 0.25, 0.5, 0.75, 1], 0.5, 0.3) },
  { name: 'city', kind: 'categorical', source: { input: 'c', index: 0 }, categories: ['a', 'b', 'c'], counts: [1, 1, 1], unseen: 0, missing: 0 },
  { name: 'f2', kind: 'numeric', source: { input: 'x', index: 2 }, bins: bins([-2, -1, 0, 1, 2], 0, 1.5) },
  // sd 0: counted, but left out of the standardized distance
  { name: 'f1', kind: 'numeric', source: { input: 'x', index: 1 }, bins: bins([0, 10], 5, 0) },
  // beyond the input's last dim: always missing
  { name: 'late', kind: 'numeric', source: { input: 'x', index: 8 }, bins: bins([0, 1]) },
  { name: 'seq', kind: 'numeric', source: { input: 'seq', index: 1 }, bins: bins([0, 0.5, 1], 0.5, 0.2) },
  { name: 'flag', kind: 'categorical', source: { input: 'c', index: 1 }, categories: ['1', 'true'], counts: [1, 1], unseen: 0, missing: 0 },
];
const CLASS_OUTPUTS: ReferenceProfile['outputs'] = [
  { name: 'label', kind: 'class', classes: ['no', 'yes', 'maybe'], counts: [1, 1, 1], confidence: bins([0, 0.4, 0.6, 0.8, 1]) },
  { name: 'y', kind: 'numeric', bins: bins([-1, 0, 0.5, 1]) },
  { name: 'kind', kind: 'class', classes: ['p', 'q'], counts: [1, 1] },
];

const REFERENCES: Array<[string, ReferenceProfile | null]> = [
  ['max-softmax OOD, class and numeric outputs', { rows: 100, features: FEATURES, outputs: CLASS_OUTPUTS, ood: { score: 'max-softmax', bins: bins([0.3, 0.5, 0.7, 0.9, 1]), p95: 0.55, p99: 0.4 } }],
  ['standardized distance', { rows: 100, features: FEATURES, outputs: [CLASS_OUTPUTS[1]!], ood: { score: 'standardized-distance', bins: bins([0, 0.5, 1, 2, 4]), p95: 1.2, p99: 2.5 } }],
  ['reconstruction error', { rows: 100, features: FEATURES.slice(0, 3), outputs: [CLASS_OUTPUTS[2]!, CLASS_OUTPUTS[0]!], ood: { score: 'reconstruction-error', bins: bins([0, 0.1, 1]), p95: 0.1, p99: 0.8 } }],
  ['no OOD score', { rows: 100, features: FEATURES, outputs: CLASS_OUTPUTS, ood: null }],
  ['no reference', null],
];

const releaseWith = (reference: ReferenceProfile | null): ReleaseManifest =>
  makeRelease({ reference, io: { inputs: [{ name: 'x', type: 'float32', shape: ['N', 8] }], outputs: [{ name: 'probabilities', type: 'float32', shape: ['N', 3] }] } });

// ---- a fixed sequence of requests ----

interface Request {
  inputs: StatsTensors;
  outputs: StatsTensors;
  latencyMs: number;
  /** recorded as a failed request instead when set */
  error?: string;
}

/** mulberry32: a fixed sequence of numbers in [0, 1) */
function randomFrom(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function requests(count: number, seed: number): Request[] {
  const random = randomFrom(seed);
  const pick = <T>(values: readonly T[]): T => values[Math.floor(random() * values.length)] as T;
  const numberLike = () => pick([random(), random() * 4 - 2, 0, 0.25, 1, 10, -2, 2, NaN, Infinity, -Infinity, 1e9, -0.5]);
  const out: Request[] = [];
  for (let i = 0; i < count; i++) {
    if (random() < 0.05) {
      out.push({ inputs: {}, outputs: {}, latencyMs: 0, error: pick(['E_SCHEMA', 'E_INFERENCE']) });
      continue;
    }
    const n = Math.floor(random() * 6);
    const x = Array.from({ length: n * 8 }, numberLike);
    const inputs: Record<string, StatsTensor> = {
      x: random() < 0.5 ? { dims: [n, 8], data: x } : { dims: [n, 8], data: Float32Array.from(x) },
    };
    // c: sometimes absent, sometimes fewer rows than the batch, one column short, or bigints
    const cRows = random() < 0.2 ? Math.max(0, n - 1) : n;
    if (random() < 0.85) {
      const width = random() < 0.15 ? 1 : 2;
      inputs.c = random() < 0.2 ? { dims: [cRows, width], data: BigInt64Array.from({ length: cRows * width }, () => BigInt(Math.floor(random() * 3))) } : { dims: [cRows, width], data: Array.from({ length: cRows * width }, () => pick(['a', 'b', 'c', 'z', '', '1', 'true'])) };
    }
    if (random() < 0.8) inputs.seq = random() < 0.2 ? { dims: [2], data: [random(), random()] } : { dims: [n, 3, 2], data: Float32Array.from({ length: n * 6 }, random) };
    const outputs: Record<string, StatsTensor> = {};
    const rowsOf = () => (random() < 0.1 ? n + 1 : n);
    if (random() < 0.7) {
      const r = rowsOf();
      outputs.probabilities = { dims: [r, 3], data: Float32Array.from({ length: r * 3 }, () => pick([random(), random(), 0.5, NaN])) };
    }
    const labels = rowsOf();
    outputs.label = { dims: [labels], data: BigInt64Array.from({ length: labels }, () => BigInt(pick([0, 1, 2, 7, -1]))) };
    if (random() < 0.8) {
      const r = rowsOf();
      outputs.y = random() < 0.5 ? { dims: [r, 1], data: Array.from({ length: r }, numberLike) } : { dims: [r], data: Float32Array.from({ length: r }, numberLike) };
    }
    if (random() < 0.7) {
      const r = rowsOf();
      outputs.kind = random() < 0.5 ? { dims: [r, 2], data: Array.from({ length: r * 2 }, random) } : { dims: [r], data: Array.from({ length: r }, () => pick([0, 1, 1.5, 2])) };
    }
    if (random() < 0.7) outputs.score = { dims: [n, 1], data: Float32Array.from({ length: n }, () => pick([random(), random() * 2, NaN, 0.1, 0.8])) };
    out.push({ inputs, outputs, latencyMs: pick([0, 0.05, 0.1, 3, 12.5, 40_000, random() * 100]) });
  }
  return out;
}

// ---- the reference implementation ----

const asNumber = (value: unknown): number =>
  typeof value === 'number' ? value : typeof value === 'bigint' ? Number(value) : typeof value === 'boolean' ? (value ? 1 : 0) : value === undefined || value === '' ? NaN : Number(value);
const leading = (tensor: StatsTensor) => (tensor.dims.length >= 2 ? (tensor.dims[0] as number) : 1);
const last = (tensor: StatsTensor) => (tensor.dims.length === 0 ? 1 : (tensor.dims.at(-1) as number));
const elements = (tensor: StatsTensor): unknown[] => Array.from(tensor.data as ArrayLike<unknown>);

/** Row `r` of an output: its slice when its leading dim is the row count (or it is a batch of one), else undefined. */
function outputRow(tensor: StatsTensor | undefined, rows: number, r: number): unknown[] | undefined {
  if (!tensor) return undefined;
  const all = elements(tensor);
  if (tensor.dims.length >= 1 && tensor.dims[0] === rows && rows > 0) {
    const width = Math.floor(all.length / rows);
    return all.slice(r * width, (r + 1) * width);
  }
  return rows === 1 && r === 0 && all.length > 0 ? all : undefined;
}

/** Row `r`, column `column` of a feature input (its own leading dim counts its rows). */
function featureCell(tensor: StatsTensor | undefined, r: number, column: number): unknown {
  if (!tensor || r >= leading(tensor) || column >= last(tensor)) return undefined;
  return elements(tensor)[r * Math.floor(tensor.data.length / leading(tensor)) + column];
}

/** The predicted class and its score of row `r` for a class output. */
function predictedClass(name: string, classes: number, outputs: StatsTensors, rows: number, r: number): { index: number; top: number } {
  const named = outputs[name];
  const scores = outputs.probabilities ?? (named && named.dims.length >= 2 && last(named) === classes && classes > 1 ? named : undefined);
  if (scores && last(scores) === classes) {
    const row = outputRow(scores, rows, r)?.slice(0, classes).map(asNumber);
    if (!row) return { index: NaN, top: NaN };
    const top = Math.max(...row.filter((v) => !Number.isNaN(v)), -Infinity);
    const index = top === -Infinity ? NaN : row.indexOf(top);
    return { index, top: Number.isNaN(index) ? NaN : top };
  }
  if (!named) return { index: NaN, top: NaN };
  const index = asNumber(outputRow(named, rows, r)?.[0]);
  return { index: Number.isInteger(index) && index >= 0 && index < classes ? index : NaN, top: NaN };
}

function binned(edges: readonly number[], values: number[]): BinnedStats {
  const finite = values.filter(Number.isFinite);
  return {
    ...countIntoBins(edges, values),
    sum: finite.reduce((sum, v) => sum + v, 0),
    sumSq: finite.reduce((sum, v) => sum + v * v, 0),
    min: finite.length > 0 ? Math.min(...finite) : null,
    max: finite.length > 0 ? Math.max(...finite) : null,
  };
}

/** The window of `requests` by the rules, computed from scratch. */
function referenceWindow(release: ReleaseManifest, requests: Request[], msgId: string, start: Date, end: Date): StatsWindow {
  const reference = release.reference;
  const features = reference?.features ?? [];
  const outputs = reference?.outputs ?? [];
  const ood = reference?.ood ?? null;
  const featureValues = features.map((): unknown[] => []);
  const outputValues = outputs.map((): number[] => []);
  const classCounts = outputs.map((o) => new Array<number>(o.kind === 'class' ? o.classes.length : 0).fill(0));
  const oodScores: number[] = [];
  const errors: Record<string, number> = {};
  let n = 0;
  for (const request of requests) {
    if (request.error) {
      errors[request.error] = (errors[request.error] ?? 0) + 1;
      continue;
    }
    const batch = request.inputs[features[0]?.source.input ?? release.io.inputs[0]?.name ?? ''];
    const rows = batch && batch.dims.length >= 2 ? (batch.dims[0] as number) : 1;
    n += rows;
    for (let r = 0; r < rows; r++) {
      const zs: number[] = [];
      features.forEach((f, i) => {
        const cell = featureCell(request.inputs[f.source.input], r, f.source.index);
        if (f.kind === 'categorical') {
          featureValues[i]!.push(cell === undefined ? '' : String(cell));
          return;
        }
        const value = asNumber(cell);
        featureValues[i]!.push(value);
        if (f.bins.sd > 0 && Number.isFinite(value)) zs.push((value - f.bins.mean) / f.bins.sd);
      });
      const tops: number[] = [];
      outputs.forEach((o, i) => {
        if (o.kind === 'numeric') {
          outputValues[i]!.push(asNumber(outputRow(request.outputs[o.name], rows, r)?.[0]));
          return;
        }
        const { index, top } = predictedClass(o.name, o.classes.length, request.outputs, rows, r);
        if (Number.isNaN(index)) return;
        classCounts[i]![index]! += 1;
        if (!Number.isNaN(top)) outputValues[i]!.push(top);
        tops.push(top);
      });
      if (!ood) continue;
      const score =
        ood.score === 'max-softmax'
          ? (tops.find((t) => !Number.isNaN(t)) ?? NaN)
          : ood.score === 'standardized-distance'
            ? zs.length > 0
              ? Math.sqrt(zs.reduce((sum, z) => sum + z * z, 0) / zs.length)
              : NaN
            : asNumber(outputRow(request.outputs.score, rows, r)?.[0]);
      oodScores.push(score);
    }
  }
  const more = (score: number, threshold: number) => (oodLowerIsWorse(ood?.score ?? 'max-softmax') ? score < threshold : score > threshold);
  const fallbackConfidence = ood?.score === 'max-softmax' ? ood.bins.edges : DEFAULT_CONFIDENCE_EDGES;
  return {
    msgId,
    device: 'dev-1',
    model: release.model,
    version: release.version,
    sha256: release.artifact.sha256,
    windowStart: start.toISOString(),
    windowEnd: end.toISOString(),
    n,
    errors,
    latencyMs: binned(LATENCY_EDGES_MS, requests.filter((q) => !q.error).map((q) => q.latencyMs)),
    features: features.map((f, i) => {
      if (f.kind === 'numeric') return { kind: 'numeric', ...binned(f.bins.edges, featureValues[i] as number[]) };
      const values = featureValues[i] as string[];
      return {
        kind: 'categorical',
        counts: f.categories.map((c) => values.filter((v) => v === c).length),
        unseen: values.filter((v) => v !== '' && !f.categories.includes(v)).length,
        missing: values.filter((v) => v === '').length,
      };
    }),
    outputs: outputs.map((o, i) =>
      o.kind === 'numeric' ? { kind: 'numeric', ...binned(o.bins.edges, outputValues[i]!) } : { kind: 'class', counts: classCounts[i]!, confidence: binned(o.confidence?.edges ?? fallbackConfidence, outputValues[i]!) },
    ),
    ood: ood ? { score: binned(ood.bins.edges, oodScores), aboveP95: oodScores.filter((s) => more(s, ood.p95)).length, aboveP99: oodScores.filter((s) => more(s, ood.p99)).length } : null,
  };
}

describe('StatsAccumulator against a reference implementation', () => {
  for (const [what, reference] of REFERENCES) {
    it(`${what}: the same windows, byte for byte, over a fixed sequence of requests`, () => {
      const release = releaseWith(reference);
      let ids = 0;
      const accumulator = new StatsAccumulator(release, { device: 'dev-1', now: T0, msgId: () => `window-${++ids}` });
      const windows = [requests(120, 1), requests(0, 2), requests(200, 3)];
      windows.forEach((sequence, i) => {
        for (const request of sequence) {
          if (request.error) accumulator.recordError(request.error);
          else accumulator.record(request.inputs, request.outputs, request.latencyMs);
        }
        const window = accumulator.close(minute(i + 1));
        const expected = referenceWindow(release, sequence, `window-${i + 1}`, minute(i), minute(i + 1));
        expect(window).toEqual(expected);
        expect(JSON.stringify(window)).toBe(JSON.stringify(expected));
      });
    });
  }

  it('the sequence exercises what it is meant to: rows, missing values, unseen categories, every bin kind', () => {
    const release = releaseWith(REFERENCES[0]![1]);
    const accumulator = new StatsAccumulator(release, { device: 'dev-1', now: T0, msgId: () => 'w' });
    for (const request of requests(120, 1)) if (!request.error) accumulator.record(request.inputs, request.outputs, request.latencyMs);
    const window = accumulator.close(minute(1));
    expect(window.n).toBeGreaterThan(100);
    const numeric = window.features.filter((f) => f.kind === 'numeric');
    expect(Math.min(...numeric.map((f) => f.missing))).toBeGreaterThan(0);
    expect(numeric.some((f) => f.underflow > 0 && f.overflow > 0)).toBe(true);
    expect(window.features.some((f) => f.kind === 'categorical' && f.unseen > 0 && f.missing > 0)).toBe(true);
    expect(window.outputs.every((o) => (o.kind === 'class' ? o.counts.every((c) => c > 0) : o.missing > 0))).toBe(true);
    expect(window.ood?.aboveP95).toBeGreaterThan(window.ood?.aboveP99 ?? Infinity);
  });
});
