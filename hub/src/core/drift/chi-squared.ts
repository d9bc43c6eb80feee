/**
 * Chi-squared test of homogeneity on a 2 x k table (reference counts vs observed counts).
 * The reference is itself a sample, so the test compares two samples rather than treating the
 * reference proportions as truth: with a fleet-wide observed n far above the reference rows, a
 * goodness-of-fit test would flag the reference's own sampling noise.
 */
import { chiSquaredSurvival } from './special-functions';

export interface ChiSquaredResult {
  statistic: number;
  dof: number;
  pValue: number;
}

/** Columns where both sides are zero carry no information and are dropped (dof shrinks). */
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
  let statistic = 0;
  let columns = 0;
  for (let i = 0; i < reference.length; i++) {
    const r = reference[i] as number;
    const o = observed[i] as number;
    const column = r + o;
    if (column === 0) continue;
    columns++;
    const er = (nr * column) / n;
    const eo = (no * column) / n;
    statistic += ((r - er) * (r - er)) / er + ((o - eo) * (o - eo)) / eo;
  }
  const dof = Math.max(0, columns - 1);
  return { statistic, dof, pValue: chiSquaredSurvival(statistic, dof) };
}
