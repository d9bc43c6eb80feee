/**
 * OOD exceedance: by construction 5% of reference scores lie above p95 and 1% above p99, so the
 * counts above them are binomial under no drift. One-sided tests (only more exceedance is
 * drift), the smaller p-value after Bonferroni over the two (a conservative combination), and
 * the exceedance rate over its reference rate as the effect size.
 */
import type { OodStats } from '@edgefleet/protocol';
import type { Measurement } from './measurement';
import type { DriftOptions } from './options';
import { binomialUpperTail } from './special-functions';

export const P95_RATE = 0.05;
export const P99_RATE = 0.01;

export function measureOod(observed: OodStats, options: DriftOptions): Measurement {
  const s = observed.score;
  const n = s.counts.reduce((a, b) => a + b, 0) + s.underflow + s.overflow;
  const p95 = binomialUpperTail(observed.aboveP95, n, P95_RATE);
  const p99 = binomialUpperTail(observed.aboveP99, n, P99_RATE);
  const ratio95 = n > 0 ? observed.aboveP95 / n / P95_RATE : 0;
  const ratio99 = n > 0 ? observed.aboveP99 / n / P99_RATE : 0;
  // Enough data means at least minExpectedPerBin expected exceedances of p99.
  const expected99 = n * P99_RATE;
  const insufficient =
    n < options.minCount ? `n = ${n} < minimum ${options.minCount}` : expected99 < options.minExpectedPerBin ? `expected exceedances of p99 ${expected99.toFixed(1)} < minimum ${options.minExpectedPerBin}` : undefined;
  return {
    name: 'ood',
    kind: 'ood',
    n,
    pValue: Math.min(1, 2 * Math.min(p95, p99)),
    effects: [
      { name: 'rateRatioP95', value: ratio95, threshold: options.oodRateRatio },
      { name: 'rateRatioP99', value: ratio99, threshold: options.oodRateRatio },
    ],
    statistics: { rateP95: ratio95 * P95_RATE, rateP99: ratio99 * P99_RATE, pValueP95: p95, pValueP99: p99, rateRatioP95: ratio95, rateRatioP99: ratio99 },
    ...(insufficient ? { insufficient } : {}),
  };
}
