/**
 * Drift vocabulary and options (DRIFT.md "Deciding drift without drowning in false alarms").
 * Every option has a documented default; callers override only what they need.
 */

export type Verdict = 'ok' | 'warning' | 'drift' | 'insufficient-data';

/** Severity order for combining verdicts: insufficient-data never outranks a real finding. */
export const VERDICT_RANK: Record<Verdict, number> = { 'insufficient-data': 0, ok: 1, warning: 2, drift: 3 };

export const worstVerdict = (verdicts: readonly Verdict[]): Verdict =>
  verdicts.reduce<Verdict>((worst, v) => (VERDICT_RANK[v] > VERDICT_RANK[worst] ? v : worst), 'insufficient-data');

/** A warning and a drift threshold on one effect size (drift >= warning). */
export interface Threshold {
  warning: number;
  drift: number;
}

export interface DriftOptions {
  /** family-wise significance level for Holm across the tests of one report (default 0.01) */
  alpha: number;
  /** no verdict below this many observed values (default 100) */
  minCount: number;
  /** no verdict when n x (smallest reference proportion of a regular bin) is below this (default 5) */
  minExpectedPerBin: number;
  /** PSI effect size (default 0.1 warning, 0.25 drift: the usual credit-scoring rule) */
  psi: Threshold;
  /** Jensen-Shannon divergence, bits (default 0.02 / 0.05, about PSI 0.1 / 0.25 for small shifts) */
  jensenShannon: Threshold;
  /** |mean shift| in reference sds (default 0.2 / 0.5) */
  meanShift: Threshold;
  /** L-infinity on category proportions (default 0.05 / 0.1) */
  lInfinity: Threshold;
  /** OOD exceedance rate over its reference rate, p95 and p99 (default 1.5x / 2x) */
  oodRateRatio: Threshold;
}

export const DEFAULT_DRIFT_OPTIONS: DriftOptions = {
  alpha: 0.01,
  minCount: 100,
  minExpectedPerBin: 5,
  psi: { warning: 0.1, drift: 0.25 },
  jensenShannon: { warning: 0.02, drift: 0.05 },
  meanShift: { warning: 0.2, drift: 0.5 },
  lInfinity: { warning: 0.05, drift: 0.1 },
  oodRateRatio: { warning: 1.5, drift: 2 },
};

export const driftOptions = (overrides: Partial<DriftOptions> = {}): DriftOptions => ({ ...DEFAULT_DRIFT_OPTIONS, ...overrides });

/** One signal's finding: its statistics, the thresholds applied and why. */
export interface SignalReport {
  name: string;
  kind: 'numeric' | 'categorical' | 'class' | 'confidence' | 'ood';
  verdict: Verdict;
  n: number;
  /** the significance test's raw p-value, and after Holm across the report's tests */
  pValue: number;
  adjustedPValue: number;
  /** statistic name -> value (psi, jensenShannon, chiSquared, ks, ksPValue, ...) */
  statistics: Record<string, number>;
  /** effect size name -> thresholds that were applied */
  thresholds: Record<string, Threshold>;
  evidence: string;
}
