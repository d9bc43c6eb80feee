/**
 * Turning one CSV column of raw strings into a typed Column: missing-value tokens, strict number
 * parsing and the numeric-vs-categorical decision.
 */
import type { Column } from '../training/types';
import { DatasetError } from './dataset-error';

export type ColumnKind = Column['kind'];

/** Cells that mean "no value", compared trimmed and case-insensitively. */
export const DEFAULT_MISSING_TOKENS: readonly string[] = ['', 'na', 'nan', 'null'];

// A plain decimal or scientific literal. Stricter than Number(): '0x1f', '1_000', ' ' and
// 'Infinity' are not numbers here, so ids like '0x1f' stay categorical.
const NUMBER_PATTERN = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/;

/** The finite number a cell holds, or undefined when it is not a number. */
export function parseNumber(cell: string): number | undefined {
  const text = cell.trim();
  if (!NUMBER_PATTERN.test(text)) return undefined;
  const value = Number(text);
  return Number.isFinite(value) ? value : undefined;
}

export function makeMissingTest(tokens: readonly string[] = DEFAULT_MISSING_TOKENS): (cell: string) => boolean {
  const set = new Set(tokens.map((t) => t.trim().toLowerCase()));
  return (cell) => set.has(cell.trim().toLowerCase());
}

export interface BuildColumnInput {
  name: string;
  cells: readonly string[];
  isMissing: (cell: string) => boolean;
  /** Declared kind; undefined = infer (numeric when every non-missing cell is a finite number). */
  declared?: ColumnKind;
  /** Data row number (1-based, header not counted) of cells[0]; used in error messages. */
  firstRow?: number;
}

export function buildColumn(input: BuildColumnInput): Column {
  const { name, cells, isMissing, declared } = input;
  const firstRow = input.firstRow ?? 1;
  const kind = declared ?? inferKind(cells, isMissing);
  if (kind === 'categorical') {
    return { name, kind, values: cells.map((cell) => (isMissing(cell) ? null : cell)) };
  }
  const values = new Float64Array(cells.length);
  for (let i = 0; i < cells.length; i++) {
    const cell = cells[i] ?? '';
    if (isMissing(cell)) {
      values[i] = Number.NaN;
      continue;
    }
    const value = parseNumber(cell);
    if (value === undefined) {
      const row = firstRow + i;
      throw new DatasetError(
        'E_NOT_NUMERIC',
        `column "${name}" is declared numeric but row ${row} holds ${JSON.stringify(cell)}`,
        { column: name, row, value: cell },
      );
    }
    values[i] = value;
  }
  return { name, kind, values };
}

function inferKind(cells: readonly string[], isMissing: (cell: string) => boolean): ColumnKind {
  let sawNumber = false;
  for (const cell of cells) {
    if (isMissing(cell)) continue;
    if (parseNumber(cell) === undefined) return 'categorical';
    sawNumber = true;
  }
  // An all-missing column carries no numbers; categorical keeps it out of the numeric statistics.
  return sawNumber ? 'numeric' : 'categorical';
}
