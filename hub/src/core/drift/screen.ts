/**
 * A fast screen of many device windows against one reference (DRIFT.md rule 1: test single
 * devices only to explain). For every window it gives the input-feature verdicts evaluateDrift
 * gives (same tests, same thresholds, Holm across the window's input features) in well under a
 * microsecond per feature instead of about 20, by computing only what can decide a verdict.
 * evaluateFleet screens every device and builds full reports only for the devices it flags.
 *
 * Why the verdicts are evaluateDrift's, exactly:
 * - Insufficient data: the same arithmetic as insufficiency() (numeric-drift.ts).
 * - p-values. Holm rejects feature i (adjusted p < alpha) only if every p-value ranked up to it
 *   is below alpha, and Benjamini-Hochberg across devices (evaluateFleet, q = fdr) can reject
 *   only through inputs below q: a p-value at or above `exactBelow` = max(alpha, fdr) decides
 *   nothing and shifts no rank of a smaller one, so knowing that it is that large is enough. The
 *   chi-squared statistic costs one division per pooled column (sum (o R - r n)^2 / ((o + r) R n),
 *   the homogeneity statistic rearranged, on the columns poolSparseColumns makes, as
 *   chiSquaredHomogeneity pools them); only when it passes the chi-squared quantile of
 *   1 - exactBelow (cached per dof, lowered by a relative 1e-6: over that step the survival
 *   function changes by orders of magnitude more than the rounding difference of the two
 *   formulas or any unevenness in evaluating it) is the p-value computed, by
 *   chiSquaredHomogeneity on the same slots as evaluateDrift, so every p-value that can matter
 *   is the very same float, and Holm over them is the same arithmetic as holm().
 *   That removes the incomplete gamma from all but about exactBelow of the features of an
 *   undrifted fleet, and the Holm sort from windows with no small p-value.
 * - Effect sizes. Mean shift is the same arithmetic as measureNumeric. PSI and JS are first
 *   bounded without logarithms (KL(p||q) <= chi2(p||q) gives PSI <= sum (o - r)^2 (1/o + 1/r)
 *   on the smoothed proportions, and JS <= sum (o - r)^2 / (2 (o + r)) nats <= log2(e) X /
 *   (2 min(n, R)) bits with X the homogeneity statistic); only a bound at or above the warning
 *   threshold leads to the value itself. Any value within a relative 1e-9 of a threshold (PSI,
 *   JS or L-infinity by a formula other than distances.ts) is decided by measuring the feature
 *   with measureNumeric / measureCategorical, as evaluateDrift does.
 * Holm's family here is the window's input features, which is evaluateDrift's whenever the
 * reference has no outputs and no OOD score; with them, evaluateDrift corrects over more tests.
 */
import type { FeatureStats, ReferenceFeature, ReferenceProfile, StatsWindow } from '@edgefleet/protocol';
import { measureCategorical } from './categorical-drift';
import { chiSquaredHomogeneity, poolSparseColumns } from './chi-squared';
import { SMOOTHING_EPSILON } from './distances';
import type { Measurement } from './measurement';
import { measureNumeric } from './numeric-drift';
import type { DriftOptions, Threshold, Verdict } from './options';
import { chiSquaredSurvival } from './special-functions';
import { effectLevel } from './verdict';
import { assertTestableWindow } from './window-checks';

