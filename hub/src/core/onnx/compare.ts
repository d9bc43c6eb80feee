/**
 * Compares two sets of named outputs (say onnxruntime's and predictNetwork's) element by element:
 * |a - b| <= abs + rel * |b|. NaN equals only NaN. Missing outputs or different sizes fail.
 */
export type OutputValues = ArrayLike<number> | ArrayLike<bigint>;

export interface Tolerance {
  /** absolute slack; default 1e-5 */
  abs: number;
  /** slack relative to |b|; default 1e-5 */
  rel: number;
}

export interface CompareResult {
  ok: boolean;
  /** largest |a - b| over all compared elements (Infinity when NaN meets a number) */
  maxAbsDiff: number;
  /** the element with the least slack left (furthest outside its tolerance, or closest to it) */
  worst?: { output: string; index: number; a: number; b: number };
  /** why the comparison could not be made element by element */
  problem?: string;
}

export const DEFAULT_TOLERANCE: Tolerance = { abs: 1e-5, rel: 1e-5 };

const at = (values: OutputValues, i: number): number => Number(values[i] ?? Number.NaN);

/** Compares the outputs named in `b` (extra outputs in `a` are ignored). */
export function compareOutputs(a: Readonly<Record<string, OutputValues>>, b: Readonly<Record<string, OutputValues>>, tolerance: Tolerance = DEFAULT_TOLERANCE): CompareResult {
  let maxAbsDiff = 0;
  let worstExcess = Number.NEGATIVE_INFINITY;
  let worst: CompareResult['worst'];
  for (const [name, expected] of Object.entries(b)) {
    const actual = a[name];
    if (actual === undefined) return { ok: false, maxAbsDiff, problem: `output ${name} is missing` };
    if (actual.length !== expected.length) return { ok: false, maxAbsDiff, problem: `output ${name}: ${actual.length} values, expected ${expected.length}` };
    for (let i = 0; i < expected.length; i++) {
      const x = at(actual, i);
      const y = at(expected, i);
      if (Number.isNaN(x) && Number.isNaN(y)) continue;
      const diff = x === y ? 0 : Math.abs(x - y);
      const d = Number.isNaN(diff) ? Number.POSITIVE_INFINITY : diff;
      maxAbsDiff = Math.max(maxAbsDiff, d);
      const excess = d - (tolerance.abs + tolerance.rel * Math.abs(y));
      if (excess > worstExcess) {
        worstExcess = excess;
        worst = { output: name, index: i, a: x, b: y };
      }
    }
  }
  return { ok: worstExcess <= 0, maxAbsDiff, ...(worst ? { worst } : {}) };
}
