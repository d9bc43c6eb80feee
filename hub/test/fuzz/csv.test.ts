/**
 * Fuzzing the CSV parser (issue 16 items 3 and "Fuzzing"): whatever the bytes, parseCsv gives a
 * table that keeps every limit, or a DatasetError whose code is one of the family's and whose
 * details say where (row, column, offset, line or the limit); never another error, never a hang.
 * The streaming parser read in arbitrary chunks agrees with it (the same table, or the same
 * refusal, bar which of two problems it meets first), and a table written out
 * as CSV comes back with the same cells (the second pass for columns that turn categorical late).
 * Fixed seed and bounded runs (test/support/fuzz.ts).
 */
import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { DATASET_ERROR_CODES, DatasetError, type DatasetErrorCode } from '../../src/core/datasets/dataset-error';
import { CSV_LIMITS, type CsvLimits } from '../../src/core/datasets/csv-limits';
import { parseCsv, parseCsvStream, type ParseCsvOptions } from '../../src/core/datasets/parse-csv';
import type { Table } from '../../src/core/training/types';
import { fuzz, hostileBytes } from '../../../test/support/fuzz';

/** What each refusal must name: at least one of these details. */
const LOCATES: Record<DatasetErrorCode, readonly string[]> = {
  E_EMPTY: [],
  E_NO_ROWS: ['columns'],
  E_RAGGED: ['row'],
  E_EMPTY_COLUMN_NAME: ['index'],
  E_DUPLICATE_COLUMN: ['column'],
  E_TOO_MANY_COLUMNS: ['limit'],
  E_TOO_MANY_ROWS: ['limit'],
  E_TOO_MANY_CELLS: ['limit'],
  E_CELL_TOO_LONG: ['row', 'column', 'limit'],
  E_COLUMN_NAME_TOO_LONG: ['index', 'limit'],
  E_LINE_TOO_LONG: ['row', 'column', 'limit'],
  E_INVALID_UTF8: ['offset'],
  E_CSV_SYNTAX: ['line'],
  E_NOT_NUMERIC: ['row', 'column'],
  E_UNKNOWN_COLUMN: ['column'],
  E_COLUMN_KIND: ['column'],
};

type Outcome = { table: Table } | { error: DatasetError };

function outcome(run: () => Table): Outcome {
  try {
    return { table: run() };
  } catch (error) {
    if (error instanceof DatasetError) return { error };
    throw error; // anything but the family's error fails the property
  }
}

async function outcomeOf(run: () => Promise<Table>): Promise<Outcome> {
  try {
    return { table: await run() };
  } catch (error) {
    if (error instanceof DatasetError) return { error };
    throw error;
  }
}

/** A table or a refusal, checked against the limits it was parsed with. */
function expectWellFormed(result: Outcome, limits: CsvLimits): void {
  if ('error' in result) {
    const { code, details } = result.error;
    expect(DATASET_ERROR_CODES).toContain(code);
    const names = LOCATES[code];
    if (names.length > 0) expect(names.some((name) => details[name] !== undefined && details[name] !== null), `${code} names ${names.join(' or ')}: ${JSON.stringify(details)}`).toBe(true);
    return;
  }
  const { table } = result;
  expect(table.rows).toBeGreaterThan(0);
  expect(table.rows).toBeLessThanOrEqual(limits.maxRows);
  expect(table.columns.length).toBeGreaterThan(0);
  expect(table.columns.length).toBeLessThanOrEqual(limits.maxColumns);
  expect(table.rows * table.columns.length).toBeLessThanOrEqual(limits.maxCells);
  expect(new Set(table.columns.map((c) => c.name)).size).toBe(table.columns.length);
  for (const column of table.columns) {
    expect(column.name.length).toBeGreaterThan(0);
    expect(column.name.length).toBeLessThanOrEqual(limits.maxColumnNameChars);
    expect(column.values.length).toBe(table.rows);
    if (column.kind === 'categorical') for (const value of column.values) if (value !== null) expect(value.length).toBeLessThanOrEqual(limits.maxCellChars);
  }
}

/** Comparable form of an outcome: the cells, or the refusal's code and details. */
function summary(result: Outcome): unknown {
  if ('error' in result) return { code: result.error.code, details: result.error.details };
  return { rows: result.table.rows, columns: result.table.columns.map((c) => ({ name: c.name, kind: c.kind, values: Array.from(c.values as ArrayLike<unknown>, (v) => (typeof v === 'number' && Number.isNaN(v) ? 'NaN' : v)) })) };
}

/** Text made mostly of what a CSV tokenizer reacts to, so runs reach deep into its states. */
const csvish = (): fc.Arbitrary<Uint8Array> =>
  fc
    .array(fc.constantFrom(',', ',', '"', '\n', '\n', '\r\n', ' ', 'a', 'b', '1', '2.5', '-3e2', 'NA', 'é', '😀', '\uFEFF', ';', '""', 'x'.repeat(40)), { maxLength: 120 })
    .map((parts) => new TextEncoder().encode(parts.join('')));

