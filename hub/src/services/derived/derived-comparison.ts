/**
 * A derived version beside its source (the pruned model's parent, the student's teacher) on the
 * run's test rows, and quantization's quality gate over them (core/quantize/quality-gate.ts):
 * accuracy and the run's primary metric for a classifier, the primary metric and output
 * agreement for regression. Size is the file's and its gzip size (what magnitude pruning
 * shrinks); latency is the median of onnxruntime-node runs at batch 1 and 64, timed in the model
 * sandbox exactly as quantization times its versions.
 */
import { gzipSync } from 'node:zlib';
import type { IoSpec } from '@edgefleet/protocol';
import { qualityGate, type GateLimits, type GateMeasurement, type GateNames, type GateVerdict } from '../../core/quantize/quality-gate';
import type { FlatMetrics, Task } from '../../core/training';
import { batchOf } from '../quantize/quantize-batches';
import { openSession, type Feeds } from '../quantize/quantize-session';
import type { DerivedComparison, DerivedSide } from '../training/training-types';

const LATENCY_RUNS = 40;

/** What one side predicted on the test rows: class indices, or regression values. */
export type Predicted = { kind: 'labels'; labels: Int32Array } | { kind: 'values'; values: Float32Array };

/** Share of rows where both sides predict the same class (or values within 2% + 0.02 of each other). */
export function predictionAgreement(source: Predicted, result: Predicted): number {
  const a = source.kind === 'labels' ? source.labels : source.values;
  const b = result.kind === 'labels' ? result.labels : result.values;
  if (a.length !== b.length || a.length === 0) return Number.NaN;
  let same = 0;
  for (let i = 0; i < a.length; i++) {
    const x = a[i] as number;
    const y = b[i] as number;
    if (source.kind === 'labels' ? x === y : Math.abs(x - y) <= 0.02 + 0.02 * Math.abs(x)) same++;
  }
  return same / a.length;
}

/** Median latency of `bytes` on `feeds` (test rows) at batch 1 and, when its inputs take a batch, 64. */
export async function timeModel(bytes: Uint8Array, feeds: Feeds, inputs: readonly IoSpec[]): Promise<DerivedSide['latencyMs']> {
  const session = await openSession(bytes);
  try {
    const latency: DerivedSide['latencyMs'] = { batch1: await session.medianMs(batchOf(feeds, inputs, 1), LATENCY_RUNS) };
    if (typeof inputs[0]?.shape[0] === 'string') latency.batch64 = await session.medianMs(batchOf(feeds, inputs, 64), LATENCY_RUNS);
    return latency;
  } finally {
    await session.release();
  }
}

export interface ComparedSide {
  version: string;
  bytes: Uint8Array;
  metrics: FlatMetrics;
  predicted: Predicted;
  latencyMs: DerivedSide['latencyMs'];
}

const round = (value: number, digits = 6): number => Number(value.toFixed(digits));
const ratio = (a: number | undefined, b: number | undefined): number | undefined => (a === undefined || b === undefined || b <= 0 ? undefined : round(a / b, 4));

function gateInput(task: Task, metric: string, source: ComparedSide, result: ComparedSide, agreement: number): GateMeasurement {
  const from = source.metrics[metric];
  const to = result.metrics[metric];
  const primary = from !== undefined && to !== undefined ? { primary: { metric, source: from, result: to } } : {};
  const sourceAccuracy = source.metrics['accuracy'];
  const resultAccuracy = result.metrics['accuracy'];
  if (task === 'classification' && sourceAccuracy !== undefined && resultAccuracy !== undefined) return { kind: 'accuracy', source: sourceAccuracy, result: resultAccuracy, ...primary };
  return { kind: 'agreement', result: agreement, ...primary };
}

/** The comparison the version's lineage and the run's reply carry, and the gate's verdict on it. */
export function compareDerived(
  task: Task,
  metric: string,
  source: ComparedSide,
  result: ComparedSide,
  limits: GateLimits,
  names: GateNames,
  details: Record<string, unknown>,
): { comparison: DerivedComparison; verdict: GateVerdict } {
  const agreement = predictionAgreement(source.predicted, result.predicted);
  const verdict = qualityGate(gateInput(task, metric, source, result, agreement), limits, names);
  const latencyRatio: DerivedComparison['result']['latencyRatio'] = { batch1: ratio(result.latencyMs.batch1, source.latencyMs.batch1) ?? Number.NaN };
  const batch64 = ratio(result.latencyMs.batch64, source.latencyMs.batch64);
  if (batch64 !== undefined) latencyRatio.batch64 = batch64;
  const comparison: DerivedComparison = {
    source: { version: source.version, size: source.bytes.length, metrics: source.metrics, latencyMs: source.latencyMs },
    result: {
      size: result.bytes.length,
      metrics: result.metrics,
      latencyMs: result.latencyMs,
      sizeRatio: round(result.bytes.length / source.bytes.length, 4),
      latencyRatio,
      agreement: round(agreement),
      compressedSize: gzipSync(result.bytes, { level: 9 }).length,
      sourceCompressedSize: gzipSync(source.bytes, { level: 9 }).length,
    },
    details: { ...details, gate: verdict.measured },
  };
  return { comparison, verdict };
}
