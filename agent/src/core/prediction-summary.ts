/**
 * What each row of a /v1/predict batch predicted, and the prediction ids the local API returns
 * (protocol prediction-id.ts), so a ground-truth label posted to the hub later can be compared
 * with it without the device uploading anything. Pure.
 *
 * The predicted value of a row, read by the rules of output-reader.ts (shared with the statistics
 * accumulator and shadow comparison, so a label, the window's class counts and a shadow's
 * agreement all agree about what a row predicted):
 * - the version's reference profile has a class output: its predicted class, mapped to the
 *   class name;
 * - else its first numeric reference output: column 0 of the output with that name;
 * - else (a reference without outputs) column 0 of the first numeric output of the model;
 * - absent without a reference (nothing says what the outputs mean) or when the value is
 *   missing, not finite, or not a known class.
 */
import { encodePredictionId, MAX_PREDICTED_LENGTH, type PredictedValue, type ReleaseManifest, type TensorJson } from '@edgefleet/protocol';
import { classAt, classSourceOf, valueAt } from './output-reader';

export { batchRows } from './output-reader';

type Tensors = Readonly<Record<string, TensorJson | undefined>>;

const NUMERIC_TYPES: ReadonlySet<string> = new Set(['float32', 'float64', 'int8', 'uint8', 'int16', 'int32', 'int64', 'float16']);

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
    const source = classSourceOf(cls.name, cls.classes.length, outputs);
    return (r) => className(cls.classes, classAt(source, cls.classes.length, rows, r));
  }
  const numeric = reference.outputs.find((o) => o.kind === 'numeric');
  const name = numeric ? numeric.name : release.io.outputs.find((o) => NUMERIC_TYPES.has(o.type))?.name;
  const tensor = name === undefined ? undefined : outputs[name];
  return (r) => finite(valueAt(tensor, rows, r));
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

function className(classes: readonly string[], index: number): string | undefined {
  const name = Number.isInteger(index) ? classes[index] : undefined;
  // A class name too long for an id (or empty) is left out rather than failing the request.
  return name !== undefined && name.length > 0 && name.length <= MAX_PREDICTED_LENGTH ? name : undefined;
}

const finite = (value: number): number | undefined => (Number.isFinite(value) ? value : undefined);
