/**
 * Lines a teacher's class scores up with the student's classes (pure). The student learns the
 * classes the dataset's labels name, in the order the training split gives them; the teacher
 * scores its own classes in its output order: named in its metadata (a hub-exported teacher), by
 * the request (`teacherClasses`), or "0".."K-1". Every dataset class must be one of the
 * teacher's; teacher classes the dataset never shows are dropped (the softmax renormalises over
 * the rest). A two-class student has one logit: the teacher's log-odds of the second class.
 */
import { TrainingError, argmaxRows, softmaxRows } from '../../core/training';
import { sigmoid } from '../../core/training/forward';

/** The teacher's class names in output order. */
export function teacherClassNames(width: number, requested: readonly string[] | null, fromMetadata: readonly string[] | null): string[] {
  const names = requested ?? fromMetadata ?? Array.from({ length: width === 1 ? 2 : width }, (_, i) => String(i));
  const expected = width === 1 ? 2 : width;
  if (names.length !== expected) {
    throw new TrainingError('E_INVALID_DATA', `the teacher's output has ${width} value(s) per row (${expected} classes) but ${names.length} class names were given`, { width, names: names.length });
  }
  if (new Set(names).size !== names.length) throw new TrainingError('E_INVALID_DATA', 'teacherClasses names a class twice', {});
  return [...names];
}

/**
 * Logits [rows x width] over the teacher's classes -> logits [rows x K] over `studentClasses`
 * (K = 1 for two classes: log-odds of studentClasses[1] against studentClasses[0]).
 */
export function alignTeacherLogits(logits: Float32Array, rows: number, width: number, teacherClasses: readonly string[], studentClasses: readonly string[]): { logits: Float32Array; width: number } {
  const index = studentClasses.map((name) => {
    const at = teacherClasses.indexOf(name);
    if (at < 0) {
      throw new TrainingError('E_INVALID_DATA', `dataset class "${name}" is not one of the teacher's classes (${teacherClasses.slice(0, 20).join(', ')}); name the teacher's classes in output order with "teacherClasses"`, { class: name });
    }
    return at;
  });
  // The teacher's one logit is the log-odds of its second class over its first.
  const logitOf = (row: number, cls: number): number => (width === 1 ? (cls === 1 ? (logits[row] as number) : 0) : (logits[row * width + cls] as number));
  if (studentClasses.length === 2) {
    const out = new Float32Array(rows);
    for (let r = 0; r < rows; r++) out[r] = logitOf(r, index[1] as number) - logitOf(r, index[0] as number);
    return { logits: out, width: 1 };
  }
  if (width === 1) throw new TrainingError('E_INVALID_DATA', `the teacher scores 2 classes; the dataset has ${studentClasses.length}`, { classes: studentClasses.length });
  const k = studentClasses.length;
  const out = new Float32Array(rows * k);
  for (let r = 0; r < rows; r++) for (let c = 0; c < k; c++) out[r * k + c] = logitOf(r, index[c] as number);
  return { logits: out, width: k };
}

/** Class index per row (argmax; the first on ties) from aligned logits; width 1 = log-odds. */
export function argmaxLogits(logits: Float32Array, rows: number, width: number): Int32Array {
  return width === 1 ? Int32Array.from(logits.subarray(0, rows), (z) => (z > 0 ? 1 : 0)) : argmaxRows(logits, rows, width);
}

/** Probabilities [rows x K] (K = 2 for a one-logit row) at temperature 1, for the teacher's metrics. */
export function logitsToProbabilities(logits: Float32Array, rows: number, width: number): Float32Array {
  if (width !== 1) return softmaxRows(logits, rows, width);
  const out = new Float32Array(rows * 2);
  for (let r = 0; r < rows; r++) {
    const p = sigmoid(logits[r] as number);
    out[r * 2] = 1 - p;
    out[r * 2 + 1] = p;
  }
  return out;
}
