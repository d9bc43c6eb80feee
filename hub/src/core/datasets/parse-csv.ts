/**
 * CSV text or bytes -> a typed columnar Table. The header row is required; every column is typed
 * numeric or categorical (inferred, or declared by the caller); every failure is a DatasetError
 * naming what is wrong and where.
 *
 * csv-parse tokenizes; records go one by one into a TableBuilder (never an array of every
 * record), and every limit of csv-limits.ts is checked as they come: the tokenizer itself bounds
 * a record's characters (`max_record_size`) and stops splitting fields past the column limit
 * (`ignore_last_delimiters`), so no record, not even a line of 60 MB of commas, grows past 1 MiB.
 * `parseCsvStream` reads chunks (a file being read) and keeps only the table; `parseCsv` takes
 * what is already in memory.
 */
import { pipeline } from 'node:stream/promises';
import { Parser, type Options } from 'csv-parse';
import { CsvError, parse } from 'csv-parse/sync';
import type { Table } from '../training/types';
import type { ColumnKind } from './column-inference';
import { CSV_LIMITS, type CsvLimits } from './csv-limits';
import { DatasetError } from './dataset-error';
import { TableBuilder } from './table-builder';
import { checkUtf8, Utf8Stream } from './utf8-check';

export interface ParseCsvOptions {
  /** Declared column kinds; undeclared columns are inferred. Default: none. */
  kinds?: Readonly<Record<string, ColumnKind>>;
  /** Field delimiter, one character. Default ','. */
  delimiter?: string;
  /** Cells meaning "missing", trimmed and case-insensitive. Default '', 'NA', 'NaN', 'null'. */
  missingTokens?: readonly string[];
  /** Most columns accepted. Default 1,000. */
  maxColumns?: number;
  /** Most data rows accepted (header not counted). Default 1,000,000. */
  maxRows?: number;
  /** The other bounds (cells, cell, column name and record lengths); default CSV_LIMITS. */
  limits?: Partial<CsvLimits>;
}

export const CSV_DEFAULTS = { delimiter: ',', maxColumns: CSV_LIMITS.maxColumns, maxRows: CSV_LIMITS.maxRows } as const;

/** Where the bytes come from; called again when a second pass is needed. */
export type CsvSource = () => AsyncIterable<Uint8Array>;

interface Plan {
  builder: TableBuilder;
  limits: CsvLimits;
  delimiter: string;
}

function plan(options: ParseCsvOptions): Plan {
  const limits: CsvLimits = { ...CSV_LIMITS, ...options.limits };
  if (options.maxColumns !== undefined) limits.maxColumns = options.maxColumns;
  if (options.maxRows !== undefined) limits.maxRows = options.maxRows;
  const delimiter = options.delimiter ?? CSV_DEFAULTS.delimiter;
  return { limits, delimiter, builder: new TableBuilder({ kinds: options.kinds ?? {}, missingTokens: options.missingTokens, delimiter, limits }) };
}

/** The tokenizer's options; `onRecord` sees every record, the header first. */
function tokenizerOptions(p: Plan, onRecord: (record: string[]) => void): Options {
  return {
    bom: true,
    delimiter: p.delimiter,
    relax_column_count: true, // ragged rows are reported by the builder, with row numbers
    skip_empty_lines: true,
    trim: true,
    max_record_size: p.limits.maxLineChars,
    ignore_last_delimiters: p.limits.maxColumns + 1,
    on_record: (record: string[]) => {
      onRecord(record);
      return null; // kept by the builder, not collected by csv-parse
    },
  };
}

/** csv-parse's own errors as DatasetErrors naming the row and column; ours pass through. */
function datasetErrorOf(error: unknown, p: Plan): unknown {
  if (!(error instanceof CsvError)) return error;
  const line = typeof error['lines'] === 'number' ? error['lines'] : null;
  if (error.code === 'CSV_MAX_RECORD_SIZE') {
    const index = typeof error['index'] === 'number' ? error['index'] : 0;
    const { builder, limits } = p;
    // Past the last column the line is one field that swallows the rest: too many columns, really.
    if (!builder.headerSeen && index >= limits.maxColumns) {
      return new DatasetError('E_TOO_MANY_COLUMNS', `the header has more than ${limits.maxColumns} columns, the limit is ${limits.maxColumns}`, { columns: `more than ${limits.maxColumns}`, limit: limits.maxColumns }, { cause: error });
    }
    const row = builder.headerSeen ? builder.rows + 1 : 0;
    if (builder.headerSeen && index >= builder.columnCount) {
      return new DatasetError('E_RAGGED', `row ${row} has more than ${builder.columnCount} fields, the header has ${builder.columnCount}`, { row, fields: `more than ${builder.columnCount}`, expected: builder.columnCount }, { cause: error });
    }
    const column = builder.columnName(index);
    const where = row === 0 ? 'the header' : `row ${row}`;
    return new DatasetError('E_LINE_TOO_LONG', `${where} is longer than ${limits.maxLineChars} characters (at column ${JSON.stringify(column)}, line ${line ?? '?'})`, { row, column, line, limit: limits.maxLineChars }, { cause: error });
  }
  return new DatasetError('E_CSV_SYNTAX', `malformed CSV: ${error.message}`, { csvCode: error.code, line }, { cause: error });
}

/** Thrown by the second pass once it has every row it needs: the rest of the file is not read. */
const REFILLED = new Error('refilled');

function refillPass(p: Plan): { rows: number; onRecord: (record: string[]) => void } {
  const rows = p.builder.refillRows;
  let index = -1; // the header comes first
  return {
    rows,
    onRecord: (record) => {
      // Blank lines before the header are skipped as in the first pass.
      if (index < 0 && record.length === 1 && record[0] === '') return;
      if (index >= 0) p.builder.refill(index, record);
      if (++index >= rows) throw REFILLED;
    },
  };
}

/** Text or bytes already in memory. */
export function parseCsv(input: string | Uint8Array, options: ParseCsvOptions = {}): Table {
  const bytes = typeof input === 'string' ? Buffer.from(input) : input;
  checkUtf8(bytes);
  const p = plan(options);
  try {
    parse(bytes, tokenizerOptions(p, (record) => p.builder.add(record)));
    const refill = refillPass(p);
    if (refill.rows > 0) parse(bytes, tokenizerOptions(p, refill.onRecord));
  } catch (error) {
    if (error !== REFILLED) throw datasetErrorOf(error, p);
  }
  return p.builder.finish();
}

async function pass(source: CsvSource, p: Plan, onRecord: (record: string[]) => void): Promise<void> {
  const utf8 = new Utf8Stream();
  try {
    await pipeline(
      source(),
      async function* (chunks: AsyncIterable<Uint8Array>) {
        for await (const chunk of chunks) {
          utf8.push(chunk);
          yield chunk;
        }
        utf8.end();
      },
      new Parser(tokenizerOptions(p, onRecord)),
      async (records: AsyncIterable<unknown>) => {
        for await (const _ of records) {
          // on_record keeps every record: nothing comes out here
        }
      },
    );
  } catch (error) {
    if (error !== REFILLED) throw datasetErrorOf(error, p);
  }
}

/** Bytes read in chunks (a stored file): memory holds the table being built, not the file. */
export async function parseCsvStream(source: CsvSource, options: ParseCsvOptions = {}): Promise<Table> {
  const p = plan(options);
  await pass(source, p, (record) => p.builder.add(record));
  const refill = refillPass(p);
  if (refill.rows > 0) await pass(source, p, refill.onRecord);
  return p.builder.finish();
}
