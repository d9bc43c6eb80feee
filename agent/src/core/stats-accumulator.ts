/**
 * One window of prediction statistics for one model version (DRIFT "What a device sends"),
 * counted on the bins of the release's reference profile. Pure and cheap: every counter is
 * allocated once per version and reset on close; `record` walks the batch row by row and
 * allocates nothing per row.
 *
 * Reading the tensors (one value per row and feature; a row is an index of the first dim):
 * - feature = column `source.index` of the last dim of input `source.input`, at the row's first
 *   position for rank > 2 inputs (sequences need their own feature extraction);
 * - outputs are read by output-reader.ts, the rule prediction ids and shadow comparison share:
 *   rows are the batch input's; a class output's predicted class and top probability come from
 *   its scores (no confidence when it is read as class indices); the top probability is counted
 *   on the reference output's `confidence` bins;
 * - numeric output: column 0 of the row in the output with the reference's name;
 * - OOD score: see ood-threshold.ts for the exceedance rule of each kind.
 * Absent tensors or columns count as missing; `n` counts rows, latency counts requests.
 */
import { LATENCY_EDGES_MS, type ReleaseManifest, type StatsWindow } from '@edgefleet/protocol';
import { BinCounter, CategoryCounter } from './bin-counter';
import { exceeds, oodThresholds, type OodThresholds } from './ood-threshold';
import { batchInputOf, classAt, classSourceOf, lastDim, PROBABILITIES_OUTPUT, rowsOf, scoreAt, toNumber, valueAt, type ClassSource, type RowTensor, type RowTensors } from './output-reader';

/** What `record` reads: a JSON tensor or an onnxruntime tensor both fit. */
export type StatsTensor = RowTensor;
export type StatsTensors = RowTensors;
export { PROBABILITIES_OUTPUT };

/**
 * Confidence bins when the reference output has none (releases made before it carried them):
 * then the max-softmax OOD bins when present, else these. The hub judges confidence drift only
 * against the reference's own confidence bins.
 */
export const DEFAULT_CONFIDENCE_EDGES: readonly number[] = [0, 0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9, 1];
export const SCORE_OUTPUT = 'score';

type Feature =
  | { kind: 'numeric'; input: string; index: number; counter: BinCounter; mean: number; sd: number }
  | { kind: 'categorical'; input: string; index: number; counter: CategoryCounter };
type Output = { kind: 'class'; name: string; counts: Float64Array; confidence: BinCounter } | { kind: 'numeric'; name: string; counter: BinCounter };
interface Ood {
  score: 'max-softmax' | 'reconstruction-error' | 'standardized-distance';
  counter: BinCounter;
  thresholds: OodThresholds;
  above95: number;
  above99: number;
}

export interface AccumulatorOptions {
  device: string;
  /** start of the first window */
  now: Date;
  /** unique window ids (msg-id.ts) */
  msgId: () => string;
}

export class StatsAccumulator {
  private readonly features: Feature[];
  private readonly outputs: Output[];
  private readonly ood: Ood | null;
  private readonly latency = new BinCounter(LATENCY_EDGES_MS);
  private readonly errors = new Map<string, number>();
  /** the input whose first dim is the batch size */
  private readonly batchInput: string | undefined;
  private rows = 0;
  private start: Date;

  constructor(
    readonly release: ReleaseManifest,
    private readonly options: AccumulatorOptions,
  ) {
    const reference = release.reference;
    this.start = options.now;
    this.features = (reference?.features ?? []).map((f): Feature =>
      f.kind === 'numeric'
        ? { kind: 'numeric', input: f.source.input, index: f.source.index, counter: new BinCounter(f.bins.edges), mean: f.bins.mean, sd: f.bins.sd }
        : { kind: 'categorical', input: f.source.input, index: f.source.index, counter: new CategoryCounter(f.categories) },
    );
    const fallbackConfidenceEdges = reference?.ood?.score === 'max-softmax' ? reference.ood.bins.edges : DEFAULT_CONFIDENCE_EDGES;
    this.outputs = (reference?.outputs ?? []).map((o): Output =>
      o.kind === 'class'
        ? { kind: 'class', name: o.name, counts: new Float64Array(o.classes.length), confidence: new BinCounter(o.confidence?.edges ?? fallbackConfidenceEdges) }
        : { kind: 'numeric', name: o.name, counter: new BinCounter(o.bins.edges) },
    );
    const ood = reference?.ood;
    this.ood = ood ? { score: ood.score, counter: new BinCounter(ood.bins.edges), thresholds: oodThresholds(ood), above95: 0, above99: 0 } : null;
    this.batchInput = batchInputOf(release);
  }

  /** rows counted in this window */
  get n(): number {
    return this.rows;
  }

  isEmpty(): boolean {
    return this.rows === 0 && this.errors.size === 0;
  }

