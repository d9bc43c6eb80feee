/**
 * Seeded train / validation / test splits and class balancing. Everything takes row indices and
 * returns row indices, so the table itself is never copied.
 */
import type { Random } from './random';
import { TrainingError } from './training-error';

export interface SplitFractions {
  train: number;
  validation: number;
  test: number;
}

export const DEFAULT_FRACTIONS: SplitFractions = { train: 0.7, validation: 0.15, test: 0.15 };

export interface RowSplit {
  train: number[];
  validation: number[];
  test: number[];
}

export interface SplitOptions {
  /** Default 0.7 / 0.15 / 0.15; must be >= 0 and sum to 1. */
  fractions?: SplitFractions;
  /**
   * Class index per table row (indexed by row number, not by position in `rows`): each class is
   * split on its own, so every split gets each class's share to within one row. Omit for a plain
   * split (regression, anomaly).
   */
  strata?: ArrayLike<number>;
}

/** Splits `rows` (table row indices); each part comes back in ascending row order. */
export function splitRows(rows: readonly number[], random: Random, options: SplitOptions = {}): RowSplit {
  const fractions = checkFractions(options.fractions ?? DEFAULT_FRACTIONS);
  const groups = new Map<number, number[]>();
  for (const row of rows) {
    const key = options.strata === undefined ? 0 : (options.strata[row] ?? 0);
    const group = groups.get(key);
    if (group === undefined) groups.set(key, [row]);
    else group.push(row);
  }
  const out: RowSplit = { train: [], validation: [], test: [] };
  // Classes in ascending order so the random stream is consumed in a fixed order.
  for (const key of [...groups.keys()].sort((a, b) => a - b)) {
    const group = random.shuffle(groups.get(key) ?? []);
    const [nTrain, nValidation] = allocate(group.length, fractions);
    out.train.push(...group.slice(0, nTrain));
    out.validation.push(...group.slice(nTrain, nTrain + nValidation));
    out.test.push(...group.slice(nTrain + nValidation));
  }
  const ascending = (a: number, b: number): number => a - b;
  return { train: out.train.sort(ascending), validation: out.validation.sort(ascending), test: out.test.sort(ascending) };
}

function checkFractions(f: SplitFractions): SplitFractions {
  const parts = [f.train, f.validation, f.test];
  if (parts.some((p) => !(p >= 0)) || Math.abs(parts.reduce((a, b) => a + b, 0) - 1) > 1e-9) {
    throw new TrainingError('E_INVALID_PARAMS', 'split fractions must be >= 0 and sum to 1', { train: f.train, validation: f.validation, test: f.test });
  }
  return f;
}

/**
 * Largest-remainder rounding of n * fractions: counts sum to n and each is within one row of its
 * exact share (remainder ties go to train, then validation, then test).
 */
export function allocate(n: number, f: SplitFractions): [number, number, number] {
  const exact = [n * f.train, n * f.validation, n * f.test];
  const counts = exact.map(Math.floor);
  let left = n - counts.reduce((a, b) => a + b, 0);
  const order = [0, 1, 2].sort((a, b) => (exact[b] as number) - (counts[b] as number) - ((exact[a] as number) - (counts[a] as number)) || a - b);
  for (const i of order) {
    if (left === 0) break;
    counts[i] = (counts[i] as number) + 1;
    left--;
  }
  return [counts[0] as number, counts[1] as number, counts[2] as number];
}

/**
 * Inverse-frequency class weights, w_c = N / (K * n_c) over the K classes present (sklearn's
 * "balanced"): the mean weight over the rows is exactly 1. Absent classes get 0.
 */
export function classWeights(y: ArrayLike<number>, classes: number): Float32Array {
  const counts = new Float64Array(classes);
  let n = 0;
  for (let i = 0; i < y.length; i++) {
    const c = y[i] as number;
    if (c >= 0 && c < classes) {
      counts[c] = (counts[c] as number) + 1;
      n++;
    }
  }
  const present = counts.reduce((k, c) => k + (c > 0 ? 1 : 0), 0);
  return Float32Array.from(counts, (c) => (c > 0 ? n / (present * c) : 0));
}

/** Per-row weights from per-class weights. */
export function sampleWeights(y: ArrayLike<number>, weightsByClass: ArrayLike<number>): Float32Array {
  return Float32Array.from({ length: y.length }, (_, i) => weightsByClass[y[i] as number] ?? 0);
}

/**
 * Random oversampling: rows of each smaller class are drawn with replacement until every class
 * present has the majority count. Returns the original rows plus the draws, shuffled.
 * `labels` is indexed by table row.
 */
export function oversample(rows: readonly number[], labels: ArrayLike<number>, random: Random): number[] {
  const byClass = new Map<number, number[]>();
  for (const row of rows) {
    const c = labels[row] as number;
    const group = byClass.get(c);
    if (group === undefined) byClass.set(c, [row]);
    else group.push(row);
  }
  const majority = Math.max(0, ...[...byClass.values()].map((g) => g.length));
  const out = [...rows];
  for (const key of [...byClass.keys()].sort((a, b) => a - b)) {
    const group = byClass.get(key) ?? [];
    for (let i = group.length; i < majority; i++) out.push(group[random.int(group.length)] as number);
  }
  return random.shuffle(out);
}
