/**
 * The one JS definition of a model's preprocessing (types.ts FeatureSpec): trainers encode their
 * data with it, and the export parity check compares the ONNX graph against it. The graph built by
 * export-preprocess.ts computes exactly this, in float32.
 */
import { validation } from '../errors';
import { encodedWidth, type FeatureSpec } from '../training/types';
import { checkCategories, numericConstants } from './feature-spec';

/**
 * Encodes raw rows into the design matrix, row-major [rows x encodedWidth(features)]:
 *  - `numeric`: row-major [rows x features.numeric.length]; NaN is missing. Values are rounded to
 *    float32 first, as a device feeding the float32 `numeric` input would.
 *  - `categorical`: row-major [rows x features.categorical.length]; null or '' is missing, and
 *    missing or unseen values encode as all zeros.
 * The row count comes from whichever side has columns.
 */
export function encodeFeatures(features: FeatureSpec, numeric: ArrayLike<number>, categorical: ReadonlyArray<string | null> = []): Float32Array {
  const fn = features.numeric.length;
  const fc = features.categorical.length;
  if (fn === 0 && fc === 0) throw validation('feature spec has no features');
  const rows = fn > 0 ? numeric.length / fn : categorical.length / fc;
  if (!Number.isInteger(rows) || (fn > 0 && numeric.length !== rows * fn) || (fc > 0 && categorical.length !== rows * fc)) {
    throw validation(`encodeFeatures: ${numeric.length} numeric and ${categorical.length} categorical values do not make whole rows`);
  }
  checkCategories(features);
  const { fill, mean, sd } = numericConstants(features);
  const clip = features.clip === undefined ? undefined : Math.fround(features.clip);
  const lookups = features.categorical.map((c) => new Map(c.categories.map((cat, i) => [cat, i])));
  const width = encodedWidth(features);
  const out = new Float32Array(rows * width);
  for (let r = 0; r < rows; r++) {
    const base = r * width;
    for (let j = 0; j < fn; j++) {
      const x = Math.fround(numeric[r * fn + j] ?? Number.NaN);
      const filled = Number.isNaN(x) ? (fill[j] ?? 0) : x;
      // Two float32 roundings, matching the graph's Sub then Div (then Clip).
      const scaled = Math.fround(Math.fround(filled - (mean[j] ?? 0)) / (sd[j] ?? 1));
      out[base + j] = clip === undefined ? scaled : Math.min(Math.max(scaled, -clip), clip);
    }
    let offset = base + fn;
    for (let j = 0; j < fc; j++) {
      const value = categorical[r * fc + j];
      const index = value === null || value === undefined ? undefined : lookups[j]?.get(value);
      if (index !== undefined) out[offset + index] = 1;
      offset += features.categorical[j]?.categories.length ?? 0;
    }
  }
  return out;
}
