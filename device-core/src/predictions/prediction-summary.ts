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
import { encodePredictionId, MAX_PREDICTED_LENGTH, type PredictedValue, type ReleaseManifest } from '@edgefleet/protocol';
import { batchInputOf, classAt, classSourceOf, isNumericType, requestRows, valueAt, type RowTensors } from '../tensors/output-reader';

export { batchRows } from '../tensors/output-reader';

/**
 * Where a release's requests say what each row predicted: decided once per release (its
 * reference and io never change), so a request only reads values.
 */
export interface PredictionReader {
  /** the input whose leading dim counts the rows */
  readonly batchInput: string | undefined;
  readonly value: PredictedSource;
}

type PredictedSource =
  | { readonly kind: 'none' }
  /** `labels[i]`: class i's name, undefined when it cannot travel in an id */
  | { readonly kind: 'class'; readonly output: string; readonly labels: ReadonlyArray<string | undefined> }
  | { readonly kind: 'numeric'; readonly output: string | undefined };

export function predictionReaderOf(release: Pick<ReleaseManifest, 'reference' | 'io'>): PredictionReader {
  return { batchInput: batchInputOf(release), value: predictedSourceOf(release) };
}

function predictedSourceOf(release: Pick<ReleaseManifest, 'reference' | 'io'>): PredictedSource {
  const reference = release.reference;
  if (!reference) return { kind: 'none' };
  const cls = reference.outputs.find((o) => o.kind === 'class');
  if (cls) return { kind: 'class', output: cls.name, labels: cls.classes.map(labelOf) };
  const numeric = reference.outputs.find((o) => o.kind === 'numeric');
  return { kind: 'numeric', output: numeric ? numeric.name : release.io.outputs.find((o) => isNumericType(o.type))?.name };
}

/** One predicted value per row of a request (undefined where there is none to tell). */
export function readPredicted(reader: PredictionReader, inputs: RowTensors, outputs: RowTensors): Array<PredictedValue | undefined> {
  return valuesOf(reader.value, outputs, requestRows(reader.batchInput, inputs));
}

/** The same for a one-off read, `rows` given. */
export function predictedValues(release: Pick<ReleaseManifest, 'reference' | 'io'>, outputs: RowTensors, rows: number): Array<PredictedValue | undefined> {
  return valuesOf(predictedSourceOf(release), outputs, rows);
}

// Plain indexed loops: this runs on every prediction, where a callback per row shows.
function valuesOf(source: PredictedSource, outputs: RowTensors, rows: number): Array<PredictedValue | undefined> {
  const values: Array<PredictedValue | undefined> = [];
  if (source.kind === 'class') {
    const { labels } = source;
    const scores = classSourceOf(source.output, labels.length, outputs);
    for (let r = 0; r < rows; r++) {
      const index = classAt(scores, labels.length, rows, r);
      values.push(Number.isInteger(index) ? labels[index] : undefined);
    }
  } else if (source.kind === 'numeric') {
    const tensor = source.output === undefined ? undefined : outputs[source.output];
    for (let r = 0; r < rows; r++) {
      const value = valueAt(tensor, rows, r);
      values.push(Number.isFinite(value) ? value : undefined);
    }
  } else {
    for (let r = 0; r < rows; r++) values.push(undefined);
  }
  return values;
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

// A class name too long for an id (or empty) is left out rather than failing the request.
const labelOf = (name: string): string | undefined => (name.length > 0 && name.length <= MAX_PREDICTED_LENGTH ? name : undefined);
