/**
 * The records of a CSV, one at a time, into a typed table: the header is checked as soon as it
 * arrives (names, count, declared kinds), every data row against the header and the limits, and
 * the cells go straight into their columns. Errors name the limit, the row (1-based, header not
 * counted) and the column.
 */
import type { Table } from '../training/types';
import { ColumnBuilder, preview } from './column-builder';
import { DEFAULT_MISSING_TOKENS, makeMissingTest, type ColumnKind } from './column-inference';
import type { CsvLimits } from './csv-limits';
import { DatasetError } from './dataset-error';

export interface TableBuilderOptions {
  kinds: Readonly<Record<string, ColumnKind>>;
  missingTokens: readonly string[] | undefined;
  delimiter: string;
  limits: CsvLimits;
}

/**
 * The tokenizer stops splitting a record after `maxColumns + 1` fields (the rest of the line is
 * one last field, bounded by maxLineChars), so a count past the limit is a lower bound: said so
 * when the last field still holds a delimiter.
 */
function fieldCount(record: readonly string[], delimiter: string, limit: number): number | string {
  const last = record[record.length - 1] ?? '';
  return record.length > limit && last.includes(delimiter) ? `more than ${limit}` : record.length;
}

export class TableBuilder {
  private columns: ColumnBuilder[] | null = null;
  private header: string[] = [];
  private rowCount = 0;

  constructor(private readonly options: TableBuilderOptions) {}

  /** data rows so far */
  get rows(): number {
    return this.rowCount;
  }

  get columnCount(): number {
    return this.header.length;
  }

  get headerSeen(): boolean {
    return this.columns !== null;
  }

  /** the name of column `index` (0-based) once the header is known, else its 1-based number */
  columnName(index: number): string | number {
    return this.header[index] ?? index + 1;
  }

  add(record: readonly string[]): void {
    if (this.columns === null) {
      this.takeHeader(record);
      return;
    }
    const row = ++this.rowCount;
    const { limits, delimiter } = this.options;
    const columns = this.columns;
    if (row > limits.maxRows) throw new DatasetError('E_TOO_MANY_ROWS', `the file has more than ${limits.maxRows} data rows`, { limit: limits.maxRows, row });
    if (row * columns.length > limits.maxCells) {
      throw new DatasetError('E_TOO_MANY_CELLS', `row ${row} takes the table past ${limits.maxCells} cells (rows x ${columns.length} columns)`, { limit: limits.maxCells, row, columns: columns.length });
    }
    if (record.length !== columns.length) {
      const fields = fieldCount(record, delimiter, limits.maxColumns);
      throw new DatasetError('E_RAGGED', `row ${row} has ${fields} fields, the header has ${columns.length}`, { row, fields, expected: columns.length });
    }
    for (let c = 0; c < columns.length; c++) {
      const cell = record[c] as string;
      if (cell.length > limits.maxCellChars) {
        const column = (columns[c] as ColumnBuilder).name;
        throw new DatasetError('E_CELL_TOO_LONG', `row ${row}, column "${preview(column)}": a cell of ${cell.length} characters (limit ${limits.maxCellChars})`, { row, column, length: cell.length, limit: limits.maxCellChars });
      }
      (columns[c] as ColumnBuilder).push(cell, row);
    }
  }

  /** Columns that turned categorical after holding numbers: a second pass must bring back rows below this. */
  get refillRows(): number {
    return Math.max(0, ...(this.columns ?? []).map((c) => c.refillBefore));
  }

  /** Second pass, data row `index` (0-based): the text of cells whose column turned categorical. */
  refill(index: number, record: readonly string[]): void {
    const columns = this.columns ?? [];
    for (let c = 0; c < columns.length; c++) {
      const column = columns[c] as ColumnBuilder;
      if (column.refillBefore > index) column.refill(index, record[c] ?? '');
    }
  }

  finish(): Table {
    if (this.columns === null) throw new DatasetError('E_EMPTY', 'the file is empty');
    if (this.rowCount === 0) throw new DatasetError('E_NO_ROWS', 'the file has a header row but no data rows', { columns: this.columns.length });
    return { rows: this.rowCount, columns: this.columns.map((c) => c.finish()) };
  }

  private takeHeader(record: readonly string[]): void {
    // A line of blanks before the header is no header: a file of only blanks is empty.
    if (record.length === 1 && record[0] === '') return;
    const { limits, delimiter, kinds } = this.options;
    if (record.length > limits.maxColumns) {
      const columns = fieldCount(record, delimiter, limits.maxColumns);
      throw new DatasetError('E_TOO_MANY_COLUMNS', `the header has ${columns} columns, the limit is ${limits.maxColumns}`, { columns, limit: limits.maxColumns });
    }
    const seen = new Set<string>();
    const header = record.map((raw, index) => {
      const name = raw.trim();
      if (name === '') throw new DatasetError('E_EMPTY_COLUMN_NAME', `column ${index + 1} has an empty name`, { index: index + 1 });
      if (name.length > limits.maxColumnNameChars) {
        throw new DatasetError('E_COLUMN_NAME_TOO_LONG', `column ${index + 1} has a name of ${name.length} characters (limit ${limits.maxColumnNameChars})`, { index: index + 1, length: name.length, limit: limits.maxColumnNameChars });
      }
      if (seen.has(name)) throw new DatasetError('E_DUPLICATE_COLUMN', `column name "${name}" appears twice`, { column: name, index: index + 1 });
      seen.add(name);
      return name;
    });
    for (const name of Object.keys(kinds)) {
      if (!seen.has(name)) throw new DatasetError('E_UNKNOWN_COLUMN', `declared column "${preview(name)}" is not in the header`, { column: preview(name) });
    }
    const isMissing = makeMissingTest(this.options.missingTokens ?? DEFAULT_MISSING_TOKENS);
    this.header = header;
    this.columns = header.map((name) => new ColumnBuilder(name, Object.hasOwn(kinds, name) ? kinds[name] : undefined, isMissing));
  }
}
