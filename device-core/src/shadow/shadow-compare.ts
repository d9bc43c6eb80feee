/**
 * Whether a shadow candidate agrees with the served model on one request, row by row (ROLLOUTS
 * "Shadow"). Pure. The rule is decided once per pair of releases (`comparisonRule`):
 *
 * - The served release's reference has a class output: the predicted class of each row, read by
 *   output-reader.ts (the rule of the statistics window and of prediction ids), compared by class
 *   name. The shadow's outputs are read with its own reference when it has a class output (another
 *   model may order or name its outputs differently), else with the served one's (a quantized copy
 *   released without a reference has the same outputs).
 * - Otherwise numeric: the primary output (the served reference's numeric output, else the
 *   model's first numeric output, else its first output) must match element by element over the
 *   row, |shadow - served| <= abs + rel * |served|, with the looser of the two releases' probe
 *   tolerances: each release's probe says how far its own numbers may move and still count as
 *   the same answer (a quantized release records its int8-vs-fp32 difference there). Only the
 *   primary output is compared: recurrent state outputs such as Silero's `stateN` drift more
 *   than the prediction they feed (the hub's quantization gate makes the same choice).
 *
 * Rows whose served prediction cannot be read are not comparisons (they say nothing about the
 * shadow); a row the shadow cannot answer is a disagreement.
 */
import type { Probe, ReleaseManifest } from '@edgefleet/protocol';
import { classAt, classSourceOf, isNumericType, rowStart, toNumber, type RowTensor, type RowTensors } from '../tensors/output-reader';

interface ClassOutput {
  name: string;
  classes: readonly string[];
}

export type ComparisonRule =
  | { kind: 'class'; served: ClassOutput; shadow: ClassOutput }
  | { kind: 'numeric'; output: string; tolerance: Probe['tolerance'] };

export interface ShadowComparison {
  /** rows compared */
  rows: number;
  /** rows on which the shadow agrees */
  agree: number;
}

const classOutputOf = (release: ReleaseManifest): ClassOutput | null => {
  const cls = release.reference?.outputs.find((o) => o.kind === 'class');
  return cls && cls.kind === 'class' ? { name: cls.name, classes: cls.classes } : null;
};

export function comparisonRule(served: ReleaseManifest, shadow: ReleaseManifest): ComparisonRule {
  const servedClass = classOutputOf(served);
  if (servedClass) return { kind: 'class', served: servedClass, shadow: classOutputOf(shadow) ?? servedClass };
  const numeric = served.reference?.outputs.find((o) => o.kind === 'numeric');
  const output = numeric?.name ?? served.io.outputs.find((o) => isNumericType(o.type))?.name ?? served.io.outputs[0]?.name ?? '';
  const a = served.probe.tolerance;
  const b = shadow.probe.tolerance;
  return { kind: 'numeric', output, tolerance: { abs: Math.max(a.abs, b.abs), rel: Math.max(a.rel, b.rel) } };
}

/** Compares the `rows` rows of one request's served outputs with the shadow's. */
export function compareShadow(rule: ComparisonRule, rows: number, served: RowTensors, shadow: RowTensors): ShadowComparison {
  const result: ShadowComparison = { rows: 0, agree: 0 };
  if (rule.kind === 'class') {
    const servedSource = classSourceOf(rule.served.name, rule.served.classes.length, served);
    const shadowSource = classSourceOf(rule.shadow.name, rule.shadow.classes.length, shadow);
    for (let r = 0; r < rows; r++) {
      const want = rule.served.classes[classAt(servedSource, rule.served.classes.length, rows, r)];
      if (want === undefined) continue;
      result.rows++;
      if (rule.shadow.classes[classAt(shadowSource, rule.shadow.classes.length, rows, r)] === want) result.agree++;
    }
    return result;
  }
  const want = served[rule.output];
  const got = shadow[rule.output];
  if (!want) return result;
  for (let r = 0; r < rows; r++) {
    const start = rowStart(want, rows, r);
    if (start < 0) continue;
    result.rows++;
    if (got && rowMatches(want, got, rows, r, start, rule.tolerance)) result.agree++;
  }
  return result;
}

/** Row `r` of `got` has the served row's shape and every element within tolerance. */
function rowMatches(want: RowTensor, got: RowTensor, rows: number, r: number, start: number, tolerance: Probe['tolerance']): boolean {
  if (got.data.length !== want.data.length || rowStart(got, rows, r) !== start) return false;
  const width = rows === 1 ? want.data.length : Math.floor(want.data.length / rows);
  for (let i = start; i < start + width; i++) {
    const a = want.data[i];
    const b = got.data[i];
    if (typeof a === 'string' || typeof b === 'string') {
      if (a !== b) return false;
      continue;
    }
    const x = toNumber(a);
    const y = toNumber(b);
    // NaN answers NaN (numpy's allclose with equal_nan, as the probe check does).
    if (Number.isNaN(x) || Number.isNaN(y)) {
      if (Number.isNaN(x) !== Number.isNaN(y)) return false;
      continue;
    }
    if (x === y) continue; // also equal infinities
    if (!(Math.abs(y - x) <= tolerance.abs + tolerance.rel * Math.abs(x))) return false;
  }
  return true;
}