interface PreparedFeature {
  reference: ReferenceFeature;
  /** reference counts per slot: numeric [underflow, bins..., overflow, missing]; categorical [categories..., unseen, missing] */
  counts: Float64Array;
  total: number;
  /** smoothed (PSI) and plain proportions, 1 / smoothed, ln smoothed, log2 plain (0 where plain is 0) */
  smoothed: Float64Array;
  inverseSmoothed: Float64Array;
  plain: Float64Array;
  logSmoothed: Float64Array;
  log2Plain: Float64Array;
  /** as in insufficiency(): smallest positive count of the rule's slots over their total (Infinity without one) */
  smallestProportion: number;
  emptyReference: boolean;
  mean: number;
  sd: number;
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
      const counts = Float64Array.from(f.kind === 'numeric' ? [f.bins.underflow, ...f.bins.counts, f.bins.overflow, f.bins.missing] : [...f.counts, f.unseen, f.missing]);
      const total = counts.reduce((a, b) => a + b, 0);
      // The slots insufficiency() looks at: the regular bins of a numeric feature, every positive slot of a categorical one.
      const rule = f.kind === 'numeric' ? f.bins.counts : [...f.counts, f.unseen, f.missing].filter((c) => c > 0);
      const ruleTotal = rule.reduce((a, b) => a + b, 0);
      const smoothed = smooth(counts, total);
      const plain = counts.map((c) => (total > 0 ? c / total : 0));
      return {
        reference: f,
        counts,
        total,
        smoothed,
        inverseSmoothed: smoothed.map((p) => 1 / p),
        plain,
        logSmoothed: smoothed.map(Math.log),
        log2Plain: plain.map((p) => (p > 0 ? Math.log2(p) : 0)),
        smallestProportion: Math.min(...rule.filter((c) => c > 0)) / ruleTotal,
        emptyReference: ruleTotal === 0,
        mean: f.kind === 'numeric' ? f.bins.mean : 0,
        sd: f.kind === 'numeric' && f.bins.sd > 0 ? f.bins.sd : 1,
      };
    }),
  };
}

/** Relative distance to a threshold below which only evaluateDrift's own formulas decide. */
const MARGIN = 1e-9;
const near = (value: number, t: Threshold): boolean => Math.abs(value - t.warning) <= MARGIN * Math.abs(t.warning) || Math.abs(value - t.drift) <= MARGIN * Math.abs(t.drift);
const level = (value: number, t: Threshold): number => (Math.abs(value) >= t.drift ? 2 : Math.abs(value) >= t.warning ? 1 : 0);
/** Products o R and r n stay exact integers below this, so the rearranged statistic is exact up to its divisions. */
const EXACT_PRODUCTS = 2 ** 52;

/** Chi-squared statistics at or below this have a p-value above `p` (see the header); cached per dof. */
const criticalByP = new Map<number, number[]>();
let lastP = NaN;
let lastTable: number[] = [];
function criticalValue(dof: number, p: number): number {
  if (p !== lastP) {
    let table = criticalByP.get(p);
    if (!table) criticalByP.set(p, (table = []));
    lastP = p;
    lastTable = table;
  }
  let critical = lastTable[dof];
  if (critical === undefined) {
    if (!(p < 1)) critical = -1;
    else {
      let low = 0; // survival 1 > p
      let high = Math.max(1, dof);
      while (chiSquaredSurvival(high, dof) > p) high *= 2;
      for (let i = 0; i < 200 && high - low > 1e-12 * high; i++) {
        const mid = (low + high) / 2;
        if (chiSquaredSurvival(mid, dof) > p) low = mid;
        else high = mid;
      }
      critical = low / (1 + 1e-6);
    }
    if (dof < 4096) lastTable[dof] = critical;
  }
  return critical;
}

const observed = new Float64Array(1040);
const pooledReference = new Float64Array(1040);
const pooledObserved = new Float64Array(1040);

function psiOf(ref: PreparedFeature, k: number, n: number, smoothSum: number): number {
  let psi = 0;
  for (let i = 0; i < k; i++) {
    const so = Math.max((observed[i] as number) / n, SMOOTHING_EPSILON) / smoothSum;
    psi += (so - (ref.smoothed[i] as number)) * (Math.log(so) - (ref.logSmoothed[i] as number));
  }
  return psi;
}

