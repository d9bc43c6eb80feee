/**
 * When does a row count as "above p95 / p99" of the reference OOD score (DRIFT "OOD score")?
 *
 * - `reconstruction-error`, `standardized-distance`: higher is more out of distribution, so a
 *   row exceeds when its score is strictly above the reference `p95` / `p99`.
 * - `max-softmax`: the score is the top class probability and LOWER is more out of
 *   distribution. The hub builds `p95` / `p99` as quantiles of the score itself (the upper tail,
 *   reference-profile.ts), which says nothing about the OOD tail. So for this kind a row exceeds
 *   when its top probability is strictly below the reference's 5% (resp. 1%) quantile of the top
 *   probability, read off the reference histogram by linear interpolation within its bin. Either
 *   way `aboveP95` / `aboveP99` keep one meaning for the hub: "more OOD than 95% / 99% of the
 *   reference rows", expected rates 5% and 1%.
 */
import type { NumericBins, ReferenceOod } from '@edgefleet/protocol';

export interface OodThresholds {
  /** true when a low score means out of distribution (max-softmax) */
  lowerIsOod: boolean;
  t95: number;
  t99: number;
}

export function oodThresholds(ood: ReferenceOod): OodThresholds {
  if (ood.score !== 'max-softmax') return { lowerIsOod: false, t95: ood.p95, t99: ood.p99 };
  return { lowerIsOod: true, t95: histogramQuantile(ood.bins, 0.05), t99: histogramQuantile(ood.bins, 0.01) };
}

/** The q-quantile of the finite reference values, assuming values spread evenly inside a bin. */
export function histogramQuantile(bins: NumericBins, q: number): number {
  const total = bins.underflow + bins.overflow + bins.counts.reduce((a, b) => a + b, 0);
  const first = bins.edges[0] as number;
  if (total === 0) return first;
  let below = bins.underflow;
  const target = q * total;
  if (target <= below) return first;
  for (let i = 0; i < bins.counts.length; i++) {
    const count = bins.counts[i] as number;
    if (below + count >= target && count > 0) {
      const lo = bins.edges[i] as number;
      const hi = bins.edges[i + 1] as number;
      return lo + ((target - below) / count) * (hi - lo);
    }
    below += count;
  }
  return bins.edges[bins.edges.length - 1] as number;
}

/** Is `score` more OOD than the threshold? NaN never is. */
export const exceeds = (thresholds: OodThresholds, score: number, threshold: number): boolean =>
  thresholds.lowerIsOod ? score < threshold : score > threshold;
