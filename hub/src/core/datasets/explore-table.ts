/**
 * A JSON-ready summary of a table for people deciding what to train: per-column counts and
 * distributions, columns that look like ids (with the reason; training leaves them out by
 * default), the target's class balance, and each column's association with the target.
 * Every number is finite or null (JSON has no NaN), so the output passes a zod schema as it is.
 */
import { countIntoBins } from '@edgefleet/protocol';
import type { Column, Table } from '../training/types';
import { correlationRatio, cramersV, pearson, type AssociationMeasure } from './association';
import { DatasetError } from './dataset-error';
import { idLikeFlag, type IdLikeFlag } from './id-like';
import { equalWidthEdges, finiteOrNull, mean, presentValues, quantileSorted, standardDeviation } from './stats';

export interface ExploreOptions {
  /** Target column name; enables class balance and association. Default: none. */
  target?: string;
  /** How to treat the target: a numeric column of class ids is 'categorical'. Default: its kind. */
  targetKind?: Column['kind'];
  /** Equal-width histogram bins per numeric column. Default 20. */
  histogramBins?: number;
  /** Most categories listed per categorical column (the rest are summed in `otherCount`). Default 20. */
  topCategories?: number;
}

/**
 * Longest category text a summary keeps: a cell may hold 4,096 characters, and a summary of
 * 1,000 columns with 20 categories each is stored with the dataset. Longer ones end in `…`.
 */
const MAX_SUMMARY_TEXT = 200;

const summaryText = (value: string): string => (value.length > MAX_SUMMARY_TEXT ? `${value.slice(0, MAX_SUMMARY_TEXT - 1)}…` : value);

export const QUANTILES = { p01: 0.01, p05: 0.05, p25: 0.25, p50: 0.5, p75: 0.75, p95: 0.95, p99: 0.99 } as const;
export type QuantileName = keyof typeof QUANTILES;

export interface Association {
  measure: AssociationMeasure;
  value: number | null;
}

export interface NumericSummary {
  name: string;
  kind: 'numeric';
  /** present (non-missing) values */
  count: number;
  missing: number;
  mean: number | null;
  /** sample standard deviation (n - 1) */
  sd: number | null;
  min: number | null;
  max: number | null;
  quantiles: Record<QuantileName, number | null>;
  /** bins [edges[i], edges[i+1]), the last closed (the protocol's countIntoBins convention) */
  histogram: { edges: number[]; counts: number[] };
  association?: Association;
  /** present when the column looks like an id, a counter or a text date (id-like.ts) */
  idLike?: IdLikeFlag;
}

export interface CategorySummary {
  value: string;
  count: number;
}

export interface CategoricalSummary {
  name: string;
  kind: 'categorical';
  count: number;
  missing: number;
  distinct: number;
  /** most frequent first, ties by value */
  top: CategorySummary[];
  /** present values not listed in `top` */
  otherCount: number;
  association?: Association;
  /** present when the column looks like an id, a counter or a text date (id-like.ts) */
  idLike?: IdLikeFlag;
}

export type ColumnSummary = NumericSummary | CategoricalSummary;

export interface TargetSummary {
  name: string;
  kind: Column['kind'];
  /** categorical targets: every class with its count and fraction of present rows, most frequent first */
  classBalance?: Array<{ value: string; count: number; fraction: number }>;
  missing: number;
}

export interface TableSummary {
  rows: number;
  columns: ColumnSummary[];
  target?: TargetSummary;
}

export function exploreTable(table: Table, options: ExploreOptions = {}): TableSummary {
  const bins = options.histogramBins ?? 20;
  const top = options.topCategories ?? 20;
  const target = options.target === undefined ? undefined : resolveTarget(table, options.target, options.targetKind);
  const columns = table.columns.map((column): ColumnSummary => {
    const summary: ColumnSummary = column.kind === 'numeric' ? summarizeNumeric(column.name, column.values, bins) : summarizeCategorical(column.name, column.values, top);
    if (target !== undefined && column.name === target.name) return summary;
    const idLike = idLikeFlag(column);
    if (idLike !== null) summary.idLike = idLike;
    if (target !== undefined) summary.association = associate(column, target);
    return summary;
  });
  return target === undefined ? { rows: table.rows, columns } : { rows: table.rows, columns, target: summarizeTarget(target) };
}

