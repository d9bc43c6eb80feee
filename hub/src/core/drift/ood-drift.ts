/**
 * OOD exceedance: how often a window's score is beyond the reference's p95 and p99, against how
 * often the reference's own rows are. The thresholds are quantiles of a finite reference sample,
 * so their true exceedance rates are not exactly 5% and 1%: with 2,000 reference rows the rate
 * above p95 has an sd of 0.5 points, which a window of 1e5 rows resolves (treating 5% as exact
 * gave p < 0.01 in 58% of windows with no drift; issue 11). The test accounts for it exactly:
 * when the threshold is the reference's j-th order statistic, the probability that a new row
 * exceeds it is Beta(kRef + 1, nRef - kRef) distributed (kRef reference rows beyond it), so the
 * window's count is Beta-Binomial(n, kRef + 1, nRef - kRef) under no drift. A quantile
 * interpolated between two order statistics is taken at the one with fewer reference rows
 * beyond it, which can only make the test conservative; so do ties in the scores.
 * One-sided tests (only more exceedance is drift), the smaller p-value after Bonferroni over the
 * two, and the exceedance rate over its nominal rate as the effect size.
 */
import type { OodStats, ReferenceOod } from '@edgefleet/protocol';
import type { Measurement } from './measurement';
import type { DriftOptions } from './options';
import { betaBinomialUpperTail } from './special-functions';

export const P95_RATE = 0.05;
export const P99_RATE = 0.01;

/**
 * Reference rows beyond a type-7 quantile at the tail mass `rate` (protocol referenceOodSchema:
 * thresholds point in the OOD direction), without ties: at most ceil((nRef - 1) rate).
 */
export const referenceExceedances = (referenceRows: number, rate: number): number => Math.min(referenceRows, Math.ceil((referenceRows - 1) * rate));

/** P(window count >= aboveCount) with no drift, given nRef reference scores. */
export function exceedancePValue(aboveCount: number, n: number, referenceRows: number, rate: number): number {
  const kRef = referenceExceedances(referenceRows, rate);
  return betaBinomialUpperTail(aboveCount, n, kRef + 1, referenceRows - kRef);
}

export function measureOod(reference: ReferenceOod, observed: OodStats, options: DriftOptions): Measurement {
  const s = observed.score;
  const n = s.counts.reduce((a, b) => a + b, 0) + s.underflow + s.overflow;
  // The reference's finite scores: the rows its quantiles were taken over.
  const referenceRows = reference.bins.counts.reduce((a, b) => a + b, 0) + reference.bins.underflow + reference.bins.overflow;
  const p95 = referenceRows > 0 ? exceedancePValue(observed.aboveP95, n, referenceRows, P95_RATE) : 1;
  const p99 = referenceRows > 0 ? exceedancePValue(observed.aboveP99, n, referenceRows, P99_RATE) : 1;
  const ratio95 = n > 0 ? observed.aboveP95 / n / P95_RATE : 0;
  const ratio99 = n > 0 ? observed.aboveP99 / n / P99_RATE : 0;
  // Enough data means at least minExpectedPerBin expected exceedances of p99.
  const expected99 = n * P99_RATE;
  const insufficient =
    referenceRows === 0
      ? 'empty OOD reference'
      : n < options.minCount
        ? `n = ${n} < minimum ${options.minCount}`
        : expected99 < options.minExpectedPerBin
          ? `expected exceedances of p99 ${expected99.toFixed(1)} < minimum ${options.minExpectedPerBin}`
          : undefined;
  return {
    name: 'ood',
    kind: 'ood',
    n,
    pValue: Math.min(1, 2 * Math.min(p95, p99)),
    effects: [
      { name: 'rateRatioP95', value: ratio95, threshold: options.oodRateRatio },
      { name: 'rateRatioP99', value: ratio99, threshold: options.oodRateRatio },
    ],
    statistics: { rateP95: ratio95 * P95_RATE, rateP99: ratio99 * P99_RATE, pValueP95: p95, pValueP99: p99, rateRatioP95: ratio95, rateRatioP99: ratio99, referenceRows },
    ...(insufficient ? { insufficient } : {}),
  };
}
