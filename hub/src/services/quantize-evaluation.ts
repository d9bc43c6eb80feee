/**
 * What fp32 and int8 are compared on, and the comparison itself (onnxruntime-node, same data):
 *  - a trained version with labelled test rows: accuracy of the class scores on those rows;
 *  - otherwise output agreement (output-agreement.ts) on seeded probe-like inputs, or on the
 *    test rows when they carry no class labels;
 * plus the median latency at batch 1 and, when the model takes a batch, at batch 64.
 */
import type { IoSpec, Probe } from '@edgefleet/protocol';
import { accuracy } from '../core/training/metrics';
import { outputAgreement, type Agreement, type RunOutputs } from '../core/quantize/output-agreement';
import { primaryInput, probeLikeInputs } from '../core/quantize/probe-like-inputs';
import { seedFromHex } from '../core/seeded-random';
import { batchOf, batchable } from './quantize-batches';
import type { EvaluationSet } from './quantize-evaluation-set';
import { medianMs, numericOutputs, openSession, type Feeds } from './quantize-session';

/** Seeded probe-like samples for agreement, and for calibration when there is no training data. */
const AGREEMENT_SAMPLES = 128;
const CALIBRATION_SAMPLES = 32;
const LATENCY_RUNS = 40;

export interface EvaluationPlan {
  /** runs compared one by one */
  runs: Feeds[];
  /** class index per row of the (single) labelled run */
  labels: ArrayLike<number> | undefined;
  /** the gated output */
  primary: string;
  calibration: Feeds[];
  batch1: Feeds;
  batch64: Feeds | undefined;
  data: 'test-split' | 'probe-like';
  notes: string[];
}

export interface Measurement {
  outputs: RunOutputs[];
  accuracy: number | undefined;
  latencyMs: { batch1: number; batch64?: number; batch1FoldedQdq?: number };
}

function firstRows(feeds: Feeds, inputs: readonly IoSpec[]): Feeds {
  return batchOf(feeds, inputs, 1);
}

export function planEvaluation(io: { inputs: IoSpec[]; outputs: IoSpec[] }, probe: Probe, sha256: string, set: EvaluationSet | undefined, notes: string[]): EvaluationPlan {
  const primaryOutput = io.outputs.find((output) => output.name === 'probabilities')?.name ?? io.outputs[0]?.name ?? '';
  const takesBatch = batchable(io.inputs, primaryInput(probe.inputs) ?? io.inputs[0]?.name);
  if (set) {
    const batch1 = firstRows(set.test, io.inputs);
    return {
      runs: [set.test],
      labels: set.labels,
      primary: primaryOutput,
      calibration: [set.calibration],
      batch1,
      batch64: takesBatch ? batchOf(set.test, io.inputs, 64) : undefined,
      data: 'test-split',
      notes,
    };
  }
  const seed = seedFromHex(sha256);
  const runs = probeLikeInputs(probe.inputs, AGREEMENT_SAMPLES, seed);
  const batch1 = runs[0] ?? {};
  return {
    runs,
    labels: undefined,
    primary: primaryOutput,
    calibration: probeLikeInputs(probe.inputs, CALIBRATION_SAMPLES, seed ^ 0x5eed),
    batch1,
    batch64: takesBatch ? batchOf(batch1, io.inputs, 64) : undefined,
    data: 'probe-like',
    notes,
  };
}

function argmaxAccuracy(outputs: RunOutputs, primary: string, labels: ArrayLike<number>): number | undefined {
  const scores = outputs[primary];
  if (!scores || scores.dims.length !== 2) return undefined;
  const [rows = 0, width = 0] = scores.dims;
  if (width < 2 || rows !== labels.length) return undefined;
  const predicted = new Int32Array(rows);
  for (let r = 0; r < rows; r++) {
    let best = 0;
    for (let j = 1; j < width; j++) if ((scores.data[r * width + j] ?? -Infinity) > (scores.data[r * width + best] ?? -Infinity)) best = j;
    predicted[r] = best;
  }
  return accuracy(labels, predicted);
}

/** Runs every planned input through `bytes`, then times it. */
export async function measure(bytes: Uint8Array, plan: EvaluationPlan, options: { timeFolded?: boolean } = {}): Promise<Measurement> {
  const session = await openSession(bytes);
  const outputs: RunOutputs[] = [];
  const latencyMs: Measurement['latencyMs'] = { batch1: 0 };
  try {
    for (const feeds of plan.runs) outputs.push(numericOutputs(await session.run(feeds)));
    latencyMs.batch1 = await medianMs(() => session.run(plan.batch1), LATENCY_RUNS);
    const batch64 = plan.batch64;
    if (batch64) {
      try {
        latencyMs.batch64 = await medianMs(() => session.run(batch64), LATENCY_RUNS);
      } catch {
        // Some graphs declare a symbolic first dim yet tie it to other inputs (Silero's state): no batch-64 figure then.
      }
    }
  } finally {
    await session.release();
  }
  if (options.timeFolded) {
    const folded = await openSession(bytes, { foldQdq: true });
    try {
      latencyMs.batch1FoldedQdq = await medianMs(() => folded.run(plan.batch1), LATENCY_RUNS);
    } finally {
      await folded.release();
    }
  }
  const first = outputs[0];
  const acc = plan.labels && first ? argmaxAccuracy(first, plan.primary, plan.labels) : undefined;
  return { outputs, accuracy: acc, latencyMs };
}

export const agreementOf = (source: Measurement, result: Measurement, plan: EvaluationPlan): Agreement => outputAgreement(source.outputs, result.outputs, plan.primary);
