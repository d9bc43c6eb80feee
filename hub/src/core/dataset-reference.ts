/**
 * A reference profile for an imported model from a sample dataset (issue "reference profile for
 * imported models"), the pure part: which dataset columns feed the model's one 2-D float input,
 * which rows to sample, and what the model's outputs on them mean for drift.
 *
 * Reading the outputs (one output profile: the model's prediction, as devices will count it,
 * see device-core/src/statistics/stats-accumulator.ts and predictions/prediction-summary.ts):
 * - the first output holding per-row probabilities (width >= 2, every value in [0, 1], every
 *   row summing to 1; an output named `probabilities` first) is a classifier's: classes `0`..`k-1`,
 *   predicted = argmax, its top probability the confidence and the `max-softmax` OOD score;
 * - else the first output with one or more values per row is a numeric prediction (column 0), and
 *   the OOD score is the standardised distance of the row's features from their reference means;
 * - outputs whose leading dimension is not the batch (a recurrent state, say) are not per-row
 *   predictions and are ignored.
 */
import type { IoSpec } from '@edgefleet/protocol';
import { HubError, validation } from './errors';
import type { ReferenceInput, ReferenceOutputInput } from './reference-profile';

export interface DatasetColumn {
  name: string;
  kind: 'numeric' | 'categorical';
}

/** Most dataset rows a reference is built on: equal-mass bins need no more, and the model runs in the request. */
export const MAX_REFERENCE_ROWS = 10_000;

const listOf = (names: readonly string[]): string => names.slice(0, 20).join(', ') + (names.length > 20 ? ', ...' : '');

/**
 * The dataset columns that feed the model's input, in input column order: `columns` when given,
 * else every numeric column in file order but `target`. Errors name the parameter and column.
 */
export function referenceColumns(dataset: readonly DatasetColumn[], options: { columns?: readonly string[]; target?: string }): string[] {
  const byName = new Map(dataset.map((c) => [c.name, c]));
  const { target } = options;
  if (target !== undefined && !byName.has(target)) throw validation(`target: column "${target}" is not in the dataset (columns: ${listOf(dataset.map((c) => c.name))})`);
  if (options.columns === undefined) {
    const numeric = dataset.filter((c) => c.kind === 'numeric' && c.name !== target).map((c) => c.name);
    if (numeric.length === 0) throw validation('columns: the dataset has no numeric column to feed the model (pass columns= to choose)');
    return numeric;
  }
  const seen = new Set<string>();
  for (const name of options.columns) {
    const column = byName.get(name);
    if (!column) throw validation(`columns: "${name}" is not in the dataset (columns: ${listOf(dataset.map((c) => c.name))})`);
    if (column.kind !== 'numeric') throw validation(`columns: "${name}" is ${column.kind}; the model input takes numbers`);
    if (name === target) throw validation(`columns: "${name}" is the target column`);
    if (seen.has(name)) throw validation(`columns: "${name}" is listed twice`);
    seen.add(name);
  }
  if (options.columns.length === 0) throw validation('columns: empty');
  return [...options.columns];
}

export interface ModelInputPlan {
  input: IoSpec;
  /** a fixed batch size the model insists on, or null when the batch dim is free */
  fixedBatch: number | null;
}

/** The model's one 2-D float input, and that its width fits `columns` (422 naming both otherwise). */
export function modelInputFor(io: { inputs: readonly IoSpec[] }, columns: readonly string[]): ModelInputPlan {
  const invalid = (message: string): HubError => new HubError('E_INVALID_MODEL', `referenceDataset: ${message}`);
  const [input, ...others] = io.inputs;
  if (!input || others.length > 0) throw invalid(`the model has ${io.inputs.length} inputs (${listOf(io.inputs.map((i) => i.name))}); a reference dataset feeds models with a single 2-D float input`);
  if (input.type !== 'float32' && input.type !== 'float64') throw invalid(`model input "${input.name}" is ${input.type}; a reference dataset feeds a float32 or float64 input`);
  if (input.shape.length !== 2) throw invalid(`model input "${input.name}" has rank ${input.shape.length}; a reference dataset feeds a 2-D [rows, columns] input`);
  const width = input.shape[1];
  if (typeof width === 'number' && width > 0 && width !== columns.length) {
    throw invalid(`model input "${input.name}" takes ${width} columns but ${columns.length} dataset columns were chosen (${listOf(columns)})`);
  }
  const batch = input.shape[0];
  return { input, fixedBatch: typeof batch === 'number' && batch > 0 ? batch : null };
}

