/**
 * Fitting and applying the preprocessing every model carries in its ONNX graph (types.ts
 * FeatureSpec). This is the reference implementation the exported graph is compared against, so
 * it follows types.ts to the letter:
 *  - numeric column j: x = NaN ? fill : x; out = (x - mean) / sd, computed in float64 from the
 *    spec's numbers, then stored as float32
 *  - categorical column: one-hot over `categories`; unseen and missing values -> all zeros
 *  - numeric features first (in spec order), then each categorical column's block
 * mean, sd and fill are rounded to float32 when fitted, so the graph's float32 constants are the
 * very numbers used here.
 */
import type { Column, FeatureSpec, Table } from './types';
import { encodedWidth } from './types';
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

/** Fits on `trainRows` only. Standardisation uses the population sd; sd 0 (or no values) -> 1. */
export function fitFeatures(table: Table, featureColumns: readonly string[], trainRows: ArrayLike<number>, options: FitFeaturesOptions = {}): FeatureSpec {
  const maxCategories = options.maxCategories ?? FEATURE_DEFAULTS.maxCategories;
  const minCount = options.minCategoryCount ?? FEATURE_DEFAULTS.minCategoryCount;
  const spec: FeatureSpec = { numeric: [], categorical: [] };
  for (const name of featureColumns) {
    const column = findColumn(table, name);
    if (column.kind === 'numeric') {
      let n = 0;
      let sum = 0;
      for (let i = 0; i < trainRows.length; i++) {
        const v = column.values[trainRows[i] as number] as number;
        if (!Number.isNaN(v)) {
          n++;
          sum += v;
        }
      }
      const mean = n > 0 ? sum / n : 0;
      let ss = 0;
      for (let i = 0; i < trainRows.length; i++) {
        const v = column.values[trainRows[i] as number] as number;
        if (!Number.isNaN(v)) ss += (v - mean) * (v - mean);
      }
      const sd = n > 0 ? Math.sqrt(ss / n) : 0;
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
export function encodeTable(spec: FeatureSpec, table: Table, rowIndices: ArrayLike<number>): Float32Array {
  const width = encodedWidth(spec);
  const n = rowIndices.length;
  const out = new Float32Array(n * width);
  spec.numeric.forEach((feature, j) => {
    const column = findColumn(table, feature.name);
    if (column.kind !== 'numeric') {
      throw new DatasetError('E_COLUMN_KIND', `feature "${feature.name}" is numeric but the column is categorical`, { column: feature.name });
    }
    for (let i = 0; i < n; i++) {
      const raw = column.values[rowIndices[i] as number] as number;
      const x = Number.isNaN(raw) ? feature.fill : raw;
      out[i * width + j] = (x - feature.mean) / feature.sd;
    }
  });
  let offset = spec.numeric.length;
  for (const feature of spec.categorical) {
    const column = findColumn(table, feature.name);
    const index = new Map(feature.categories.map((c, k) => [c, k]));
    for (let i = 0; i < n; i++) {
      const value = categoryOf(column, rowIndices[i] as number);
      const k = value === null ? undefined : index.get(value);
      if (k !== undefined) out[i * width + offset + k] = 1;
    }
    offset += feature.categories.length;
  }
  return out;
}

/** A categorical feature may sit in a column parsed as numeric (e.g. ids): its text is String(x). */
function categoryOf(column: Column, row: number): string | null {
  if (column.kind === 'categorical') return column.values[row] ?? null;
  const v = column.values[row] as number;
  return Number.isNaN(v) ? null : String(v);
}

export { targetOf, rowsWithTarget, type Target, type TargetOptions } from './target';
