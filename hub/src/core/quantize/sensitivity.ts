/**
 * Which activations static int8 should leave float when it misses the quality gate (pure). A
 * candidate is measured by quantizing everything but it: the primary output's remaining error
 * says how much keeping it float saves (services/quantize/quantize-fallback.ts measures on the
 * calibration inputs, never on the rows the gate judges). On PaddleOCR's MobileNetV3 classifier
 * the three stem activations (the image, the stem Conv's output, the first hard-swish) saved
 * most: keeping them float took agreement on printed text lines from 0.977 to 0.994, and the
 * int8 file got faster, not slower.
 */
import type { RunOutputs } from './output-agreement';

export interface Sensitivity {
  tensor: string;
  /** normalised error of the primary output with this activation float (lower = it mattered more) */
  error: number;
}

/**
 * sqrt(mean (candidate - reference)^2) / standard deviation of the reference, over every run's
 * `primary` output: 0 is exact, 1 is as far off as predicting the mean. NaN anywhere gives NaN.
 */
export function normalisedError(reference: readonly RunOutputs[], candidate: readonly RunOutputs[], primary: string): number {
  let count = 0;
  let sum = 0;
  let sumSquares = 0;
  let squaredError = 0;
  reference.forEach((run, index) => {
    const want = run[primary]?.data;
    const have = candidate[index]?.[primary]?.data;
    if (!want || !have || want.length !== have.length) throw new Error(`normalisedError: output ${primary} of run ${index} is missing or has another size`);
    for (let i = 0; i < want.length; i++) {
      const value = want[i] ?? Number.NaN;
      count++;
      sum += value;
      sumSquares += value * value;
      squaredError += ((have[i] ?? Number.NaN) - value) ** 2;
    }
  });
  if (count === 0) return Number.NaN;
  const variance = Math.max(sumSquares / count - (sum / count) ** 2, 0);
  return Math.sqrt(squaredError / count) / Math.max(Math.sqrt(variance), 1e-12);
}

/** Most helpful first: the smallest remaining error when kept float; unmeasurable (NaN) last. */
export function rankBySensitivity(measured: readonly Sensitivity[]): Sensitivity[] {
  const key = (entry: Sensitivity): number => (Number.isNaN(entry.error) ? Number.POSITIVE_INFINITY : entry.error);
  return [...measured].sort((a, b) => key(a) - key(b) || a.tensor.localeCompare(b.tensor));
}

/**
 * How many of the ranked activations each retry keeps float: 1, 2, 4, ... up to `maxShare` of
 * them (at least 1). Doubling keeps the retries few (each one quantizes and measures the model
 * again) while the first steps stay as small as possible.
 */
export function fallbackSteps(candidates: number, maxShare = 0.25): number[] {
  if (candidates <= 0) return [];
  const cap = Math.max(1, Math.floor(candidates * maxShare));
  const steps: number[] = [];
  for (let size = 1; size < cap; size *= 2) steps.push(size);
  steps.push(cap);
  return steps;
}
