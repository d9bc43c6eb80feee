/**
 * Ground-truth labels that arrive after the prediction (issue 5 "Feedback"), the pure part:
 * how a label is keyed (so posting it again changes nothing), which labels a version can take,
 * and accuracy (classifiers) or mean absolute error (regressors) from the stored tallies.
 *
 * What a version is judged as follows its release reference profile, because that is also what
 * the agent's prediction ids carry (device-core/src/predictions/prediction-summary.ts):
 * - a class output: `classification`; a predicted value must be one of its classes, a label may
 *   be anything (a truth the model never learned is a wrong prediction, not a bad request);
 * - a numeric output only: `regression`; predicted value and label must both be numbers;
 * - no reference (or no outputs): `classification` by exact match of the values as text (only
 *   window tallies can reach such a version: its prediction ids carry no prediction).
 */
import type { PredictedValue, ReferenceProfile } from '@edgefleet/protocol';

export type FeedbackTask = 'classification' | 'regression';

export function taskOf(reference: ReferenceProfile | null): FeedbackTask {
  const outputs = reference?.outputs ?? [];
  return outputs.some((o) => o.kind === 'class') || outputs.length === 0 ? 'classification' : 'regression';
}

export const classesOf = (reference: ReferenceProfile | null): string[] | null => reference?.outputs.find((o) => o.kind === 'class')?.classes ?? null;

/** Labels and predictions are stored as text: a class name as is, a number as JS prints it (it parses back exactly). */
export const valueText = (value: PredictedValue): string => (typeof value === 'number' ? String(value) : value);

/** A finite number from a number or numeric text, else null. */
export function numericValue(value: PredictedValue): number | null {
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  const trimmed = value.trim();
  if (trimmed === '') return null;
  const parsed = Number(trimmed);
  return Number.isFinite(parsed) ? parsed : null;
}

/** Why this version cannot take a label for `predicted` and `label` (a code and a message), or null. */
export function labelProblem(reference: ReferenceProfile | null, predicted: PredictedValue, label: PredictedValue): { code: string; message: string } | null {
  const classes = classesOf(reference);
  if (classes) {
    const name = valueText(predicted);
    if (!classes.includes(name)) return { code: 'E_UNKNOWN_CLASS', message: `predicted: "${name.slice(0, 64)}" is not one of the version's classes (${classes.slice(0, 10).join(', ')}${classes.length > 10 ? ', ...' : ''})` };
    return null;
  }
  if (taskOf(reference) === 'regression') {
    if (numericValue(predicted) === null) return { code: 'E_NOT_NUMERIC', message: 'predicted: the version predicts a number' };
    if (numericValue(label) === null) return { code: 'E_NOT_NUMERIC', message: 'label: the version predicts a number, so its label must be one' };
  }
  return null;
}

/** The stored key of a label by prediction id (the id's canonical spelling). */
export const predictionKey = (canonicalId: string): string => `p:${canonicalId}`;

/**
 * The stored key of a window tally. The values are percent-encoded so a `:` in a class name
 * cannot make two different (predicted, label) pairs share a key.
 */
export const windowKey = (msgId: string, predicted: PredictedValue, label: PredictedValue): string =>
  `w:${msgId}:${encodeURIComponent(valueText(predicted))}:${encodeURIComponent(valueText(label))}`;

/** A stored label reduced to what decides whether a re-post changed anything. */
export interface StoredLabel {
  model: string;
  version: string;
  deviceId: string;
  predicted: string;
  label: string;
  count: number;
}

export const sameLabel = (a: StoredLabel, b: StoredLabel): boolean =>
  a.model === b.model && a.version === b.version && a.deviceId === b.deviceId && a.predicted === b.predicted && a.label === b.label && a.count === b.count;

/** Labelled predictions of one device with the same (predicted, label). */
export interface ClassCell {
  deviceId: string;
  predicted: string;
  label: string;
  count: number;
}

/** Error sums of one device's labelled numeric predictions. */
export interface ErrorSums {
  deviceId: string;
  count: number;
  absError: number;
  sqError: number;
}

export interface DeviceAccuracy {
  device: string;
  labelled: number;
  correct: number | null;
  accuracy: number | null;
  mae: number | null;
  rmse: number | null;
}

export interface AccuracySummary {
  task: FeedbackTask;
  labelled: number;
  /** classification: labelled predictions whose predicted value equals the label */
  correct: number | null;
  /** classification: correct / labelled; null without labels and for regression */
  accuracy: number | null;
  /** regression: mean |predicted - label|; null without labels and for classification */
  mae: number | null;
  rmse: number | null;
  devices: DeviceAccuracy[];
  /** classification: one cell per (predicted, label) seen, most frequent first */
  confusion: Array<{ predicted: string; label: string; count: number }> | null;
}

const ratio = (part: number, whole: number): number | null => (whole > 0 ? part / whole : null);

export function classificationSummary(cells: readonly ClassCell[]): AccuracySummary {
  const devices = new Map<string, { labelled: number; correct: number }>();
  const confusion = new Map<string, { predicted: string; label: string; count: number }>();
  let labelled = 0;
  let correct = 0;
  for (const cell of cells) {
    if (cell.count <= 0) continue;
    const device = devices.get(cell.deviceId) ?? { labelled: 0, correct: 0 };
    devices.set(cell.deviceId, device);
    const hit = cell.predicted === cell.label ? cell.count : 0;
    device.labelled += cell.count;
    device.correct += hit;
    labelled += cell.count;
    correct += hit;
    // JSON of the pair: a key no two different pairs share.
    const key = JSON.stringify([cell.predicted, cell.label]);
    const entry = confusion.get(key) ?? { predicted: cell.predicted, label: cell.label, count: 0 };
    entry.count += cell.count;
    confusion.set(key, entry);
  }
  return {
    task: 'classification',
    labelled,
    correct,
    accuracy: ratio(correct, labelled),
    mae: null,
    rmse: null,
    devices: [...devices]
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([device, d]) => ({ device, labelled: d.labelled, correct: d.correct, accuracy: ratio(d.correct, d.labelled), mae: null, rmse: null })),
    confusion: [...confusion.values()].sort((a, b) => b.count - a.count || compareText(a.predicted, b.predicted) || compareText(a.label, b.label)),
  };
}

export function regressionSummary(sums: readonly ErrorSums[]): AccuracySummary {
  let labelled = 0;
  let absError = 0;
  let sqError = 0;
  const devices: DeviceAccuracy[] = [];
  for (const s of [...sums].sort((a, b) => compareText(a.deviceId, b.deviceId))) {
    if (s.count <= 0) continue;
    labelled += s.count;
    absError += s.absError;
    sqError += s.sqError;
    devices.push({ device: s.deviceId, labelled: s.count, correct: null, accuracy: null, mae: s.absError / s.count, rmse: Math.sqrt(s.sqError / s.count) });
  }
  const mae = ratio(absError, labelled);
  const mse = ratio(sqError, labelled);
  return { task: 'regression', labelled, correct: null, accuracy: null, mae, rmse: mse === null ? null : Math.sqrt(mse), devices, confusion: null };
}

const compareText = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);
