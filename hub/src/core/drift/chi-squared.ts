/**
 * Chi-squared test of homogeneity on a 2 x k table (reference counts vs observed counts).
 * The reference is itself a sample, so the test compares two samples rather than treating the
 * reference proportions as truth: with a fleet-wide observed n far above the reference rows, a
 * goodness-of-fit test would flag the reference's own sampling noise.
 *
 * Sparse columns are pooled before the test (Cochran's rule: every expected count at least
 * MIN_EXPECTED_PER_CELL). Without it, a column the reference never saw (underflow and overflow
 * of edges fitted from the reference's own min and max, unseen or missing categories) holds an
 * expected count of about nObs / nRef, and a single later value there adds about nRef / nObs to
 * the statistic: p = 1e-38 for one value past the range in a window of 100 (issue 11). Pooling
 * depends only on the table's margins, which the homogeneity test conditions on, so it does not
 * change the test's size; values past the range still count, in the pooled cell, and a column
 * with enough of them stands on its own.
 */
import { chiSquaredSurvival } from './special-functions';

export interface ChiSquaredResult {
  statistic: number;
  dof: number;
  pValue: number;
}

/** Smallest expected count (on both sides) a column of the table may have after pooling. */
export const MIN_EXPECTED_PER_CELL = 5;

/**
 * Pools neighbouring columns (in array order) until each group's expected counts reach
 * MIN_EXPECTED_PER_CELL on both sides; a sparse tail joins the last group. Writes the group
 * totals into `pooledReference` / `pooledObserved` and returns how many groups there are.
 * Decided in integer arithmetic (counts are integers), so every caller pools identically.
 */
export function poolSparseColumns(
  reference: ArrayLike<number>,
  observed: ArrayLike<number>,
  referenceTotal: number,
  observedTotal: number,
  pooledReference: Float64Array,
  pooledObserved: Float64Array,
): number {
  // Both expected counts are at least the minimum iff min(nr, no) column >= minimum N.
  const smaller = Math.min(referenceTotal, observedTotal);
  const needed = MIN_EXPECTED_PER_CELL * (referenceTotal + observedTotal);
  let groups = 0;
  let r = 0;
  let o = 0;
  for (let i = 0; i < reference.length; i++) {
    r += reference[i] as number;
    o += observed[i] as number;
    if (smaller * (r + o) >= needed) {
      pooledReference[groups] = r;
      pooledObserved[groups] = o;
      groups++;
      r = 0;
      o = 0;
    }
  }
  if (r + o > 0) {
    if (groups === 0) groups = 1;
    else {
      r += pooledReference[groups - 1] as number;
      o += pooledObserved[groups - 1] as number;
    }
    pooledReference[groups - 1] = r;
    pooledObserved[groups - 1] = o;
  }
  return groups;
}

let scratchReference = new Float64Array(64);
let scratchObserved = new Float64Array(64);

/** Pools sparse columns (see the header), then tests; dof is the pooled columns minus one. */
export function chiSquaredHomogeneity(reference: ArrayLike<number>, observed: ArrayLike<number>): ChiSquaredResult {
  if (reference.length !== observed.length) throw new Error(`cannot compare ${reference.length} bins with ${observed.length}`);
  let nr = 0;
  let no = 0;
  for (let i = 0; i < reference.length; i++) {
    nr += reference[i] as number;
    no += observed[i] as number;
  }
  const n = nr + no;
  if (nr === 0 || no === 0) return { statistic: 0, dof: 0, pValue: 1 };
  if (scratchReference.length < reference.length) {
    scratchReference = new Float64Array(reference.length);
    scratchObserved = new Float64Array(reference.length);
  }
  const columns = poolSparseColumns(reference, observed, nr, no, scratchReference, scratchObserved);
  let statistic = 0;
  for (let i = 0; i < columns; i++) {
    const r = scratchReference[i] as number;
    const o = scratchObserved[i] as number;
    const column = r + o;
    const er = (nr * column) / n;
    const eo = (no * column) / n;
    statistic += ((r - er) * (r - er)) / er + ((o - eo) * (o - eo)) / eo;
  }
  const dof = Math.max(0, columns - 1);
  return { statistic, dof, pValue: chiSquaredSurvival(statistic, dof) };
}
