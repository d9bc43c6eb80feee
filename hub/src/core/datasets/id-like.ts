/**
 * Columns that look like identifiers rather than measurements: a model fed one memorises rows
 * (one-hot of unique values), learns the file's order (row counters, timestamps) or sees a date
 * as thousands of unrelated categories, and does worse on new rows than without it (on Seattle
 * weather, a text `date` column took an MLP's macro-F1 from 0.41 to 0.34). Exploration flags
 * them with the reason; training leaves them out unless the request names them.
 *
 * Rules, checked in this order on the present (non-missing) values, only with at least
 * ID_LIKE_MIN_ROWS of them (fewer rows are no evidence):
 *  - `date-text`: a categorical column whose values (at least 95%) are dates or timestamps
 *    written as text (2012-01-31, 2012/01/31, 31/01/2012, 01-31-12, with an optional time)
 *  - `unique-per-row`: a categorical column with a distinct value in at least 95% of rows, or a
 *    numeric column of distinct integers packed into a range at most twice the row count
 *    (shuffled row numbers)
 *  - `monotone-counter`: a numeric column of integers that rises (or falls) between at least 95%
 *    of consecutive rows in file order: row numbers, sequence counters (even restarting per
 *    device), integer timestamps
 */
import type { Column } from '../training/types';

export type IdLikeReason = 'date-text' | 'unique-per-row' | 'monotone-counter';

export interface IdLikeFlag {
  reason: IdLikeReason;
  /** the evidence, for a person: "1461 distinct values in 1461 rows" */
  detail: string;
}

export const ID_LIKE_MIN_ROWS = 20;
/** Share of rows (or of consecutive pairs) a rule needs: a few stray values do not hide an id. */
export const ID_LIKE_SHARE = 0.95;

const TIME = String.raw`(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:\s?(?:Z|[+-]\d{2}:?\d{2}|[AaPp][Mm]))?)?`;
const DATE_PATTERNS: readonly RegExp[] = [
  new RegExp(String.raw`^\d{4}[-/.]\d{1,2}[-/.]\d{1,2}${TIME}$`), // 2012-01-31, 2012/1/31 12:00
  new RegExp(String.raw`^\d{1,2}[-/.]\d{1,2}[-/.](?:\d{4}|\d{2})${TIME}$`), // 31/01/2012, 01-31-12
];

export const looksLikeDate = (value: string): boolean => {
  const text = value.trim();
  return DATE_PATTERNS.some((pattern) => pattern.test(text));
};

/** An example value in a detail a person reads: cells may be 4,096 characters long. */
const example = (value: string): string => (value.length > 40 ? `${value.slice(0, 39)}…` : value);

export function idLikeFlag(column: Column): IdLikeFlag | null {
  return column.kind === 'categorical' ? categoricalFlag(column.values) : numericFlag(column.values);
}

function categoricalFlag(values: ReadonlyArray<string | null>): IdLikeFlag | null {
  const present = values.filter((v): v is string => v !== null);
  const n = present.length;
  if (n < ID_LIKE_MIN_ROWS) return null;
  const dates = present.reduce((count, v) => count + (looksLikeDate(v) ? 1 : 0), 0);
  if (dates >= ID_LIKE_SHARE * n) return { reason: 'date-text', detail: `${dates} of ${n} values are dates written as text (e.g. ${JSON.stringify(example(present[0] ?? ''))})` };
  const distinct = new Set(present).size;
  if (distinct >= ID_LIKE_SHARE * n) return { reason: 'unique-per-row', detail: `${distinct} distinct values in ${n} rows` };
  return null;
}

function numericFlag(values: Float64Array): IdLikeFlag | null {
  const present: number[] = [];
  for (const v of values) {
    if (Number.isNaN(v)) continue;
    if (!Number.isInteger(v)) return null; // measurements, not counters or ids
    present.push(v);
  }
  const n = present.length;
  if (n < ID_LIKE_MIN_ROWS) return null;
  let ups = 0;
  let downs = 0;
  for (let i = 1; i < n; i++) {
    const step = (present[i] as number) - (present[i - 1] as number);
    if (step > 0) ups++;
    else if (step < 0) downs++;
  }
  const pairs = n - 1;
  if (Math.max(ups, downs) >= ID_LIKE_SHARE * pairs) {
    return { reason: 'monotone-counter', detail: `${ups >= downs ? 'rises' : 'falls'} between ${Math.max(ups, downs)} of ${pairs} consecutive rows` };
  }
  const distinct = new Set(present).size;
  let min = Infinity;
  let max = -Infinity;
  for (const v of present) {
    if (v < min) min = v;
    if (v > max) max = v;
  }
  if (distinct === n && max - min + 1 <= 2 * n) return { reason: 'unique-per-row', detail: `${n} distinct integers in ${min}..${max}` };
  return null;
}
