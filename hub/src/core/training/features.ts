/**
 * Fitting the preprocessing every model carries in its ONNX graph (types.ts FeatureSpec) on the
 * training rows, and applying it to table rows through core/onnx/encode (the one definition the
 * graph computes). mean, sd and fill are rounded to float32 when fitted, so the graph's float32
 * constants are the very numbers used here.
 */
import { encodeFeatures } from '../onnx/encode';
import type { Column, FeatureSpec, Table } from './types';
import { countCategories } from '../datasets/explore-table';
import { DatasetError } from '../datasets/dataset-error';
import { findColumn } from '../datasets/find-column';

export interface FitFeaturesOptions {
  /** Most categories kept per categorical column (most frequent first). Default 32. */
  maxCategories?: number;
  /** Categories seen fewer times than this in the training rows are dropped. Default 1 (keep all). */
  minCategoryCount?: number;
}

export const FEATURE_DEFAULTS = { maxCategories: 32, minCategoryCount: 1 } as const;

/**
 * Training values of a feature span at most this many units after scaling. A nearly constant
 * feature with a rare outlier (MNIST's border pixels) would otherwise standardise to values in
 * the hundreds, which stretches int8 activation ranges and costs quantized models accuracy.
 */
export const MAX_SCALED_SPAN = 10;

/**
 * Fits on `trainRows` only. Standardisation uses the population sd, floored so the training range
 * spans at most MAX_SCALED_SPAN units; a constant (or empty) feature gets sd 1.
 */
export function fitFeatures(table: Table, featureColumns: readonly string[], trainRows: ArrayLike<number>, options: FitFeaturesOptions = {}): FeatureSpec {
  const maxCategories = options.maxCategories ?? FEATURE_DEFAULTS.maxCategories;
  const minCount = options.minCategoryCount ?? FEATURE_DEFAULTS.minCategoryCount;
  // In-range values never reach the clip (the span floor keeps them within it); only values far
  // outside anything seen in training do.
  const spec: FeatureSpec = { numeric: [], categorical: [], clip: MAX_SCALED_SPAN };
  for (const name of featureColumns) {
    const column = findColumn(table, name);
    if (column.kind === 'numeric') {
      let n = 0;
      let sum = 0;
      let min = Infinity;
      let max = -Infinity;
      for (let i = 0; i < trainRows.length; i++) {
        const v = column.values[trainRows[i] as number] as number;
        if (!Number.isNaN(v)) {
          n++;
          sum += v;
          min = Math.min(min, v);
          max = Math.max(max, v);
        }
      }
      const mean = n > 0 ? sum / n : 0;
      let ss = 0;
      for (let i = 0; i < trainRows.length; i++) {
        const v = column.values[trainRows[i] as number] as number;
        if (!Number.isNaN(v)) ss += (v - mean) * (v - mean);
      }
      const sd = n > 0 ? Math.max(Math.sqrt(ss / n), (max - min) / MAX_SCALED_SPAN) : 0;
      const mean32 = Math.fround(mean);
      const sd32 = Math.fround(sd);
      spec.numeric.push({ name, mean: mean32, sd: sd32 > 0 && Number.isFinite(sd32) ? sd32 : 1, fill: mean32 });
    } else {
      const values = Array.from(trainRows, (row) => column.values[row] ?? null);
      const categories = countCategories(values)
        .filter((c) => c.count >= minCount)
        .slice(0, maxCategories)
        .map((c) => c.value);
      spec.categorical.push({ name, categories });
    }
  }
  return spec;
}

/** The encoded design matrix, row-major [rowIndices.length x encodedWidth(spec)]. */
/**
 * The design matrix of `rowIndices`: raw values gathered by column name, then encoded by the one
 * definition of the preprocessing the exported graph computes (core/onnx/encode).
 */
export function encodeTable(spec: FeatureSpec, table: Table, rowIndices: ArrayLike<number>): Float32Array {
  const n = rowIndices.length;
  const fn = spec.numeric.length;
  const fc = spec.categorical.length;
  const numeric = new Float64Array(n * fn);
  spec.numeric.forEach((feature, j) => {
    const column = findColumn(table, feature.name);
    if (column.kind !== 'numeric') {
      throw new DatasetError('E_COLUMN_KIND', `feature "${feature.name}" is numeric but the column is categorical`, { column: feature.name });
    }
    for (let i = 0; i < n; i++) numeric[i * fn + j] = column.values[rowIndices[i] as number] as number;
  });
  const categorical = new Array<string | null>(n * fc).fill(null);
  spec.categorical.forEach((feature, j) => {
    const column = findColumn(table, feature.name);
    for (let i = 0; i < n; i++) categorical[i * fc + j] = categoryOf(column, rowIndices[i] as number);
  });
  return encodeFeatures(spec, numeric, categorical);
}

/** A categorical feature may sit in a column parsed as numeric (e.g. ids): its text is String(x). */
function categoryOf(column: Column, row: number): string | null {
  if (column.kind === 'categorical') return column.values[row] ?? null;
  const v = column.values[row] as number;
  return Number.isNaN(v) ? null : String(v);
}

export { targetOf, rowsWithTarget, type Target, type TargetOptions } from './target';