  /** One successful request: its inputs, outputs and the latency of the model run. */
  record(inputs: StatsTensors, outputs: StatsTensors, latencyMs: number): void {
    this.latency.add(latencyMs);
    const rows = rowsOf(this.batchInput === undefined ? undefined : inputs[this.batchInput]);
    this.rows += rows;
    const ood = this.ood;
    // Where each class output reads its prediction, decided once per request (not per row).
    const sources = this.outputs.map((o) => (o.kind === 'class' ? classSourceOf(o.name, o.counts.length, outputs) : null));
    for (let r = 0; r < rows; r++) {
      let zSq = 0;
      let zN = 0;
      for (const feature of this.features) {
        const tensor = inputs[feature.input];
        if (feature.kind === 'categorical') {
          feature.counter.add(tensor ? stringAt(tensor, r, feature.index) : '');
          continue;
        }
        const value = tensor ? numberAt(tensor, r, feature.index) : NaN;
        feature.counter.add(value);
        if (feature.sd > 0 && Number.isFinite(value)) {
          const z = (value - feature.mean) / feature.sd;
          zSq += z * z;
          zN++;
        }
      }
      let top = NaN;
      for (let o = 0; o < this.outputs.length; o++) {
        const output = this.outputs[o] as Output;
        if (output.kind === 'numeric') {
          output.counter.add(valueAt(outputs[output.name], rows, r));
          continue;
        }
        const confidence = recordClass(output, sources[o] as ClassSource, rows, r);
        if (Number.isNaN(top)) top = confidence;
      }
      if (!ood) continue;
      let score: number;
      if (ood.score === 'max-softmax') score = top;
      else if (ood.score === 'standardized-distance') score = zN > 0 ? Math.sqrt(zSq / zN) : NaN;
      else {
        score = valueAt(outputs[SCORE_OUTPUT], rows, r);
      }
      ood.counter.add(score);
      if (exceeds(ood.thresholds, score, ood.thresholds.t95)) ood.above95++;
      if (exceeds(ood.thresholds, score, ood.thresholds.t99)) ood.above99++;
    }
  }

  /** A failed request, by error code (it has no rows). */
  recordError(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1);
  }

  /** Ends the window at `now`, returns it, and starts the next one there. */
  close(now: Date): StatsWindow {
    const { release } = this;
    const window: StatsWindow = {
      msgId: this.options.msgId(),
      device: this.options.device,
      model: release.model,
      version: release.version,
      sha256: release.artifact.sha256,
      windowStart: this.start.toISOString(),
      windowEnd: now.toISOString(),
      n: this.rows,
      errors: Object.fromEntries(this.errors),
      latencyMs: this.latency.snapshot(),
      features: this.features.map((f) => (f.kind === 'numeric' ? { kind: 'numeric', ...f.counter.snapshot() } : { kind: 'categorical', ...f.counter.snapshot() })),
      outputs: this.outputs.map((o) => (o.kind === 'numeric' ? { kind: 'numeric', ...o.counter.snapshot() } : { kind: 'class', counts: Array.from(o.counts), confidence: o.confidence.snapshot() })),
      ood: this.ood ? { score: this.ood.counter.snapshot(), aboveP95: this.ood.above95, aboveP99: this.ood.above99 } : null,
    };
    this.reset(now);
    return window;
  }

  private reset(now: Date): void {
    this.start = now;
    this.rows = 0;
    this.errors.clear();
    this.latency.reset();
    for (const f of this.features) f.counter.reset();
    for (const o of this.outputs) {
      if (o.kind === 'numeric') o.counter.reset();
      else {
        o.counts.fill(0);
        o.confidence.reset();
      }
    }
    if (this.ood) {
      this.ood.counter.reset();
      this.ood.above95 = this.ood.above99 = 0;
    }
  }
}

/** Counts the predicted class of row `r`; returns its top probability (NaN when unknown). */
function recordClass(output: Extract<Output, { kind: 'class' }>, source: ClassSource, rows: number, r: number): number {
  const classes = output.counts.length;
  const best = classAt(source, classes, rows, r);
  if (Number.isNaN(best)) return NaN;
  output.counts[best]! += 1;
  if (source.kind !== 'scores') return NaN;
  const top = scoreAt(source.tensor, rows, r, best);
  output.confidence.add(top);
  return top;
}

// Inputs: a feature input's own leading dim is its row count (a rank-1 input is one row of
// features), and the feature is a column of its last dim.
/** Flat index of row `r`'s first element in an input: rows are equal slices of the data. */
const inputRowStart = (tensor: StatsTensor, r: number): number => r * Math.floor(tensor.data.length / rowsOf(tensor));

function numberAt(tensor: StatsTensor, r: number, column: number): number {
  if (r >= rowsOf(tensor) || column >= lastDim(tensor)) return NaN;
  return toNumber(tensor.data[inputRowStart(tensor, r) + column]);
}

function stringAt(tensor: StatsTensor, r: number, column: number): string {
  if (r >= rowsOf(tensor) || column >= lastDim(tensor)) return '';
  const value = tensor.data[inputRowStart(tensor, r) + column];
  return value === undefined ? '' : typeof value === 'string' ? value : String(value);
}
