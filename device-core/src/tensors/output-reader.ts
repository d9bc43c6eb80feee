/**
 * How a request's tensors are read row by row: the one rule shared by the statistics
 * accumulator, the prediction ids and shadow comparison, so a window's class counts, a prediction
 * id and a shadow's agreement always say the same thing about what a row predicted. Pure, and
 * nothing here allocates per row (the accumulator's hot path calls it for every row).
 *
 * - Rows are the first dimension of the batch input: the input of the reference's first feature,
 *   else the model's first input, when it has rank >= 2; else the request is one row. (Silero's
 *   `state` input, say, has another leading dimension.)
 * - An output holds one equal slice per row when its leading dim is the row count ([N], [N, k],
 *   ...); a request of one row owns all of it; any other output has no value for the row.
 * - A class output is read from scores when there is a class axis: the `probabilities` output
 *   (the hub's exported classifiers), else the output with the reference's name when its last dim
 *   is the class count and its rank is at least 2; the prediction is the argmax, its score the
 *   top probability. Otherwise the named output holds one class index per row (a rank-1 [N]
 *   output is N class indices, even when N happens to equal the class count).
 */
import type { ReleaseManifest } from '@edgefleet/protocol';

/** What the readers take: a JSON tensor or an onnxruntime tensor both fit. */
export interface RowTensor {
  /** not read: rows are read by value (listed so tensor literals type-check) */
  readonly type?: string;
  readonly dims: readonly number[];
  readonly data: ArrayLike<number | string | boolean | bigint>;
}
export type RowTensors = Readonly<Record<string, RowTensor | undefined>>;

/** The hub's exported classifiers put the class scores here. */
export const PROBABILITIES_OUTPUT = 'probabilities';

const NUMERIC_TYPES: ReadonlySet<string> = new Set(['float32', 'float64', 'int8', 'uint8', 'int16', 'int32', 'int64', 'float16']);

/** Whether an output of this element type can hold a numeric prediction. */
export const isNumericType = (type: string): boolean => NUMERIC_TYPES.has(type);

/** The input whose leading dim counts the rows of a request. */
export const batchInputOf = (release: Pick<ReleaseManifest, 'reference' | 'io'>): string | undefined => release.reference?.features[0]?.source.input ?? release.io.inputs[0]?.name;

/** Rows of a request given its batch input (absent: one row). */
export const rowsOf = (batch: RowTensor | undefined): number => (batch && batch.dims.length >= 2 ? (batch.dims[0] as number) : 1);

/** Rows of a request whose batch input is `batchInput` (batchInputOf). */
export const requestRows = (batchInput: string | undefined, inputs: RowTensors): number => rowsOf(batchInput === undefined ? undefined : inputs[batchInput]);

/** Rows of a request to `release`. */
export const batchRows = (release: Pick<ReleaseManifest, 'reference' | 'io'>, inputs: RowTensors): number => requestRows(batchInputOf(release), inputs);

export const lastDim = (tensor: RowTensor): number => (tensor.dims.length === 0 ? 1 : (tensor.dims[tensor.dims.length - 1] as number));

/** Where row `r` (of `rows`) starts in `tensor`, or -1 when the tensor has no row `r`. */
export function rowStart(tensor: RowTensor, rows: number, r: number): number {
  if (tensor.dims.length >= 1 && tensor.dims[0] === rows && rows > 0) return r * Math.floor(tensor.data.length / rows);
  return rows === 1 && r === 0 && tensor.data.length > 0 ? 0 : -1;
}

/** The first value of row `r` as a number; NaN when absent. */
export function valueAt(tensor: RowTensor | undefined, rows: number, r: number): number {
  if (!tensor) return NaN;
  const start = rowStart(tensor, rows, r);
  return start < 0 ? NaN : toNumber(tensor.data[start]);
}

/** Where a class output's prediction comes from in one request's outputs. */
export type ClassSource = { kind: 'scores'; tensor: RowTensor } | { kind: 'index'; tensor: RowTensor } | { kind: 'none' };

/** A class output with nothing to read its prediction from. */
export const NO_CLASS_SOURCE: ClassSource = { kind: 'none' };

/** The scores (or class indices) of the class output `name` with `classes` classes. */
export function classSourceOf(name: string, classes: number, outputs: RowTensors): ClassSource {
  const named = outputs[name];
  // Scores need a class axis: a rank-1 [N] output is one class index per row, whatever N is.
  const scores = outputs[PROBABILITIES_OUTPUT] ?? (named && named.dims.length >= 2 && lastDim(named) === classes && classes > 1 ? named : undefined);
  if (scores && lastDim(scores) === classes) return { kind: 'scores', tensor: scores };
  return named ? { kind: 'index', tensor: named } : NO_CLASS_SOURCE;
}

/** The predicted class index of row `r`: in [0, classes), or NaN when there is none to tell. */
export function classAt(source: ClassSource, classes: number, rows: number, r: number): number {
  if (source.kind === 'none') return NaN;
  if (source.kind === 'scores') return argmaxAt(source.tensor, rows, r);
  const index = valueAt(source.tensor, rows, r);
  return Number.isInteger(index) && index >= 0 && index < classes ? index : NaN;
}

/** Index of the highest score in row `r` (ties go to the first), NaN when the row has no score above -Infinity. */
export function argmaxAt(tensor: RowTensor, rows: number, r: number): number {
  const start = rowStart(tensor, rows, r);
  if (start < 0) return NaN;
  const width = lastDim(tensor);
  let best = NaN;
  let top = -Infinity;
  for (let c = 0; c < width; c++) {
    const score = toNumber(tensor.data[start + c]);
    if (score > top) {
      top = score;
      best = c;
    }
  }
  return best;
}

/** Column `column` of row `r`; NaN when absent. */
export function scoreAt(tensor: RowTensor, rows: number, r: number, column: number): number {
  const start = rowStart(tensor, rows, r);
  return start < 0 || column >= lastDim(tensor) ? NaN : toNumber(tensor.data[start + column]);
}

export function toNumber(value: number | string | boolean | bigint | undefined): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'bigint') return Number(value);
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value === undefined || value === '' ? NaN : Number(value);
}