function jsOf(ref: PreparedFeature, k: number, n: number): number {
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

/** What evaluateDrift measures for this feature: used only for values too close to a threshold to call otherwise. */
function measured(ref: PreparedFeature, f: FeatureStats, options: DriftOptions): Measurement {
  const r = ref.reference;
  if (r.kind === 'numeric' && f.kind === 'numeric') return measureNumeric(r.name, 'numeric', r.bins, f, options);
  if (r.kind === 'categorical' && f.kind === 'categorical') return measureCategorical(r.name, 'categorical', [...r.counts, r.unseen, r.missing], [...f.counts, f.unseen, f.missing], options);
  throw new Error(`feature ${r.name}: kind mismatch`);
}

/**
 * One feature of one window: its effect level (0 ok, 1 warning, 2 drift by effect size alone;
 * -1 insufficient data), and into pValues[at] its p-value when below `exactBelow`, else Infinity.
 */
function screenFeature(ref: PreparedFeature, f: FeatureStats | undefined, options: DriftOptions, exactBelow: number, pValues: Float64Array, at: number): number {
  if (!f || f.kind !== ref.reference.kind) throw new Error(`feature ${ref.reference.name}: expected ${ref.reference.kind}`);
  const counts = f.counts;
  const regular = counts.length;
  const k = regular + 2 + (f.kind === 'numeric' ? 1 : 0);
  if (k !== ref.counts.length) throw new Error(`feature ${ref.reference.name}: ${k} slots vs ${ref.counts.length} in the reference`);
  // Slots in the reference's order; n summed in that order too, as evaluateDrift sums them.
  let n = 0;
  let slot = 0;
  if (f.kind === 'numeric') n += observed[slot++] = f.underflow;
  for (let i = 0; i < regular; i++) n += observed[slot++] = counts[i] as number;
  if (f.kind === 'numeric') {
    n += observed[slot++] = f.overflow;
    n += observed[slot++] = f.missing;
  } else {
    n += observed[slot++] = f.unseen;
    n += observed[slot++] = f.missing;
  }
  pValues[at] = Infinity;
  if (n < options.minCount || ref.emptyReference || n * ref.smallestProportion < options.minExpectedPerBin) return -1;

  const total = ref.total;
  const exactProducts = total * n < EXACT_PRODUCTS;
  const epsilonN = SMOOTHING_EPSILON * n;
  let chi = 0;
  let smoothSum = 0;
  for (let i = 0; i < k; i++) {
    const o = observed[i] as number;
    const r = ref.counts[i] as number;
    if (o + r > 0) {
      const d = o * total - r * n;
      chi += (d * d) / (o + r);
    }
    smoothSum += Math.max(o, epsilonN);
  }
  chi /= total * n;
  smoothSum /= n;
  // The test runs on pooled columns (chi-squared.ts), so its prefilter does too; the unpooled
  // statistic above is what bounds JS.
  const groups = poolSparseColumns(ref.counts, observed, total, n, pooledReference, pooledObserved);
  let pooledChi = 0;
  for (let g = 0; g < groups; g++) {
    const o = pooledObserved[g] as number;
    const r = pooledReference[g] as number;
    const d = o * total - r * n;
    pooledChi += (d * d) / (o + r);
  }
  pooledChi /= total * n;
  const dof = groups - 1;
  if (dof > 0 && (!exactProducts || pooledChi > criticalValue(dof, exactBelow))) {
    const p = chiSquaredHomogeneity(ref.counts, observed.subarray(0, k)).pValue;
    if (p < exactBelow) pValues[at] = p;
  }

  let psi = 0;
  let psiBound = 0;
  const toSmoothed = 1 / (n * smoothSum);
  for (let i = 0; i < k; i++) {
    const so = Math.max(observed[i] as number, epsilonN) * toSmoothed;
    const sr = ref.smoothed[i] as number;
    psiBound += (so - sr) * (so - sr) * (1 / so + (ref.inverseSmoothed[i] as number));
  }
  if (psiBound >= options.psi.warning * (1 - MARGIN)) psi = psiOf(ref, k, n, smoothSum);
  let lInf = 0;
  if (f.kind === 'categorical') for (let i = 0; i < k; i++) lInf = Math.max(lInf, Math.abs((observed[i] as number) / n - (ref.plain[i] as number)));
  let js = 0;
  // The cheap bound needs the statistic exact up to rounding, which the products guarantee.
  if (!exactProducts || (Math.LOG2E * chi) / (2 * Math.min(n, total)) >= options.jensenShannon.warning * (1 - MARGIN)) {
    let jsBound = 0;
    for (let i = 0; i < k; i++) {
      const po = (observed[i] as number) / n;
      const pr = ref.plain[i] as number;
      if (po + pr > 0) jsBound += ((po - pr) * (po - pr)) / (2 * (po + pr));
    }
    if (Math.LOG2E * jsBound >= options.jensenShannon.warning * (1 - MARGIN)) js = jsOf(ref, k, n);
  }
  if (near(psi, options.psi) || near(js, options.jensenShannon) || (f.kind === 'categorical' && near(lInf, options.lInfinity))) return effectLevel(measured(ref, f, options).effects);
  if (f.kind === 'categorical') return Math.max(level(js, options.jensenShannon), level(lInf, options.lInfinity));
  const finite = n - f.missing;
  const shift = finite > 0 ? (f.sum / finite - ref.mean) / ref.sd : 0;
  return Math.max(level(psi, options.psi), level(js, options.jensenShannon), level(shift, options.meanShift));
}

/** Screen verdicts of many windows, by device then input feature (index device * features + feature). */
export interface FleetScreen {
  features: number;
  /** -1 insufficient data, 0 ok, 1 warning, 2 drift: evaluateDrift's verdict of the feature */
  verdicts: Int8Array;
  /**
   * Holm-adjusted p-values across each window's features: exact (evaluateDrift's) below
   * `exactBelow`; at or above it only a lower bound, itself at least `exactBelow`; 1 with
   * insufficient data.
   */
  adjusted: Float64Array;
}

/**
 * Screens every window. `exactBelow` (default alpha; evaluateFleet passes max(alpha, fdr)) is the
 * p-value from which on an exact figure no longer matters (see the header).
 */
export function screenWindows(prepared: PreparedReference, windows: readonly StatsWindow[], options: DriftOptions, exactBelow = options.alpha): FleetScreen {
  const features = prepared.features.length;
  const verdicts = new Int8Array(windows.length * features);
  const adjusted = new Float64Array(windows.length * features).fill(1);
  const pValues = new Float64Array(features);
  const effects = new Int8Array(features);
  const small: number[] = [];
  const names = { features: prepared.features.map((f) => f.reference), outputs: [] };
  windows.forEach((window, d) => {
    if (window.features.length !== features) throw new Error(`window has ${window.features.length} features, reference ${features}`);
    assertTestableWindow(window, names);
    let testable = 0;
    small.length = 0;
    for (let f = 0; f < features; f++) {
      const effect = screenFeature(prepared.features[f] as PreparedFeature, window.features[f], options, exactBelow, pValues, f);
      effects[f] = effect;
      if (effect < 0) continue;
      testable++;
      if ((pValues[f] as number) < exactBelow) small.push(f);
    }
    // Holm as holm() does it, on the p-values that come first in its order (ties by index, as its stable sort).
    small.sort((a, b) => (pValues[a] as number) - (pValues[b] as number) || a - b);
    let running = 0;
    for (let rank = 0; rank < small.length; rank++) {
      const f = small[rank] as number;
      running = Math.max(running, Math.min(1, (testable - rank) * (pValues[f] as number)));
      adjusted[d * features + f] = running;
    }
    const floor = Math.max(running, exactBelow);
    for (let f = 0; f < features; f++) {
      const at = d * features + f;
      const effect = effects[f] as number;
      if (effect < 0) {
        verdicts[at] = -1;
        continue;
      }
      if (!((pValues[f] as number) < exactBelow)) adjusted[at] = floor;
      verdicts[at] = (adjusted[at] as number) < options.alpha ? effect : 0;
    }
  });
  return { features, verdicts, adjusted };
}

export interface ScreenResult {
  verdicts: Verdict[];
  /** Holm-adjusted p-values across the window's features, as FleetScreen.adjusted */
  adjusted: number[];
}

export const SCREEN_VERDICTS: readonly Verdict[] = ['ok', 'warning', 'drift'];
export const screenVerdict = (code: number): Verdict => (code < 0 ? 'insufficient-data' : (SCREEN_VERDICTS[code] as Verdict));

/** Input-feature verdicts of one window, by the same rule as evaluateDrift (features only). */
export function screenWindow(prepared: PreparedReference, window: StatsWindow, options: DriftOptions, exactBelow = options.alpha): ScreenResult {
  const screen = screenWindows(prepared, [window], options, exactBelow);
  return { verdicts: Array.from(screen.verdicts, screenVerdict), adjusted: Array.from(screen.adjusted) };
}
