/**
 * What a quantization run did, for people and for the model registry: counts, sizes, scale
 * statistics per converted tensor, and everything left as it was with the reason why.
 */
import type { WeightEncoding } from './symmetric-int8';

export type QuantizeMode = 'dynamic' | 'static' | 'weights-only';

export interface WeightStat {
  tensor: string;
  /** Where the tensor lives, e.g. `main` or `main/If_0.else_branch`. */
  graph: string;
  elements: number;
  /** Per-channel axis, or null for one scale per tensor. */
  axis: number | null;
  scaleMin: number;
  scaleMax: number;
  scaleMean: number;
  /** How the values are stored: 'int8' [-127, 127], 'uint8' [1, 255] with zero point 128, or 'int7' [-64, 64] (symmetric-int8.ts). */
  encoding: WeightEncoding;
  /** max |w - dequantize(quantize(w))|. */
  maxAbsError: number;
}

export interface ActivationStat {
  tensor: string;
  min: number;
  max: number;
  scale: number;
  zeroPoint: number;
  type: 'int8' | 'uint8';
}

export interface Skipped {
  /** Node name (or op type when unnamed) or tensor name. */
  what: string;
  opType?: string;
  graph: string;
  reason: string;
}

export interface QuantizeReport {
  mode: QuantizeMode;
  opset: { before: number; after: number; upgraded: boolean };
  /** Nodes rewritten to int8 compute or fed by DequantizeLinear weights, by op type. */
  nodesQuantized: Record<string, number>;
  /** Float initializers / Constant tensors replaced by int8 ones. */
  initializersConverted: number;
  bytesBefore: number;
  bytesAfter: number;
  /** bytesAfter / bytesBefore. */
  ratio: number;
  weights: WeightStat[];
  activations: ActivationStat[];
  skipped: Skipped[];
  notes: string[];
  /** What the caller should not overlook: the result is valid but probably not what was wanted. */
  warnings: string[];
}

/** The mutable tally a pass fills in; `finish` turns it into the report. */
export interface ReportDraft {
  nodesQuantized: Record<string, number>;
  initializersConverted: number;
  weights: WeightStat[];
  activations: ActivationStat[];
  skipped: Skipped[];
  notes: string[];
  warnings: string[];
}

export const emptyDraft = (): ReportDraft => ({ nodesQuantized: {}, initializersConverted: 0, weights: [], activations: [], skipped: [], notes: [], warnings: [] });

export function countNode(draft: ReportDraft, opType: string): void {
  draft.nodesQuantized[opType] = (draft.nodesQuantized[opType] ?? 0) + 1;
}

export function weightStat(tensor: string, graph: string, elements: number, axis: number | undefined, scales: Float32Array, encoding: WeightEncoding, maxAbsError: number): WeightStat {
  let min = Infinity;
  let max = -Infinity;
  let sum = 0;
  for (const scale of scales) {
    min = Math.min(min, scale);
    max = Math.max(max, scale);
    sum += scale;
  }
  return { tensor, graph, elements, axis: axis ?? null, scaleMin: min, scaleMax: max, scaleMean: sum / Math.max(1, scales.length), encoding, maxAbsError };
}

export function finish(mode: QuantizeMode, draft: ReportDraft, opset: QuantizeReport['opset'], bytesBefore: number, bytesAfter: number): QuantizeReport {
  return { mode, opset, ...draft, bytesBefore, bytesAfter, ratio: bytesAfter / bytesBefore };
}

/** What every quantize* entry point returns: the new file and what was done to it. */
export interface QuantizeResult {
  model: Uint8Array;
  report: QuantizeReport;
}
