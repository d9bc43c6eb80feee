/**
 * The target column as training sees it: class indices for classification, float values for
 * regression, 0/1 labels for anomaly detection. Rows with a missing target are marked (-1 or
 * NaN) rather than dropped, so indices stay table row numbers; `rowsWithTarget` lists the usable ones.
 */
import type { Column, Table, Task } from './types';
import { findColumn } from '../datasets/find-column';
import { DatasetError } from '../datasets/dataset-error';

export type Target =
  /** y[row] = index into `classes`, -1 = missing */
  | { task: 'classification'; classes: string[]; y: Int32Array }
  /** y[row] = value, NaN = missing */
  | { task: 'regression'; y: Float32Array }
  /** y[row] = 1 anomaly, 0 normal, -1 missing */
  | { task: 'anomaly'; y: Int32Array };

export interface TargetOptions {
  /** Anomaly task, categorical label column: the value that marks an anomaly. Default: one of
   * '1', 'true', 'yes', 'anomaly', 'anomalous', 'abnormal', 'outlier' (case-insensitive). For a
   * numeric label column any non-zero value is an anomaly. */
  anomalyLabel?: string;
}

const ANOMALY_WORDS = new Set(['1', 'true', 'yes', 'anomaly', 'anomalous', 'abnormal', 'outlier']);

/**
 * Classes are sorted: numerically when the column is numeric (so '10' follows '9'; names are
 * String(value)), else by code units. Class index = position in the sorted list.
 */
export function targetOf(table: Table, target: string, task: Task, options: TargetOptions = {}): Target {
  const column = findColumn(table, target);
  if (task === 'classification') return classification(column);
  if (task === 'regression') {
    if (column.kind !== 'numeric') throw new DatasetError('E_COLUMN_KIND', `regression target "${target}" must be numeric`, { column: target });
    return { task, y: Float32Array.from(column.values) };
  }
  const y = new Int32Array(table.rows);
  const word = options.anomalyLabel?.toLowerCase();
  for (let r = 0; r < table.rows; r++) {
    if (column.kind === 'numeric') {
      const v = column.values[r] as number;
      y[r] = Number.isNaN(v) ? -1 : v !== 0 ? 1 : 0;
    } else {
      const v = column.values[r];
      y[r] = v === null || v === undefined ? -1 : (word === undefined ? ANOMALY_WORDS.has(v.toLowerCase()) : v.toLowerCase() === word) ? 1 : 0;
    }
  }
  return { task, y };
}

function classification(column: Column): Target {
  const y = new Int32Array(column.values.length).fill(-1);
  if (column.kind === 'numeric') {
    const distinct = [...new Set(Array.from(column.values).filter((v) => !Number.isNaN(v)))].sort((a, b) => a - b);
    const index = new Map(distinct.map((v, k) => [v, k]));
    column.values.forEach((v, r) => {
      y[r] = index.get(v) ?? -1;
    });
    return { task: 'classification', classes: distinct.map(String), y };
  }
  const distinct = [...new Set(column.values.filter((v): v is string => v !== null))].sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
  const index = new Map(distinct.map((v, k) => [v, k]));
  column.values.forEach((v, r) => {
    y[r] = v === null ? -1 : (index.get(v) ?? -1);
  });
  return { task: 'classification', classes: distinct, y };
}

/** Table rows whose target is present, ascending. */
export function rowsWithTarget(target: Target): number[] {
  const rows: number[] = [];
  for (let r = 0; r < target.y.length; r++) {
    const v = target.y[r] as number;
    if (target.task === 'regression' ? !Number.isNaN(v) : v >= 0) rows.push(r);
  }
  return rows;
}
