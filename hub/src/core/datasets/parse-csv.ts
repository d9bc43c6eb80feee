/**
 * CSV text or bytes -> a typed columnar Table. The header row is required; every column is typed
 * numeric or categorical (inferred, or declared by the caller); every failure is a DatasetError
 * naming what is wrong and where.
 */
import { CsvError, parse } from 'csv-parse/sync';
import type { Column, Table } from '../training/types';
import { buildColumn, DEFAULT_MISSING_TOKENS, makeMissingTest, type ColumnKind } from './column-inference';
import { DatasetError } from './dataset-error';

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
}

export const CSV_DEFAULTS = { delimiter: ',', maxColumns: 1_000, maxRows: 1_000_000 } as const;

export function parseCsv(input: string | Uint8Array, options: ParseCsvOptions = {}): Table {
  const text = typeof input === 'string' ? input : decodeUtf8(input);
  if (text.replace(/^\uFEFF/, '').trim() === '') throw new DatasetError('E_EMPTY', 'the file is empty');
  const maxColumns = options.maxColumns ?? CSV_DEFAULTS.maxColumns;
  const maxRows = options.maxRows ?? CSV_DEFAULTS.maxRows;

  const records = tokenize(text, options.delimiter ?? CSV_DEFAULTS.delimiter, maxRows);
  const header = checkHeader(records[0] ?? [], maxColumns);
  const rows = records.length - 1;
  if (rows === 0) throw new DatasetError('E_NO_ROWS', 'the file has a header row but no data rows', { columns: header.length });
  if (rows > maxRows) throw new DatasetError('E_TOO_MANY_ROWS', `the file has more than ${maxRows} data rows`, { limit: maxRows });
  for (let r = 1; r < records.length; r++) {
    const fields = records[r]?.length ?? 0;
    if (fields !== header.length) {
      throw new DatasetError('E_RAGGED', `row ${r} has ${fields} fields, the header has ${header.length}`, { row: r, fields, expected: header.length });
    }
  }

  const kinds = options.kinds ?? {};
  for (const name of Object.keys(kinds)) {
    if (!header.includes(name)) throw new DatasetError('E_UNKNOWN_COLUMN', `declared column "${name}" is not in the header`, { column: name });
  }
  const isMissing = makeMissingTest(options.missingTokens ?? DEFAULT_MISSING_TOKENS);
  const columns: Column[] = header.map((name, c) => {
    const cells = new Array<string>(rows);
    for (let r = 0; r < rows; r++) cells[r] = records[r + 1]?.[c] ?? '';
    return buildColumn({ name, cells, isMissing, declared: kinds[name], firstRow: 1 });
  });
  return { rows, columns };
}

function decodeUtf8(bytes: Uint8Array): string {
  try {
    // fatal: invalid sequences throw instead of becoming U+FFFD; a leading BOM is dropped.
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes);
  } catch (error) {
    throw new DatasetError('E_INVALID_UTF8', 'the file is not valid UTF-8', { offset: firstInvalidUtf8(bytes) }, { cause: error });
  }
}

/** Byte offset of the first invalid UTF-8 sequence (for the error message), or -1. */
function firstInvalidUtf8(bytes: Uint8Array): number {
  let lo = 0;
  let hi = bytes.length;
  // Largest prefix that decodes: the byte after it is where decoding fails.
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    try {
      // stream: a prefix ending inside a valid multi-byte sequence is not an error.
      new TextDecoder('utf-8', { fatal: true }).decode(bytes.subarray(0, mid), { stream: true });
      lo = mid;
    } catch {
      hi = mid - 1;
    }
  }
  return lo < bytes.length ? lo : -1;
}

function tokenize(text: string, delimiter: string, maxRows: number): string[][] {
  try {
    return parse(text, {
      bom: true,
      delimiter,
      relax_column_count: true, // ragged rows are reported by us, with row numbers
      skip_empty_lines: true,
      trim: true,
      to: maxRows + 2, // header + maxRows + one more to detect the overflow without parsing it all
    });
  } catch (error) {
    if (error instanceof CsvError) {
      const line = typeof error['lines'] === 'number' ? error['lines'] : null;
      throw new DatasetError('E_CSV_SYNTAX', `malformed CSV: ${error.message}`, { csvCode: error.code, line }, { cause: error });
    }
    throw error;
  }
}

function checkHeader(header: readonly string[], maxColumns: number): string[] {
  if (header.length > maxColumns) {
    throw new DatasetError('E_TOO_MANY_COLUMNS', `the header has ${header.length} columns, the limit is ${maxColumns}`, { columns: header.length, limit: maxColumns });
  }
  const seen = new Set<string>();
  return header.map((raw, index) => {
    const name = raw.trim();
    if (name === '') throw new DatasetError('E_EMPTY_COLUMN_NAME', `column ${index + 1} has an empty name`, { index: index + 1 });
    if (seen.has(name)) throw new DatasetError('E_DUPLICATE_COLUMN', `column name "${name}" appears twice`, { column: name, index: index + 1 });
    seen.add(name);
    return name;
  });
}
