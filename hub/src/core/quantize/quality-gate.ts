/**
 * The quality gate of a quantized version (pure): labelled data compares accuracy (in percentage
 * points) and the run's primary metric (macro-F1 for a classifier by default: on imbalanced
 * classes int8 can keep accuracy while a rare class collapses); unlabelled data compares the int8
 * outputs with the fp32 ones. A version that fails is never stored; the verdict carries the
 * numbers for the refusal's `details`.
 */

export interface GateLimits {
  /** largest accuracy loss allowed, in percentage points (labelled data) */
  maxAccuracyLossPp: number;
  /** smallest output agreement allowed, in [0, 1] (unlabelled data) */
  minAgreement: number;
  /**
   * largest loss of the primary metric: percentage points for scores in [0, 1] (macroF1, rocAuc,
   * f1, ...), percent of the fp32 value for errors (logLoss, rmse, mae)
   */
  maxMetricLossPp: number;
}

/** The primary metric measured on the same rows for fp32 (`source`) and int8 (`result`). */
export interface MetricComparison {
  metric: string;
  source: number;
  result: number;
}

export type GateMeasurement =
  | { kind: 'accuracy'; source: number; result: number; primary?: MetricComparison }
  | { kind: 'agreement'; result: number; primary?: MetricComparison };

/** What the two sides are called in a refusal's reason: int8 and fp32 unless said otherwise (a pruned model and its parent, a student and its teacher). */
export interface GateNames {
  result: string;
  source: string;
}

const QUANTIZED: GateNames = { result: 'int8', source: 'fp32' };

export type GateVerdict =
  | { pass: true; measured: Record<string, number> }
  | { pass: false; reason: string; measured: Record<string, number>; limit: Record<string, number> };

const round = (value: number, digits = 4): number => Number(value.toFixed(digits));

/** Metrics where lower is better: their loss is relative, in percent of the fp32 value. */
const ERROR_METRICS: ReadonlySet<string> = new Set(['logLoss', 'rmse', 'mae']);

function metricLoss(primary: MetricComparison): number {
  if (ERROR_METRICS.has(primary.metric)) return ((primary.result - primary.source) / Math.max(Math.abs(primary.source), 1e-12)) * 100;
  return (primary.source - primary.result) * 100;
}

function primaryVerdict(primary: MetricComparison, limits: GateLimits, measured: Record<string, number>, names: GateNames): GateVerdict {
  const loss = metricLoss(primary);
  const all = { ...measured, [`source_${primary.metric}`]: round(primary.source), [`result_${primary.metric}`]: round(primary.result), metricLossPp: round(loss, 3) };
  if (Number.isNaN(loss) || loss > limits.maxMetricLossPp) {
    const unit = ERROR_METRICS.has(primary.metric) ? '%' : ' pp';
    return {
      pass: false,
      reason: `${names.result} ${primary.metric} ${round(primary.result)} is ${loss.toFixed(2)}${unit} worse than ${names.source} ${round(primary.source)} (limit ${limits.maxMetricLossPp}${unit})`,
      measured: all,
      limit: { maxMetricLossPp: limits.maxMetricLossPp },
    };
  }
  return { pass: true, measured: all };
}

export function qualityGate(measurement: GateMeasurement, limits: GateLimits, names: GateNames = QUANTIZED): GateVerdict {
  let measured: Record<string, number>;
  if (measurement.kind === 'accuracy') {
    const lossPp = (measurement.source - measurement.result) * 100;
    measured = { sourceAccuracy: round(measurement.source), resultAccuracy: round(measurement.result), accuracyLossPp: round(lossPp, 3) };
    if (Number.isNaN(lossPp) || lossPp > limits.maxAccuracyLossPp) {
      return { pass: false, reason: `${names.result} accuracy ${(measurement.result * 100).toFixed(2)}% is ${lossPp.toFixed(2)} pp below ${names.source} ${(measurement.source * 100).toFixed(2)}% (limit ${limits.maxAccuracyLossPp} pp)`, measured, limit: { maxAccuracyLossPp: limits.maxAccuracyLossPp } };
    }
  } else {
    measured = { agreement: round(measurement.result) };
    if (Number.isNaN(measurement.result) || measurement.result < limits.minAgreement) {
      return { pass: false, reason: `${names.result} outputs agree with ${names.source} on ${(measurement.result * 100).toFixed(2)}% of rows (minimum ${(limits.minAgreement * 100).toFixed(2)}%)`, measured, limit: { minAgreement: limits.minAgreement } };
    }
  }
  return measurement.primary ? primaryVerdict(measurement.primary, limits, measured, names) : { pass: true, measured };
}
