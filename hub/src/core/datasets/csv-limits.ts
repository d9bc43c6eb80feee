/**
 * How big a CSV may be, in every direction an upload can grow. Each bound is checked as records
 * stream out of the tokenizer, so a file past one fails after reading at most one over-long
 * record (1 MiB), never after the whole file is in memory: 60 MB of commas used to cost 1.84 GB
 * and 53 s before its refusal.
 */
export interface CsvLimits {
  /** data rows (header not counted) */
  maxRows: number;
  maxColumns: number;
  /** rows x columns: what the parsed table holds (8 bytes a numeric cell) */
  maxCells: number;
  /** characters of one cell */
  maxCellChars: number;
  /** characters of one column name */
  maxColumnNameChars: number;
  /** characters of one record, all its cells together (a line without a newline, an unclosed quote) */
  maxLineChars: number;
}

export const CSV_LIMITS: Readonly<CsvLimits> = {
  maxRows: 1_000_000,
  maxColumns: 1_000,
  // 1M rows of 25 columns; 200 MB of float64 at most.
  maxCells: 25_000_000,
  maxCellChars: 4_096,
  maxColumnNameChars: 256,
  maxLineChars: 1_048_576,
};
