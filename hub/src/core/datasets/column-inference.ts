/**
 * What a CSV cell means: missing-value tokens and strict number parsing (column-builder.ts
 * decides a column's kind from them, cell by cell).
 */
import type { Column } from '../training/types';

export type ColumnKind = Column['kind'];

/** Cells that mean "no value", compared trimmed and case-insensitively. */
export const DEFAULT_MISSING_TOKENS: readonly string[] = ['', 'na', 'nan', 'null'];

// A plain decimal or scientific literal. Stricter than Number(): '0x1f', '1_000', ' ' and
// 'Infinity' are not numbers here, so ids like '0x1f' stay categorical. Written so a failed
// match backtracks in linear time: `\d+\.?\d*` tried every split of a long digit run (a
// 4,096-digit cell followed by a letter took 61 ms, a file of them a quarter of an hour).
const NUMBER_PATTERN = /^[+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?$/;

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
