/**
 * What each row of a /v1/predict batch predicted, and the prediction ids the local API returns
 * (protocol prediction-id.ts), so a ground-truth label posted to the hub later can be compared
 * with it without the device uploading anything. Pure.
 *
 * The predicted value of a row, read as the statistics accumulator reads it (so a label and the
 * window's class counts agree about what a row predicted):
 * - the version's reference profile has a class output: the argmax of the `probabilities` output
 *   (the hub's exported classifiers), else of the output with the reference's name when it has
 *   one column per class, else that output read as a class index; mapped to the class name;
 * - else its first numeric reference output: column 0 of the output with that name;
 * - else (a reference without outputs) column 0 of the first numeric output of the model;
 * - absent without a reference (nothing says what the outputs mean) or when the value is
 *   missing, not finite, or not a known class.
 * Rows are the first dimension of the batch input: the input of the reference's first feature,
 * else the model's first input (the same rule as the accumulator; Silero's `state` input, say,
 * has another leading dimension).
 */
import { encodePredictionId, MAX_PREDICTED_LENGTH, type PredictedValue, type ReleaseManifest, type TensorJson } from '@edgefleet/protocol';

type Tensors = Readonly<Record<string, TensorJson | undefined>>;

/** The hub's exported classifiers put the class scores here (stats-accumulator.ts agrees). */
const PROBABILITIES_OUTPUT = 'probabilities';

const NUMERIC_TYPES: ReadonlySet<string> = new Set(['float32', 'float64', 'int8', 'uint8', 'int16', 'int32', 'int64', 'float16']);

/** Rows of the batch: the leading dim of the batch input when it has rank >= 2, else one. */
export function batchRows(release: ReleaseManifest, inputs: Tensors): number {
  const name = release.reference?.features[0]?.source.input ?? release.io.inputs[0]?.name;
  const batch = name === undefined ? undefined : inputs[name];
  return batch && batch.dims.length >= 2 ? (batch.dims[0] as number) : 1;
}

/** One predicted value per row (undefined where there is none to tell). */
export function predictedValues(release: ReleaseManifest, outputs: Tensors, rows: number): Array<PredictedValue | undefined> {
  const read = readerOf(release, outputs, rows);
  return Array.from({ length: rows }, (_, r) => read(r));
}

function readerOf(release: ReleaseManifest, outputs: Tensors, rows: number): (r: number) => PredictedValue | undefined {
  const reference = release.reference;
  if (!reference) return () => undefined;
  const cls = reference.outputs.find((o) => o.kind === 'class');
  if (cls) {
    const classes = cls.classes;
    const named = outputs[cls.name];
    // Scores need a class axis: a rank-1 [N] output is one class index per row, whatever N is.
    const scores = outputs[PROBABILITIES_OUTPUT] ?? (named && named.dims.length >= 2 && lastDim(named) === classes.length && classes.length > 1 ? named : undefined);
    if (scores && lastDim(scores) === classes.length) return (r) => className(classes, argmax(scores, rows, r));
    return (r) => className(classes, named ? valueAt(named, rows, r) : NaN);
  }
  const numeric = reference.outputs.find((o) => o.kind === 'numeric');
  const name = numeric ? numeric.name : release.io.outputs.find((o) => NUMERIC_TYPES.has(o.type))?.name;
  const tensor = name === undefined ? undefined : outputs[name];
  return (r) => (tensor ? finite(valueAt(tensor, rows, r)) : undefined);
}

export interface PredictionIdInput {
  device: string;
  release: Pick<ReleaseManifest, 'model' | 'version'>;
  /** when the model ran, epoch ms */
  at: number;
  /** unique per request (the row tells the rows apart) */
  nonce: string;
  predicted: ReadonlyArray<PredictedValue | undefined>;
}

/** One id per row, in row order. */
export function predictionIdsOf(input: PredictionIdInput): string[] {
  const { device, release, at, nonce } = input;
  return input.predicted.map((predicted, row) =>
    encodePredictionId({ device, model: release.model, version: release.version, at, nonce, row, ...(predicted === undefined ? {} : { predicted }) }),
  );
}

const lastDim = (tensor: TensorJson): number => (tensor.dims.length === 0 ? 1 : (tensor.dims[tensor.dims.length - 1] as number));

/**
 * Where row `r` starts in `tensor`, or -1 when the tensor has no row `r`. An output whose leading
 * dim is the batch holds one equal slice per row ([N], [N, k], ...); a batch of one owns all of it.
 */
function rowStart(tensor: TensorJson, rows: number, r: number): number {
  if (tensor.dims.length >= 1 && tensor.dims[0] === rows && rows > 0) return r * Math.floor(tensor.data.length / rows);
  return rows === 1 && r === 0 && tensor.data.length > 0 ? 0 : -1;
}

function valueAt(tensor: TensorJson, rows: number, r: number): number {
  const start = rowStart(tensor, rows, r);
  return start < 0 ? NaN : toNumber(tensor.data[start]);
}

/** Index of the highest score in row `r`, NaN when the row has no finite score. */
function argmax(tensor: TensorJson, rows: number, r: number): number {
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

function className(classes: readonly string[], index: number): string | undefined {
  const name = Number.isInteger(index) ? classes[index] : undefined;
  // A class name too long for an id (or empty) is left out rather than failing the request.
  return name !== undefined && name.length > 0 && name.length <= MAX_PREDICTED_LENGTH ? name : undefined;
}

const finite = (value: number): number | undefined => (Number.isFinite(value) ? value : undefined);

function toNumber(value: number | string | boolean | undefined): number {
  if (typeof value === 'number') return value;
  if (typeof value === 'boolean') return value ? 1 : 0;
  return value === undefined || value === '' ? NaN : Number(value);
}
