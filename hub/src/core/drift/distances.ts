/**
 * Divergences between a reference and an observed histogram on the same bins (pure).
 * Proportions are smoothed with SMOOTHING_EPSILON so an empty bin on one side gives a large but
 * finite PSI instead of Infinity: each proportion is floored at epsilon and renormalized.
 */

/** Floor for a proportion in PSI and JS (1e-4: one in ten thousand, well under one bin of 20). */
export const SMOOTHING_EPSILON = 1e-4;

const total = (counts: readonly number[]): number => counts.reduce((a, b) => a + b, 0);

/** Proportions of counts, each floored at epsilon and renormalized (uniform if all are zero). */
export function smoothedProportions(counts: readonly number[], epsilon = SMOOTHING_EPSILON): number[] {
  const n = total(counts);
  const raw = counts.map((c) => (n > 0 ? c / n : 1 / counts.length));
  const floored = raw.map((p) => Math.max(p, epsilon));
  const sum = total(floored);
  return floored.map((p) => p / sum);
}

const assertSameLength = (a: readonly number[], b: readonly number[]): void => {
  if (a.length !== b.length) throw new Error(`cannot compare ${a.length} bins with ${b.length}`);
};

/** Population stability index: sum (o - r) ln(o / r) on smoothed proportions. */
export function psi(reference: readonly number[], observed: readonly number[], epsilon = SMOOTHING_EPSILON): number {
  assertSameLength(reference, observed);
  const r = smoothedProportions(reference, epsilon);
  const o = smoothedProportions(observed, epsilon);
  return r.reduce((acc, ri, i) => {
    const oi = o[i] as number;
    return acc + (oi - ri) * Math.log(oi / ri);
  }, 0);
}

/** Jensen-Shannon divergence in bits (base 2), in [0, 1]; zero proportions need no smoothing. */
export function jensenShannon(reference: readonly number[], observed: readonly number[]): number {
  assertSameLength(reference, observed);
  const r = smoothedProportions(reference, 0);
  const o = smoothedProportions(observed, 0);
  let js = 0;
  for (let i = 0; i < r.length; i++) {
    const ri = r[i] as number;
    const oi = o[i] as number;
    const m = (ri + oi) / 2;
    if (ri > 0) js += 0.5 * ri * Math.log2(ri / m);
    if (oi > 0) js += 0.5 * oi * Math.log2(oi / m);
  }
  return Math.min(1, Math.max(0, js));
}

/** Hellinger distance sqrt(1 - sum sqrt(r o)), in [0, 1]. */
export function hellinger(reference: readonly number[], observed: readonly number[]): number {
  assertSameLength(reference, observed);
  const r = smoothedProportions(reference, 0);
  const o = smoothedProportions(observed, 0);
  const bc = r.reduce((acc, ri, i) => acc + Math.sqrt(ri * (o[i] as number)), 0);
  return Math.sqrt(Math.max(0, 1 - bc));
}

/** Largest absolute difference of proportions (L-infinity). */
export function lInfinity(reference: readonly number[], observed: readonly number[]): number {
  assertSameLength(reference, observed);
  const r = smoothedProportions(reference, 0);
  const o = smoothedProportions(observed, 0);
  return r.reduce((acc, ri, i) => Math.max(acc, Math.abs(ri - (o[i] as number))), 0);
}

/** Cumulative proportions of ordered bins. */
function cdf(counts: readonly number[]): number[] {
  const n = total(counts);
  let running = 0;
  return counts.map((c) => {
    running += c;
    return n > 0 ? running / n : 0;
  });
}

/** Binned Kolmogorov-Smirnov statistic: the largest CDF difference at the bin edges. */
export function binnedKs(reference: readonly number[], observed: readonly number[]): number {
  assertSameLength(reference, observed);
  const r = cdf(reference);
  const o = cdf(observed);
  return r.reduce((acc, ri, i) => Math.max(acc, Math.abs(ri - (o[i] as number))), 0);
}

/**
 * Binned Wasserstein-1: integral of |CDF_r - CDF_o| with each bin's mass at `centres[i]`
 * (ascending). Divide by the reference sd for a scale-free figure.
 */
export function binnedWasserstein(reference: readonly number[], observed: readonly number[], centres: readonly number[]): number {
  assertSameLength(reference, observed);
  assertSameLength(reference, centres);
  const r = cdf(reference);
  const o = cdf(observed);
  let w = 0;
  for (let i = 0; i + 1 < centres.length; i++) w += Math.abs((r[i] as number) - (o[i] as number)) * ((centres[i + 1] as number) - (centres[i] as number));
  return w;
}
