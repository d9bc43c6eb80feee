/**
 * What a teacher model's class output becomes for knowledge distillation: logits (whatever the
 * teacher's graph emitted, probabilities or raw scores), then soft targets at a temperature.
 * Pure: the caller runs the teacher and hands over its output, row-major [rows x width].
 */
import { sigmoid } from './forward';
import { TrainingError, invalidData } from './training-error';

/** Smallest probability taken to log: a teacher's hard 0 becomes a finite (very negative) logit. */
export const MIN_PROBABILITY = 1e-7;
/** How far a row of probabilities may sum from 1 (float32 graphs round each value). */
const SUM_TOLERANCE = 1e-3;

export type TeacherOutputKind = 'probabilities' | 'logits';

/** Shape [rows x width] and finite values, else E_INVALID_DATA naming `name` and the row. */
export function checkTeacherOutput(output: Float32Array, rows: number, width: number, name = 'teacher output'): void {
  if (!Number.isInteger(width) || width < 1) throw invalidData(`${name}: width ${width} must be a positive integer`, { width });
  if (output.length !== rows * width) throw invalidData(`${name}: ${output.length} values, expected ${rows} rows x ${width}`, { values: output.length, rows, width });
  for (let i = 0; i < output.length; i++) {
    if (!Number.isFinite(output[i])) {
      const row = Math.floor(i / width);
      throw invalidData(`${name}: row ${row} has a non-finite value (${output[i]})`, { row });
    }
  }
}

function looksLikeProbabilities(output: Float32Array, rows: number, width: number): boolean {
  if (rows === 0) return false;
  for (let r = 0; r < rows; r++) {
    let sum = 0;
    for (let c = 0; c < width; c++) {
      const p = output[r * width + c] as number;
      if (p < 0 || (width === 1 && p > 1)) return false;
      sum += p;
    }
    // One score per row is a probability on its own; K scores must form a distribution.
    if (width > 1 && Math.abs(sum - 1) > SUM_TOLERANCE) return false;
  }
  return true;
}

/**
 * The teacher's output as logits. Width K > 1: every row non-negative and summing to 1 (within
 * 1e-3) reads as probabilities, logit = log(max(p, 1e-7)) (a softmax of these gives p back);
 * width 1: every value in [0, 1] reads as P(positive class), logit = log(p / (1 - p)) with p
 * clamped to [1e-7, 1 - 1e-7]. Anything else is already logits and is returned as a copy.
 * The decision is over the whole output, never per row, so one batch is read one way.
 */
export function teacherLogits(output: Float32Array, rows: number, width: number): { logits: Float32Array; kind: TeacherOutputKind } {
  checkTeacherOutput(output, rows, width);
  if (!looksLikeProbabilities(output, rows, width)) return { logits: Float32Array.from(output), kind: 'logits' };
  const logits =
    width === 1
      ? Float32Array.from(output, (p) => {
          const q = Math.min(Math.max(p, MIN_PROBABILITY), 1 - MIN_PROBABILITY);
          return Math.log(q / (1 - q));
        })
      : Float32Array.from(output, (p) => Math.log(Math.max(p, MIN_PROBABILITY)));
  return { logits, kind: 'probabilities' };
}

export function checkTemperature(temperature: number): void {
  if (!(Number.isFinite(temperature) && temperature > 0)) {
    throw new TrainingError('E_INVALID_PARAMS', `distillation temperature must be a positive number, got ${temperature}`, { temperature });
  }
}

/**
 * Soft targets at temperature T: softmax(logits / T) per row for width K > 1, sigmoid(logit / T)
 * for width 1 (the probability of the positive class). T > 1 spreads the teacher's mass over the
 * classes it ranks next, which is what the student learns from beyond the hard label.
 */
export function softTargets(logits: Float32Array, rows: number, width: number, temperature: number): Float32Array {
  checkTemperature(temperature);
  checkTeacherOutput(logits, rows, width, 'teacher logits');
  const out = new Float32Array(rows * width);
  if (width === 1) {
    for (let r = 0; r < rows; r++) out[r] = sigmoid((logits[r] as number) / temperature);
    return out;
  }
  for (let r = 0; r < rows; r++) {
    const o = r * width;
    let max = -Infinity;
    for (let c = 0; c < width; c++) max = Math.max(max, (logits[o + c] as number) / temperature);
    let sum = 0;
    for (let c = 0; c < width; c++) sum += Math.exp((logits[o + c] as number) / temperature - max);
    for (let c = 0; c < width; c++) out[o + c] = Math.exp((logits[o + c] as number) / temperature - max) / sum;
  }
  return out;
}
