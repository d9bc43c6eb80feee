/**
 * A categorical input (training categories + unseen + missing as extra categories) or a
 * classifier's predicted-class counts against the reference counts: chi-squared homogeneity for
 * significance, JS, L-infinity and PSI for effect size.
 */
import { chiSquaredHomogeneity } from './chi-squared';
import { jensenShannon, lInfinity, psi } from './distances';
import type { Measurement } from './measurement';
import { insufficiency } from './numeric-drift';
import type { DriftOptions } from './options';

export function measureCategorical(name: string, kind: 'categorical' | 'class', reference: readonly number[], observed: readonly number[], options: DriftOptions): Measurement {
  if (reference.length !== observed.length) throw new Error(`${name}: ${observed.length} observed categories vs ${reference.length} reference ones`);
  const chi = chiSquaredHomogeneity(reference, observed);
  const n = observed.reduce((a, b) => a + b, 0);
  const statistics: Record<string, number> = {
    chiSquared: chi.statistic,
    dof: chi.dof,
    jensenShannon: jensenShannon(reference, observed),
    lInfinity: lInfinity(reference, observed),
    psi: psi(reference, observed),
  };
  // Unseen and missing are 0 in most references: the expected-count rule is about the rest.
  const insufficient = insufficiency(reference.filter((c) => c > 0), n, options);
  return {
    name,
    kind,
    n,
    pValue: chi.pValue,
    effects: [
      { name: 'jensenShannon', value: statistics.jensenShannon as number, threshold: options.jensenShannon },
      { name: 'lInfinity', value: statistics.lInfinity as number, threshold: options.lInfinity },
    ],
    statistics,
    ...(insufficient ? { insufficient } : {}),
  };
}