const anyInput = (): fc.Arbitrary<Uint8Array> => fc.oneof(csvish(), hostileBytes());

/** Small limits, so runs cross each of them often. */
const smallLimits = (): fc.Arbitrary<CsvLimits> =>
  fc.record({
    maxRows: fc.integer({ min: 1, max: 6 }),
    maxColumns: fc.integer({ min: 1, max: 6 }),
    maxCells: fc.integer({ min: 1, max: 20 }),
    maxCellChars: fc.integer({ min: 1, max: 12 }),
    maxColumnNameChars: fc.integer({ min: 1, max: 8 }),
    maxLineChars: fc.integer({ min: 1, max: 60 }),
  });

/** `bytes` in chunks of the given sizes (cycled), as a file read would hand them over. */
async function* chunked(bytes: Uint8Array, sizes: readonly number[]): AsyncIterable<Uint8Array> {
  let i = 0;
  for (let offset = 0; offset < bytes.length; i++) {
    const size = sizes[i % sizes.length] as number;
    yield bytes.subarray(offset, offset + size);
    offset += size;
  }
}

const optionsFor = (limits: CsvLimits): ParseCsvOptions => ({ limits, maxRows: limits.maxRows, maxColumns: limits.maxColumns });

describe('fuzzing the CSV parser', () => {
  it('any bytes: a table within the default limits or a DatasetError naming where', async () => {
    await fuzz(fc.property(anyInput(), (bytes) => expectWellFormed(outcome(() => parseCsv(bytes)), CSV_LIMITS)), { numRuns: 400 });
  });

  it('any bytes under small limits: every limit holds, every refusal names the limit', async () => {
    await fuzz(fc.property(anyInput(), smallLimits(), (bytes, limits) => expectWellFormed(outcome(() => parseCsv(bytes, optionsFor(limits))), limits)), { numRuns: 400 });
  });

  it('streamed in arbitrary chunks, the parser agrees with itself on the whole input', async () => {
    await fuzz(
      fc.asyncProperty(anyInput(), fc.option(smallLimits(), { nil: undefined }), fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 6 }), async (bytes, limits, sizes) => {
        const options = limits === undefined ? {} : optionsFor(limits);
        const whole = outcome(() => parseCsv(bytes, options));
        const streamed = await outcomeOf(() => parseCsvStream(() => chunked(bytes, sizes), options));
        // The whole input is checked for UTF-8 before parsing; a stream meets its problems in file
        // order, so a malformed record before the bad byte may be the one it reports.
        if ('error' in whole && whole.error.code === 'E_INVALID_UTF8') expect('error' in streamed).toBe(true);
        else expect(summary(streamed)).toEqual(summary(whole));
      }),
      { numRuns: 300 },
    );
  });

  it('a table written as CSV comes back cell for cell, numbers that turn out to be labels included', async () => {
    const cell = fc.oneof(
      fc.constantFrom('', 'NA', '1', '007', '1.50', '-2', 'x', 'a b', 'a,b', 'say "hi"', 'é'),
      fc.double({ noNaN: true, noDefaultInfinity: true }).map(String),
      fc.string({ unit: 'grapheme', maxLength: 8 }),
    );
    const table = fc.integer({ min: 1, max: 4 }).chain((columns) => fc.tuple(fc.constant(columns), fc.array(fc.array(cell, { minLength: columns, maxLength: columns }), { minLength: 1, maxLength: 12 })));
    await fuzz(
      fc.property(table, ([columns, rows]) => {
        const quote = (text: string): string => `"${text.replaceAll('"', '""')}"`;
        const header = Array.from({ length: columns }, (_, c) => `c${c}`);
        const text = [header.join(','), ...rows.map((row) => row.map(quote).join(','))].join('\n');
        const result = outcome(() => parseCsv(text));
        // A row whose cells are all blank is a blank line only when there is one column; skip those.
        if ('error' in result) {
          expect(result.error.code).toBe('E_NO_ROWS');
          return;
        }
        for (let c = 0; c < columns; c++) {
          const column = result.table.columns[c];
          if (!column) throw new Error(`column ${c} missing`);
          const cells = rows.map((row) => row[c] as string);
          if (column.kind === 'categorical') {
            expect(column.values).toEqual(cells.map((v) => (['', 'na', 'nan', 'null'].includes(v.trim().toLowerCase()) ? null : v)));
          } else {
            expect(Array.from(column.values)).toEqual(cells.map((v) => (['', 'na', 'nan', 'null'].includes(v.trim().toLowerCase()) ? Number.NaN : Number(v.trim()))));
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