type ResolvedTarget = { name: string; kind: 'numeric'; values: Float64Array } | { name: string; kind: 'categorical'; values: Array<string | null> };

function resolveTarget(table: Table, name: string, kind: Column['kind'] | undefined): ResolvedTarget {
  const column = table.columns.find((c) => c.name === name);
  if (column === undefined) throw new DatasetError('E_UNKNOWN_COLUMN', `target column "${name}" is not in the table`, { column: name });
  if (kind === undefined || kind === column.kind) return column;
  if (kind === 'categorical' && column.kind === 'numeric') {
    return { name, kind, values: Array.from(column.values, (v) => (Number.isNaN(v) ? null : String(v))) };
  }
  throw new DatasetError('E_COLUMN_KIND', `target column "${name}" is categorical and cannot be treated as numeric`, { column: name });
}

function associate(column: Column, target: ResolvedTarget): Association {
  const value =
    column.kind === 'numeric'
      ? target.kind === 'numeric'
        ? pearson(column.values, target.values)
        : correlationRatio(target.values, column.values)
      : target.kind === 'numeric'
        ? correlationRatio(column.values, target.values)
        : cramersV(column.values, target.values);
  const measure: AssociationMeasure = column.kind === target.kind ? (column.kind === 'numeric' ? 'pearson' : 'cramersV') : 'correlationRatio';
  return { measure, value: finiteOrNull(value) };
}

function summarizeNumeric(name: string, values: Float64Array, bins: number): NumericSummary {
  const present = presentValues(values).sort();
  const n = present.length;
  const m = mean(present);
  const min = n > 0 ? (present[0] as number) : Number.NaN;
  const max = n > 0 ? (present[n - 1] as number) : Number.NaN;
  const quantiles = Object.fromEntries(Object.entries(QUANTILES).map(([key, q]) => [key, finiteOrNull(quantileSorted(present, q))])) as Record<QuantileName, number | null>;
  const edges = n > 0 ? equalWidthEdges(min, max, bins) : [];
  const histogram = n > 0 ? { edges, counts: countIntoBins(edges, present).counts } : { edges: [], counts: [] };
  return {
    name,
    kind: 'numeric',
    count: n,
    missing: values.length - n,
    mean: finiteOrNull(m),
    sd: finiteOrNull(standardDeviation(present, 1, m)),
    min: finiteOrNull(min),
    max: finiteOrNull(max),
    quantiles,
    histogram,
  };
}

/** Counts per category, most frequent first, ties broken by value (code-unit order). */
export function countCategories(values: ArrayLike<string | null>): CategorySummary[] {
  const counts = new Map<string, number>();
  for (let i = 0; i < values.length; i++) {
    const v = values[i];
    if (v !== null && v !== undefined) counts.set(v, (counts.get(v) ?? 0) + 1);
  }
  return [...counts].map(([value, count]) => ({ value, count })).sort((a, b) => b.count - a.count || (a.value < b.value ? -1 : a.value > b.value ? 1 : 0));
}

function summarizeCategorical(name: string, values: Array<string | null>, top: number): CategoricalSummary {
  const counts = countCategories(values);
  const count = counts.reduce((s, c) => s + c.count, 0);
  const listed = counts.slice(0, top).map((c) => ({ value: summaryText(c.value), count: c.count }));
  return {
    name,
    kind: 'categorical',
    count,
    missing: values.length - count,
    distinct: counts.length,
    top: listed,
    otherCount: count - listed.reduce((s, c) => s + c.count, 0),
  };
}

function summarizeTarget(target: ResolvedTarget): TargetSummary {
  if (target.kind === 'numeric') {
    return { name: target.name, kind: 'numeric', missing: target.values.length - presentValues(target.values).length };
  }
  const counts = countCategories(target.values);
  const present = counts.reduce((s, c) => s + c.count, 0);
  return {
    name: target.name,
    kind: 'categorical',
    missing: target.values.length - present,
    classBalance: counts.map((c) => ({ value: summaryText(c.value), count: c.count, fraction: c.count / present })),
  };
}