/** Up to `max` row indices in ascending order: all rows when there are few, else a seeded sample. */
export function sampleRows(total: number, max: number, permutation: (n: number) => ArrayLike<number>): number[] {
  if (total <= max) return Array.from({ length: total }, (_, i) => i);
  return Array.from(permutation(total))
    .slice(0, max)
    .sort((a, b) => a - b);
}

/** One model output gathered over all rows: `width` values per row. */
export interface RowOutput {
  name: string;
  width: number;
  values: Float64Array;
}

/** Whether every row of `output` is a probability distribution (width >= 2). */
function isProbabilities(output: RowOutput, rows: number): boolean {
  if (output.width < 2 || rows === 0) return false;
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < output.width; c++) {
      const p = output.values[r * output.width + c] as number;
      if (!(p >= -1e-6 && p <= 1 + 1e-6)) return false;
      sum += p;
    }
    if (Math.abs(sum - 1) > 1e-3) return false;
  }
  return true;
}

export interface FeatureColumns {
  /** the model input the columns feed */
  input: string;
  names: readonly string[];
  /** per column, one value per sampled row (NaN = missing) */
  values: ReadonlyArray<ArrayLike<number>>;
}

/**
 * buildReferenceProfile's input from the sampled feature columns and the model's outputs on the
 * rows it ran on (`ran`: indices into the sample, the rows without a missing value).
 */
export function datasetReferenceInput(features: FeatureColumns, outputs: readonly RowOutput[], ran: readonly number[]): ReferenceInput {
  const rows = features.values[0]?.length ?? 0;
  const referenceFeatures = features.names.map((name, index) => ({ name, kind: 'numeric' as const, source: { input: features.input, index }, values: features.values[index] ?? [] }));
  const n = ran.length;
  const probabilities = [...outputs].sort((a, b) => Number(b.name === 'probabilities') - Number(a.name === 'probabilities')).find((o) => isProbabilities(o, n));
  if (probabilities) {
    const k = probabilities.width;
    const predicted = new Int32Array(n);
    const top = new Float64Array(n);
    for (let r = 0; r < n; r++) {
      let best = 0;
      for (let c = 1; c < k; c++) if ((probabilities.values[r * k + c] as number) > (probabilities.values[r * k + best] as number)) best = c;
      predicted[r] = best;
      top[r] = probabilities.values[r * k + best] as number;
    }
    const output: ReferenceOutputInput = { name: probabilities.name, kind: 'class', classes: Array.from({ length: k }, (_, c) => String(c)), predicted, confidence: top };
    return { rows: Math.max(1, rows), features: referenceFeatures, outputs: [output], ood: { score: 'max-softmax', values: top } };
  }
  const numeric = outputs.find((o) => o.width >= 1);
  const referenceOutputs: ReferenceOutputInput[] = numeric ? [{ name: numeric.name, kind: 'numeric', values: Float64Array.from({ length: n }, (_, r) => numeric.values[r * numeric.width] as number) }] : [];
  const distance = standardizedDistance(features.values, ran);
  return { rows: Math.max(1, rows), features: referenceFeatures, outputs: referenceOutputs, ...(distance ? { ood: { score: 'standardized-distance' as const, values: distance } } : {}) };
}

/**
 * Root mean square z-score of each row's finite features, with each feature's mean and sample sd
 * over the reference rows: what a device computes against the reference's bins (mean, sd).
 * Null when no feature varies.
 */
function standardizedDistance(columns: ReadonlyArray<ArrayLike<number>>, ran: readonly number[]): Float64Array | null {
  const moments = columns.map((values) => {
    let n = 0;
    let sum = 0;
    let sumSq = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i] as number;
      if (!Number.isFinite(v)) continue;
      n++;
      sum += v;
      sumSq += v * v;
    }
    const mean = n > 0 ? sum / n : 0;
    return { mean, sd: n > 1 ? Math.sqrt(Math.max(0, (sumSq - n * mean * mean) / (n - 1))) : 0 };
  });
  if (!moments.some((m) => m.sd > 0)) return null;
  return Float64Array.from(ran, (row) => {
    let zSq = 0;
    let zN = 0;
    columns.forEach((values, j) => {
      const { mean, sd } = moments[j] ?? { mean: 0, sd: 0 };
      const v = values[row] as number;
      if (sd > 0 && Number.isFinite(v)) {
        zSq += ((v - mean) / sd) ** 2;
        zN++;
      }
    });
    return zN > 0 ? Math.sqrt(zSq / zN) : Number.NaN;
  });
}
