/** Datasets: CSV in, typed tables and their JSON summaries out. Pure (no I/O). */
export { DATASET_ERROR_CODES, DATASET_LIMIT_CODES, DatasetError, isDatasetError, type DatasetErrorCode, type DatasetErrorDetails } from './dataset-error';
export { DEFAULT_MISSING_TOKENS, parseNumber, type ColumnKind } from './column-inference';
export { CSV_DEFAULTS, parseCsv, parseCsvStream, type CsvSource, type ParseCsvOptions } from './parse-csv';
export { CSV_LIMITS, type CsvLimits } from './csv-limits';
export { correlationRatio, cramersV, pearson, type AssociationMeasure } from './association';
export {
  QUANTILES,
  countCategories,
  exploreTable,
  type Association,
  type CategoricalSummary,
  type ColumnSummary,
  type ExploreOptions,
  type NumericSummary,
  type TableSummary,
  type TargetSummary,
} from './explore-table';
export { findColumn } from './find-column';
export { ID_LIKE_MIN_ROWS, ID_LIKE_SHARE, idLikeFlag, looksLikeDate, type IdLikeFlag, type IdLikeReason } from './id-like';
