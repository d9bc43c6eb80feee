/**
 * One window of prediction statistics for one model version (DRIFT "What a device sends"),
 * counted on the bins of the release's reference profile. Pure and cheap, since it runs on every
 * prediction: every counter is allocated once per version and reset on close; `record` looks up
 * each tensor once per request, then walks the batch row by row allocating nothing.
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
import { batchInputOf, classAt, classSourceOf, lastDim, NO_CLASS_SOURCE, PROBABILITIES_OUTPUT, requestRows, rowsOf, scoreAt, toNumber, valueAt, type ClassSource, type RowTensor, type RowTensors } from '../tensors/output-reader';

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

// Recording walks features and outputs by kind (one object shape per list); the window lists
// them in the reference's order, which `features` and `outputs` keep.
interface NumericFeature {
  kind: 'numeric';
  input: FeatureInput;
  column: number;
  counter: BinCounter;
  mean: number;
  sd: number;
}
interface CategoricalFeature {
  kind: 'categorical';
  input: FeatureInput;
  column: number;
  counter: CategoryCounter;
}
type Feature = NumericFeature | CategoricalFeature;
interface ClassOutput {
  kind: 'class';
  name: string;
  counts: Float64Array;
  confidence: BinCounter;
}
interface NumericOutput {
  kind: 'numeric';
  name: string;
  counter: BinCounter;
}
type Output = ClassOutput | NumericOutput;
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
  private readonly numericFeatures: NumericFeature[];
  private readonly categoricalFeatures: CategoricalFeature[];
  /** the inputs the features read, each resolved once per request */
  private readonly featureInputs: FeatureInput[];
  private readonly outputs: Output[];
  private readonly numericOutputs: NumericOutput[];
  private readonly classOutputs: ClassOutput[];
  /** per request: where each class output reads its prediction (same order as classOutputs) */
  private readonly classSources: ClassSource[];
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
    const inputs = new Map<string, FeatureInput>();
    const inputNamed = (name: string): FeatureInput => {
      const known = inputs.get(name);
      if (known) return known;
      const input = new FeatureInput(name);
      inputs.set(name, input);
      return input;
    };
    this.features = (reference?.features ?? []).map((f): Feature =>
      f.kind === 'numeric'
        ? { kind: 'numeric', input: inputNamed(f.source.input), column: f.source.index, counter: new BinCounter(f.bins.edges), mean: f.bins.mean, sd: f.bins.sd }
        : { kind: 'categorical', input: inputNamed(f.source.input), column: f.source.index, counter: new CategoryCounter(f.categories) },
    );
    this.numericFeatures = this.features.filter((f): f is NumericFeature => f.kind === 'numeric');
    this.categoricalFeatures = this.features.filter((f): f is CategoricalFeature => f.kind === 'categorical');
    this.featureInputs = [...inputs.values()];
    const fallbackConfidenceEdges = reference?.ood?.score === 'max-softmax' ? reference.ood.bins.edges : DEFAULT_CONFIDENCE_EDGES;
    this.outputs = (reference?.outputs ?? []).map((o): Output =>
      o.kind === 'class'
        ? { kind: 'class', name: o.name, counts: new Float64Array(o.classes.length), confidence: new BinCounter(o.confidence?.edges ?? fallbackConfidenceEdges) }
        : { kind: 'numeric', name: o.name, counter: new BinCounter(o.bins.edges) },
    );
    this.numericOutputs = this.outputs.filter((o): o is NumericOutput => o.kind === 'numeric');
    this.classOutputs = this.outputs.filter((o): o is ClassOutput => o.kind === 'class');
    this.classSources = this.classOutputs.map(() => NO_CLASS_SOURCE);
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
    const rows = requestRows(this.batchInput, inputs);
    this.rows += rows;
    const { numericFeatures, categoricalFeatures, numericOutputs, classOutputs, classSources, featureInputs, ood } = this;
    // Tensors, shapes and class sources are looked up once per request, not per row.
    for (let i = 0; i < featureInputs.length; i++) (featureInputs[i] as FeatureInput).bind(inputs);
    for (let o = 0; o < classOutputs.length; o++) {
      const output = classOutputs[o] as ClassOutput;
      classSources[o] = classSourceOf(output.name, output.counts.length, outputs);
    }
    for (let r = 0; r < rows; r++) {
      let zSq = 0;
      let zN = 0;
      for (let f = 0; f < numericFeatures.length; f++) {
        const feature = numericFeatures[f] as NumericFeature;
        const value = feature.input.numberAt(r, feature.column);
        feature.counter.add(value);
        if (feature.sd > 0 && Number.isFinite(value)) {
          const z = (value - feature.mean) / feature.sd;
          zSq += z * z;
          zN++;
        }
      }
      for (let f = 0; f < categoricalFeatures.length; f++) {
        const feature = categoricalFeatures[f] as CategoricalFeature;
        feature.counter.add(feature.input.stringAt(r, feature.column));
      }
      for (let o = 0; o < numericOutputs.length; o++) {
        const output = numericOutputs[o] as NumericOutput;
        output.counter.add(valueAt(outputs[output.name], rows, r));
      }
      // The OOD top probability is the first class output's that has one.
      let top = NaN;
      for (let o = 0; o < classOutputs.length; o++) {
        const confidence = recordClass(classOutputs[o] as ClassOutput, classSources[o] as ClassSource, rows, r);
        if (Number.isNaN(top)) top = confidence;
      }
      if (!ood) continue;
      let score: number;
      if (ood.score === 'max-softmax') score = top;
      else if (ood.score === 'standardized-distance') score = zN > 0 ? Math.sqrt(zSq / zN) : NaN;
      else score = valueAt(outputs[SCORE_OUTPUT], rows, r);
      ood.counter.add(score);
      if (exceeds(ood.thresholds, score, ood.thresholds.t95)) ood.above95++;
      if (exceeds(ood.thresholds, score, ood.thresholds.t99)) ood.above99++;
    }
    // The caller's tensors are not kept past the request.
    for (let i = 0; i < featureInputs.length; i++) (featureInputs[i] as FeatureInput).unbind();
    classSources.fill(NO_CLASS_SOURCE);
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
function recordClass(output: ClassOutput, source: ClassSource, rows: number, r: number): number {
  const classes = output.counts.length;
  const best = classAt(source, classes, rows, r);
  if (Number.isNaN(best)) return NaN;
  output.counts[best]! += 1;
  if (source.kind !== 'scores') return NaN;
  const top = scoreAt(source.tensor, rows, r, best);
  output.confidence.add(top);
  return top;
}

