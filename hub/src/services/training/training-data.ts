/**
 * The data side of a run, shared by the training worker and re-evaluation: the stored CSV parsed
 * with its stored column kinds, the seeded split of the rows that have a target, and raw feature
 * rows shaped as the exported model's inputs. Same spec + same bytes = same rows, every time.
 */
import { readFile } from 'node:fs/promises';
import { parseCsv, type ColumnKind } from '../../core/datasets';
import { createRandom, rowsWithTarget, splitRows, targetOf, type RowSplit, type Table, type Target } from '../../core/training';
import type { DatasetColumns, TrainingSpec } from './training-types';

/** Most data rows a dataset may have (header excluded): bigger files are refused at upload. */
export const MAX_DATASET_ROWS = 1_000_000;

export const kindsOf = (columns: DatasetColumns): Record<string, ColumnKind> => Object.fromEntries(columns.map((c) => [c.name, c.kind]));

/** The stored CSV, parsed with every column's stored kind declared (so inference cannot drift). */
export async function readTable(csvPath: string, columns: DatasetColumns): Promise<Table> {
  return parseCsv(new Uint8Array(await readFile(csvPath)), { kinds: kindsOf(columns), maxRows: MAX_DATASET_ROWS });
}

export interface PreparedSplit {
  target: Target;
  split: RowSplit;
}

/**
 * Rows with a target, split with `createRandom(seed)` (used for nothing else), stratified by class
 * for classification and by label for anomaly detection.
 */
export function prepareSplit(table: Table, spec: Pick<TrainingSpec, 'target' | 'task' | 'seed' | 'split'>): PreparedSplit {
  const target = targetOf(table, spec.target, spec.task);
  const rows = rowsWithTarget(target);
  const strata = target.task === 'regression' ? undefined : target.y;
  const random = createRandom(spec.seed);
  const split = strata === undefined ? splitRows(rows, random, { fractions: spec.split }) : splitRows(rows, random, { fractions: spec.split, strata });
  return { target, split };
}

/** Raw rows as the model's inputs take them: `numeric` [rows x Fn] (NaN = missing), `categorical` [rows x Fc] ('' = missing). */
export interface RawRows {
  rows: number;
  numericNames: string[];
  categoricalNames: string[];
  numeric: Float32Array;
  categorical: string[];
}

/** Feature columns in input order: numeric ones, then categorical ones, each in the order given (fitFeatures' order). */
export function rawRows(table: Table, features: readonly string[], rowIndices: ArrayLike<number>): RawRows {
  const columns = features.map((name) => {
    const column = table.columns.find((c) => c.name === name);
    if (column === undefined) throw new Error(`feature column "${name}" is not in the table`);
    return column;
  });
  const numericColumns = columns.filter((c) => c.kind === 'numeric');
  const categoricalColumns = columns.filter((c) => c.kind === 'categorical');
  const n = rowIndices.length;
  const numeric = new Float32Array(n * numericColumns.length);
  const categorical = new Array<string>(n * categoricalColumns.length);
  for (let i = 0; i < n; i++) {
    const row = rowIndices[i] as number;
    numericColumns.forEach((c, j) => {
      numeric[i * numericColumns.length + j] = c.values[row] as number;
    });
    categoricalColumns.forEach((c, j) => {
      categorical[i * categoricalColumns.length + j] = (c.values[row] as string | null) ?? '';
    });
  }
  return { rows: n, numericNames: numericColumns.map((c) => c.name), categoricalNames: categoricalColumns.map((c) => c.name), numeric, categorical };
}
