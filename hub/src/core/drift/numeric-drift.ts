/**
 * A numeric signal (input feature, regression output, confidence, OOD score) against its
 * reference bins. Ordered bins are [underflow, bins..., overflow]; missing joins as one more,
 * unordered, bin for PSI, JS, Hellinger and chi-squared, never for KS or Wasserstein.
 */
import type { BinnedStats, NumericBins } from '@edgefleet/protocol';
import { chiSquaredHomogeneity } from './chi-squared';
import { binnedKs, binnedWasserstein, hellinger, jensenShannon, psi } from './distances';
import type { Measurement } from './measurement';
import type { DriftOptions } from './options';
import { kolmogorovSurvival } from './special-functions';

const ordered = (b: { counts: readonly number[]; underflow: number; overflow: number }): number[] => [b.underflow, ...b.counts, b.overflow];

/** Mass of underflow at the first edge, overflow at the last, every bin at its midpoint. */
export function binCentres(edges: readonly number[]): number[] {
  const first = edges[0] as number;
  const last = edges[edges.length - 1] as number;
  const mids = edges.slice(1).map((edge, i) => (edge + (edges[i] as number)) / 2);
  return [first, ...mids, last];
}

/** KS p-value with effective n = n m / (n + m) and Stephens' small-sample correction. */
export function ksPValue(d: number, n: number, m: number): number {
  if (n <= 0 || m <= 0) return 1;
  const ne = Math.sqrt((n * m) / (n + m));
  return kolmogorovSurvival((ne + 0.12 + 0.11 / ne) * d);
}

/** Why there is not enough data, or undefined when there is. */
export function insufficiency(referenceCounts: readonly number[], n: number, options: DriftOptions): string | undefined {
  if (n < options.minCount) return `n = ${n} < minimum ${options.minCount}`;
  const refTotal = referenceCounts.reduce((a, b) => a + b, 0);
  if (refTotal === 0) return 'empty reference';
  const smallest = Math.min(...referenceCounts.filter((c) => c > 0)) / refTotal;
  const expected = n * smallest;
  if (expected < options.minExpectedPerBin) return `smallest expected bin count ${expected.toFixed(1)} < minimum ${options.minExpectedPerBin}`;
  return undefined;
}

export function measureNumeric(name: string, kind: Measurement['kind'], reference: NumericBins, observed: BinnedStats, options: DriftOptions): Measurement {
  if (observed.counts.length !== reference.counts.length) throw new Error(`${name}: ${observed.counts.length} observed bins vs ${reference.counts.length} reference bins`);
  const refOrdered = ordered(reference);
  const obsOrdered = ordered(observed);
  const refAll = [...refOrdered, reference.missing];
  const obsAll = [...obsOrdered, observed.missing];
  const nRef = refOrdered.reduce((a, b) => a + b, 0);
  const nObs = obsOrdered.reduce((a, b) => a + b, 0);
  const n = nObs + observed.missing;
  const chi = chiSquaredHomogeneity(refAll, obsAll);
  const ks = binnedKs(refOrdered, obsOrdered);
  const sd = reference.sd > 0 ? reference.sd : 1;
  const mean = nObs > 0 ? observed.sum / nObs : reference.mean;
  const variance = nObs > 1 ? Math.max(0, (observed.sumSq - nObs * mean * mean) / (nObs - 1)) : 0;
  const meanShift = (mean - reference.mean) / sd;
  const statistics: Record<string, number> = {
    psi: psi(refAll, obsAll),
    jensenShannon: jensenShannon(refAll, obsAll),
    hellinger: hellinger(refAll, obsAll),
    chiSquared: chi.statistic,
    dof: chi.dof,
    ks,
    ksPValue: ksPValue(ks, nRef, nObs),
    wasserstein: binnedWasserstein(refOrdered, obsOrdered, binCentres(reference.edges)) / sd,
    meanShift,
    meanShiftZ: nObs > 0 && nRef > 0 ? meanShift / Math.sqrt(1 / nObs + 1 / nRef) : 0,
    sdRatio: Math.sqrt(variance) / sd,
    missingRate: n > 0 ? observed.missing / n : 0,
  };
  const insufficient = insufficiency(reference.counts, n, options);
  return {
    name,
    kind,
    n,
    pValue: chi.pValue,
    effects: [
      { name: 'psi', value: statistics.psi as number, threshold: options.psi },
      { name: 'jensenShannon', value: statistics.jensenShannon as number, threshold: options.jensenShannon },
      { name: 'meanShift', value: meanShift, threshold: options.meanShift },
    ],
    statistics,
    ...(insufficient ? { insufficient } : {}),
  };
}
