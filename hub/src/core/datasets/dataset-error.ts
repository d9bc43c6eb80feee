/**
 * The dataset module's small error family: a string `code` callers switch on, `details` that name
 * the offending column / row / value as plain JSON (so the HTTP layer can return them as they are).
 */
export const DATASET_ERROR_CODES = [
  'E_EMPTY', // no bytes (or only whitespace)
  'E_NO_ROWS', // a header row and nothing else
  'E_RAGGED', // a data row with a different field count than the header
  'E_EMPTY_COLUMN_NAME',
  'E_DUPLICATE_COLUMN',
  'E_TOO_MANY_COLUMNS',
  'E_TOO_MANY_ROWS',
  'E_TOO_MANY_CELLS', // rows x columns over the limit
  'E_CELL_TOO_LONG',
  'E_COLUMN_NAME_TOO_LONG',
  'E_LINE_TOO_LONG', // one record's characters over the limit (a line with no newline, a runaway quote)
  'E_INVALID_UTF8',
  'E_CSV_SYNTAX', // unclosed quote and other tokenizer errors
  'E_NOT_NUMERIC', // a non-numeric value in a column declared numeric
  'E_UNKNOWN_COLUMN', // an option names a column the table does not have
  'E_COLUMN_KIND', // a column has the wrong kind for what is asked of it
] as const;
export type DatasetErrorCode = (typeof DATASET_ERROR_CODES)[number];

/** The refusals of a file bigger than a limit allows (HTTP 413); the others are malformed content (400). */
export const DATASET_LIMIT_CODES: ReadonlySet<DatasetErrorCode> = new Set<DatasetErrorCode>(['E_TOO_MANY_COLUMNS', 'E_TOO_MANY_ROWS', 'E_TOO_MANY_CELLS', 'E_CELL_TOO_LONG', 'E_COLUMN_NAME_TOO_LONG', 'E_LINE_TOO_LONG']);

export type DatasetErrorDetails = Readonly<Record<string, string | number | null>>;

export class DatasetError extends Error {
  readonly code: DatasetErrorCode;
  readonly details: DatasetErrorDetails;

  constructor(code: DatasetErrorCode, message: string, details: DatasetErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options?.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'DatasetError';
    this.code = code;
    this.details = details;
  }
}

export const isDatasetError = (error: unknown): error is DatasetError => error instanceof DatasetError;
