/**
 * Descriptive statistics over plain numbers, shared by table exploration and feature fitting.
 * Accumulates in float64; callers pass only the values they want counted (no NaN filtering here
 * unless a function says so).
 */

/** The non-NaN values of a column, as a new float64 array. */
export function presentValues(values: ArrayLike<number>): Float64Array {
  let n = 0;
  for (let i = 0; i < values.length; i++) if (!Number.isNaN(values[i] as number)) n++;
  const out = new Float64Array(n);
  let j = 0;
  for (let i = 0; i < values.length; i++) {
    const v = values[i] as number;
    if (!Number.isNaN(v)) out[j++] = v;
  }
  return out;
}

export function mean(values: ArrayLike<number>): number {
  if (values.length === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < values.length; i++) sum += values[i] as number;
  return sum / values.length;
}

/**
 * Standard deviation around `center`. `ddof` 1 = sample sd (pandas' describe, used to explore
 * data); 0 = population sd (sklearn's StandardScaler, used to standardise features).
 */
export function standardDeviation(values: ArrayLike<number>, ddof: 0 | 1, center = mean(values)): number {
  const n = values.length;
  if (n - ddof <= 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < n; i++) {
    const d = (values[i] as number) - center;
    sum += d * d;
  }
  return Math.sqrt(sum / (n - ddof));
}

/**
 * Quantile q in [0, 1] of ascending-sorted values with linear interpolation between closest
 * ranks (numpy's default "linear", R type 7): position (n - 1) q.
 */
export function quantileSorted(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return Number.NaN;
  const position = (n - 1) * Math.min(1, Math.max(0, q));
  const lo = Math.floor(position);
  const hi = Math.min(n - 1, lo + 1);
  const a = sorted[lo] as number;
  const b = sorted[hi] as number;
  return a + (b - a) * (position - lo);
}

/** `bins` equal-width edges from min to max; a constant column gets the single bin [min, max]. */
export function equalWidthEdges(min: number, max: number, bins: number): number[] {
  if (!(max > min)) return [min, max];
  const edges = new Array<number>(bins + 1);
  for (let i = 0; i <= bins; i++) edges[i] = min + ((max - min) * i) / bins;
  edges[bins] = max; // exact, whatever the rounding above did
  return edges;
}

/** JSON has no NaN or Infinity: report them as null. */
export const finiteOrNull = (value: number): number | null => (Number.isFinite(value) ? value : null);