/**
 * One input the features read, bound to a request's tensor: a feature input's own leading dim is
 * its row count (a rank-1 input is one row of features), rows are equal slices of its data, and a
 * feature is a column of its last dim.
 */
class FeatureInput {
  private tensor: StatsTensor | undefined = undefined;
  private rows = 0;
  /** elements per row */
  private stride = 0;
  private width = 0;

  constructor(readonly name: string) {}

  bind(inputs: StatsTensors): void {
    const tensor = inputs[this.name];
    this.tensor = tensor;
    if (!tensor) return;
    this.rows = rowsOf(tensor);
    this.width = lastDim(tensor);
    this.stride = this.rows > 0 ? Math.floor(tensor.data.length / this.rows) : 0;
  }

  unbind(): void {
    this.tensor = undefined;
  }

  /** NaN when the input, the row or the column is absent */
  numberAt(r: number, column: number): number {
    const tensor = this.tensor;
    if (!tensor || r >= this.rows || column >= this.width) return NaN;
    return toNumber(tensor.data[r * this.stride + column]);
  }

  /** '' (missing) when the input, the row, the column or the value is absent */
  stringAt(r: number, column: number): string {
    const tensor = this.tensor;
    if (!tensor || r >= this.rows || column >= this.width) return '';
    const value = tensor.data[r * this.stride + column];
    return value === undefined ? '' : typeof value === 'string' ? value : String(value);
  }
}
