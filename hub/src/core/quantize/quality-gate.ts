/**
 * The quality gate of a quantized version (pure): labelled data compares accuracy (in percentage
 * points), unlabelled data compares the int8 outputs with the fp32 ones. A version that fails is
 * never stored; the verdict carries the numbers for the refusal's `details`.
 */

export interface GateLimits {
  /** largest accuracy loss allowed, in percentage points (labelled data) */
  maxAccuracyLossPp: number;
  /** smallest output agreement allowed, in [0, 1] (unlabelled data) */
  minAgreement: number;
}

export type GateMeasurement =
  | { kind: 'accuracy'; source: number; result: number }
  | { kind: 'agreement'; result: number };

export type GateVerdict =
  | { pass: true; measured: Record<string, number> }
  | { pass: false; reason: string; measured: Record<string, number>; limit: Record<string, number> };

const round = (value: number, digits = 4): number => Number(value.toFixed(digits));

export function qualityGate(measurement: GateMeasurement, limits: GateLimits): GateVerdict {
  if (measurement.kind === 'accuracy') {
    const lossPp = (measurement.source - measurement.result) * 100;
    const measured = { sourceAccuracy: round(measurement.source), resultAccuracy: round(measurement.result), accuracyLossPp: round(lossPp, 3) };
    if (Number.isNaN(lossPp) || lossPp > limits.maxAccuracyLossPp) {
      return { pass: false, reason: `int8 accuracy ${(measurement.result * 100).toFixed(2)}% is ${lossPp.toFixed(2)} pp below fp32 ${(measurement.source * 100).toFixed(2)}% (limit ${limits.maxAccuracyLossPp} pp)`, measured, limit: { maxAccuracyLossPp: limits.maxAccuracyLossPp } };
    }
    return { pass: true, measured };
  }
  const measured = { agreement: round(measurement.result) };
  if (Number.isNaN(measurement.result) || measurement.result < limits.minAgreement) {
    return { pass: false, reason: `int8 outputs agree with fp32 on ${(measurement.result * 100).toFixed(2)}% of rows (minimum ${(limits.minAgreement * 100).toFixed(2)}%)`, measured, limit: { minAgreement: limits.minAgreement } };
  }
  return { pass: true, measured };
}
