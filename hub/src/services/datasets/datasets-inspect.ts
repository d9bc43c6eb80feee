/**
 * Parsing and exploring a stored CSV, as the dataset worker does it: typed columns plus the
 * exploration summary. A DatasetError travels back as data (code, message, details naming the
 * row or column), since errors crossing a worker boundary lose their class.
 */
import { createReadStream } from 'node:fs';
import { DatasetError, exploreTable, parseCsvStream, type ColumnKind, type DatasetErrorDetails, type TableSummary } from '../../core/datasets';
import type { Table } from '../../core/training';
import { MAX_DATASET_ROWS } from '../training/training-data';

export interface InspectInput {
  path: string;
  kinds?: Record<string, ColumnKind>;
  /** explore against this target column (class balance, associations) */
  target?: string;
  /** how to treat the target; default: categorical for a numeric column of at most 50 distinct integers, else its kind */
  targetKind?: ColumnKind;
}

/** Class ids stored as numbers (0/1 labels, digits) read as classes unless told otherwise. */
const MAX_CLASS_IDS = 50;

function guessTargetKind(table: Table, name: string): ColumnKind | undefined {
  const column = table.columns.find((c) => c.name === name);
  if (column?.kind !== 'numeric') return undefined;
  const distinct = new Set<number>();
  for (const v of column.values) {
    if (Number.isNaN(v)) continue;
    if (!Number.isInteger(v)) return 'numeric';
    distinct.add(v);
    if (distinct.size > MAX_CLASS_IDS) return 'numeric';
  }
  return 'categorical';
}

export type InspectResult =
  | { ok: true; rows: number; columns: Array<{ name: string; kind: ColumnKind }>; summary: TableSummary }
  | { ok: false; error: { code: DatasetError['code']; message: string; details: DatasetErrorDetails } };

export async function inspectDataset(input: InspectInput): Promise<InspectResult> {
  try {
    // Streamed: memory holds the table being built, never the file (core/datasets/csv-limits.ts).
    const table = await parseCsvStream(() => createReadStream(input.path, { highWaterMark: 256 * 1024 }), { ...(input.kinds === undefined ? {} : { kinds: input.kinds }), maxRows: MAX_DATASET_ROWS });
    const targetKind = input.target === undefined ? undefined : (input.targetKind ?? guessTargetKind(table, input.target));
    const summary = exploreTable(table, input.target === undefined ? {} : { target: input.target, ...(targetKind === undefined ? {} : { targetKind }) });
    return { ok: true, rows: table.rows, columns: table.columns.map((c) => ({ name: c.name, kind: c.kind })), summary };
  } catch (error) {
    if (error instanceof DatasetError) return { ok: false, error: { code: error.code, message: error.message, details: error.details } };
    throw error;
  }
}
