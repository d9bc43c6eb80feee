/**
 * The arithmetic shared by the JS encoder and the exported graph, so they agree bit for bit:
 * every constant is rounded to float32 once, here, and both sides compute
 * `(filled - mean) / sd` in float32 with one Sub and one Div (a Mul by 1/sd would round twice).
 */
import { validation } from '../errors';
import type { FeatureSpec } from '../training/types';

export interface NumericConstants {
  fill: Float32Array;
  mean: Float32Array;
  /** sd as used: a zero, negative or non-finite sd becomes 1 (a constant column stays 0 after centring) */
  sd: Float32Array;
}

export const usableSd = (sd: number): number => (Number.isFinite(sd) && sd > 0 ? sd : 1);

export function numericConstants(features: FeatureSpec): NumericConstants {
  for (const f of features.numeric) {
    if (!Number.isFinite(f.mean) || !Number.isFinite(f.fill)) throw validation(`feature ${f.name}: mean and fill must be finite`);
  }
  return {
    fill: Float32Array.from(features.numeric, (f) => f.fill),
    mean: Float32Array.from(features.numeric, (f) => f.mean),
    sd: Float32Array.from(features.numeric, (f) => usableSd(f.sd)),
  };
}

/**
 * Checks the categorical part of a spec. Devices feed a missing category as '' (an ONNX string
 * tensor has no null), so '' cannot also be a category; duplicates would set two bits.
 */
export function checkCategories(features: FeatureSpec): void {
  for (const c of features.categorical) {
    if (c.categories.includes('')) throw validation(`feature ${c.name}: '' cannot be a category (it means missing)`);
    if (new Set(c.categories).size !== c.categories.length) throw validation(`feature ${c.name}: duplicate categories`);
  }
}
