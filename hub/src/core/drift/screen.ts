/**
 * A fast screen of many device windows against one reference (DRIFT.md rule 1: test single
 * devices only to explain). It applies the same rule as evaluateDrift to input features (the same
 * chi-squared p-value, PSI with the same smoothing, JS, mean shift and Holm; L-infinity for
 * categoricals) but works on counts in place from reference quantities prepared once, and
 * writes no evidence text, and takes logarithms only when a cheap bound says PSI or JS may
 * reach a threshold: a few microseconds per feature at most instead of about 20. evaluateFleet screens
 * every device and builds full reports only for the devices it flags.
 */
import type { ReferenceProfile, StatsWindow } from '@edgefleet/protocol';
import { SMOOTHING_EPSILON } from './distances';
import { holm } from './multiple-testing';
import type { DriftOptions, Threshold, Verdict } from './options';
import { chiSquaredSurvival } from './special-functions';

interface PreparedFeature {
  kind: 'numeric' | 'categorical';
  /** reference counts per slot: numeric [underflow, bins..., overflow, missing]; categorical [categories..., unseen, missing] */
  counts: Float64Array;
  total: number;
  /** smoothed (PSI) and plain proportions */
  smoothed: Float64Array;
  plain: Float64Array;
  /** ln of the smoothed proportions and log2 of the plain ones (0 where the proportion is 0) */
  logSmoothed: Float64Array;
  log2Plain: Float64Array;
  smallestProportion: number;
  mean: number;
  sd: number;
  finiteTotal: number;
}

export interface PreparedReference {
  features: PreparedFeature[];
}

function smooth(counts: Float64Array, total: number): Float64Array {
  const out = new Float64Array(counts.length);
  let sum = 0;
  for (let i = 0; i < counts.length; i++) sum += out[i] = Math.max(total > 0 ? (counts[i] as number) / total : 1 / counts.length, SMOOTHING_EPSILON);
  for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) / sum;
  return out;
}

export function prepareReference(reference: ReferenceProfile): PreparedReference {
  return {
    features: reference.features.map((f): PreparedFeature => {
      const regular = f.kind === 'numeric' ? f.bins.counts : f.counts;
      const counts = Float64Array.from(f.kind === 'numeric' ? [f.bins.underflow, ...f.bins.counts, f.bins.overflow, f.bins.missing] : [...f.counts, f.unseen, f.missing]);
      const total = counts.reduce((a, b) => a + b, 0);
      const regularTotal = regular.reduce((a, b) => a + b, 0);
      const positive = regular.filter((c) => c > 0);
      const smoothed = smooth(counts, total);
      const plain = counts.map((c) => (total > 0 ? c / total : 0));
      return {
        kind: f.kind,
        counts,
        total,
        smoothed,
        plain,
        logSmoothed: smoothed.map(Math.log),
        log2Plain: plain.map((p) => (p > 0 ? Math.log2(p) : 0)),
        smallestProportion: positive.length && regularTotal > 0 ? Math.min(...positive) / regularTotal : 0,
        mean: f.kind === 'numeric' ? f.bins.mean : 0,
        sd: f.kind === 'numeric' && f.bins.sd > 0 ? f.bins.sd : 1,
        finiteTotal: f.kind === 'numeric' ? total - f.bins.missing : total,
      };
    }),
  };
}

const level = (value: number, t: Threshold): number => (Math.abs(value) >= t.drift ? 2 : Math.abs(value) >= t.warning ? 1 : 0);

function exactPsi(ref: PreparedFeature, k: number, n: number, smoothSum: number): number {
  let psi = 0;
  for (let i = 0; i < k; i++) {
    const so = Math.max((observed[i] as number) / n, SMOOTHING_EPSILON) / smoothSum;
    psi += (so - (ref.smoothed[i] as number)) * (Math.log(so) - (ref.logSmoothed[i] as number));
  }
  return psi;
}

function exactJs(ref: PreparedFeature, k: number, n: number): number {
  let js = 0;
  for (let i = 0; i < k; i++) {
    const po = (observed[i] as number) / n;
    const pr = ref.plain[i] as number;
    const log2M = Math.log2((po + pr) / 2);
    if (po > 0) js += 0.5 * po * (Math.log2(po) - log2M);
    if (pr > 0) js += 0.5 * pr * ((ref.log2Plain[i] as number) - log2M);
  }
  return Math.min(1, Math.max(0, js));
}

interface Screened {
  pValue: number;
  /** 0 ok, 1 warning, 2 drift by effect size alone; -1 insufficient data */
  effect: number;
}

const observed = new Float64Array(1040);

function screenFeature(ref: PreparedFeature, window: StatsWindow, index: number, options: DriftOptions): Screened {
  const f = window.features[index];
  if (!f || f.kind !== ref.kind) throw new Error(`feature ${index}: expected ${ref.kind}`);
  let k = 0;
  if (f.kind === 'numeric') {
    observed[k++] = f.underflow;
    for (const c of f.counts) observed[k++] = c;
    observed[k++] = f.overflow;
  } else for (const c of f.counts) observed[k++] = c;
  observed[k++] = f.kind === 'numeric' ? f.missing : f.unseen;
  if (f.kind === 'categorical') observed[k++] = f.missing;
  if (k !== ref.counts.length) throw new Error(`feature ${index}: ${k} slots vs ${ref.counts.length} in the reference`);
  let n = 0;
  for (let i = 0; i < k; i++) n += observed[i] as number;
  if (n < options.minCount || n * ref.smallestProportion < options.minExpectedPerBin) return { pValue: 1, effect: -1 };
  // chi-squared homogeneity, L-infinity and log-free upper bounds on PSI and JS in one pass:
  // KL(p||q) <= chi2(p||q) gives PSI <= sum (o - r)^2 (1/o + 1/r) on the smoothed proportions,
  // and JS <= sum (o - r)^2 / (2 (o + r)) nats. Logarithms are taken only when a bound reaches
  // its warning threshold, so the verdicts stay exactly those of evaluateDrift.
  const all = ref.total + n;
  let chi = 0;
  let columns = 0;
  let smoothSum = 0;
  for (let i = 0; i < k; i++) smoothSum += Math.max((observed[i] as number) / n, SMOOTHING_EPSILON);
  let psiBound = 0;
  let jsBound = 0;
  let lInf = 0;
  for (let i = 0; i < k; i++) {
    const o = observed[i] as number;
    const r = ref.counts[i] as number;
    const column = o + r;
    if (column > 0) {
      columns++;
      const er = (ref.total * column) / all;
      const eo = (n * column) / all;
      chi += ((r - er) * (r - er)) / er + ((o - eo) * (o - eo)) / eo;
    }
    const po = o / n;
    const so = Math.max(po, SMOOTHING_EPSILON) / smoothSum;
    const sr = ref.smoothed[i] as number;
    psiBound += (so - sr) * (so - sr) * (1 / so + 1 / sr);
    const pr = ref.plain[i] as number;
    if (po + pr > 0) jsBound += ((po - pr) * (po - pr)) / (2 * (po + pr));
    lInf = Math.max(lInf, Math.abs(po - pr));
  }
  jsBound *= Math.LOG2E;
  const psi = psiBound >= options.psi.warning ? exactPsi(ref, k, n, smoothSum) : 0;
  const js = jsBound >= options.jensenShannon.warning ? exactJs(ref, k, n) : 0;
  let effect: number;
  if (f.kind === 'numeric') {
    const finite = n - f.missing;
    const shift = finite > 0 ? (f.sum / finite - ref.mean) / ref.sd : 0;
    effect = Math.max(level(psi, options.psi), level(js, options.jensenShannon), level(shift, options.meanShift));
  } else effect = Math.max(level(js, options.jensenShannon), level(lInf, options.lInfinity));
  return { pValue: chiSquaredSurvival(chi, Math.max(0, columns - 1)), effect };
}

export interface ScreenResult {
  verdicts: Verdict[];
  /** Holm-adjusted p-values across the window's features (1 where data are insufficient) */
  adjusted: number[];
}

const VERDICTS: Verdict[] = ['ok', 'warning', 'drift'];

/** Input-feature verdicts of one window, by the same rule as evaluateDrift (features only). */
export function screenWindow(prepared: PreparedReference, window: StatsWindow, options: DriftOptions): ScreenResult {
  const screened = prepared.features.map((ref, i) => screenFeature(ref, window, i, options));
  const testable = screened.map((s, i) => (s.effect >= 0 ? i : -1)).filter((i) => i >= 0);
  const adjustedTestable = holm(testable.map((i) => (screened[i] as Screened).pValue));
  const adjusted = screened.map(() => 1);
  testable.forEach((i, j) => (adjusted[i] = adjustedTestable[j] as number));
  const verdicts = screened.map((s, i): Verdict => (s.effect < 0 ? 'insufficient-data' : (adjusted[i] as number) < options.alpha ? (VERDICTS[s.effect] as Verdict) : 'ok'));
  return { verdicts, adjusted };
}
