/**
 * What fp32 and int8 are compared on, and the comparison itself (onnxruntime-node, same data):
 *  - a trained version with labelled test rows: accuracy of the class scores on those rows and
 *    the run's primary metric (macro-F1 for a classifier);
 *  - an import with real inputs (its sample inputs or reference dataset, quantize-samples.ts):
 *    output agreement on them, plus accuracy and macro-F1 when the samples carry labels;
 *  - otherwise output agreement (output-agreement.ts) on synthetic inputs shaped like the probe,
 *    which the reply and the manifest say (`synthetic`);
 * plus the median latency at batch 1 and, when the model takes a batch, at batch 64.
 */
import type { IoSpec, Probe } from '@edgefleet/protocol';
import { accuracy, confusionMatrix, macroF1 } from '../../core/training/metrics';
import { outputAgreement, type Agreement, type RunOutputs } from '../../core/quantize/output-agreement';
import { primaryInput, probeLikeInputs } from '../../core/quantize/probe-like-inputs';
import { seedFromHex } from '../../core/seeded-random';
import { batchOf, batchable } from './quantize-batches';
import type { EvaluationSet } from './quantize-evaluation-set';
import type { RealSamples } from './quantize-samples';
import { numericOutputs, openSession, type Feeds } from './quantize-session';

/** Seeded probe-like samples for agreement (and calibration, which static int8 refuses) when there is no real data. */
const AGREEMENT_SAMPLES = 128;
const CALIBRATION_SAMPLES = 32;
const LATENCY_RUNS = 40;

/** What the numbers were measured on: only `synthetic` says nothing about real inputs. */
export type EvaluationData = 'test-split' | 'samples' | 'dataset' | 'synthetic';

export interface EvaluationPlan {
  /** runs compared one by one */
  runs: Feeds[];
  /** class index per row, over the rows of every run in order */
  labels: ArrayLike<number> | undefined;
  /** the gated output */
  primary: string;
  /** the metric gated beside accuracy, and how to compute it from the runs' outputs */
  primaryMetric: { name: string; score: (outputs: readonly RunOutputs[]) => Record<string, number> } | undefined;
  calibration: Feeds[];
  batch1: Feeds;
  batch64: Feeds | undefined;
  data: EvaluationData;
  notes: string[];
}

export interface Measurement {
  outputs: RunOutputs[];
  accuracy: number | undefined;
  /** the primary metric's value (and its companions) on the runs, when the plan has one */
  metrics: Record<string, number>;
  latencyMs: { batch1: number; batch64?: number; batch1FoldedQdq?: number };
}

function firstRows(feeds: Feeds, inputs: readonly IoSpec[]): Feeds {
  return batchOf(feeds, inputs, 1);
}

export function planEvaluation(io: { inputs: IoSpec[]; outputs: IoSpec[] }, probe: Probe, sha256: string, set: EvaluationSet | undefined, notes: string[], real?: RealSamples): EvaluationPlan {
  const primaryOutput = io.outputs.find((output) => output.name === 'probabilities')?.name ?? io.outputs[0]?.name ?? '';
  const takesBatch = batchable(io.inputs, primaryInput(probe.inputs) ?? io.inputs[0]?.name);
  if (set) {
    const batch1 = firstRows(set.test, io.inputs);
    return {
      runs: [set.test],
      labels: set.labels,
      primary: primaryOutput,
      primaryMetric: { name: set.metric, score: (outputs) => (outputs[0] ? set.score(outputs[0]) : {}) },
      calibration: [set.calibration],
      batch1,
      batch64: takesBatch ? batchOf(set.test, io.inputs, 64) : undefined,
      data: 'test-split',
      notes,
    };
  }
  if (real && real.runs.length > 0) {
    const batch1 = real.runs[0] ?? {};
    const labels = real.labels;
    return {
      runs: real.runs,
      labels,
      primary: primaryOutput,
      primaryMetric: labels ? { name: 'macroF1', score: (outputs) => classMetrics(outputs, primaryOutput, labels) } : undefined,
      calibration: real.calibration,
      batch1,
      batch64: takesBatch ? batchOf(batch1, io.inputs, 64) : undefined,
      data: real.source,
      notes: real.notes,
    };
  }
  const seed = seedFromHex(sha256);
  const runs = probeLikeInputs(probe.inputs, AGREEMENT_SAMPLES, seed);
  const batch1 = runs[0] ?? {};
  return {
    runs,
    labels: undefined,
    primary: primaryOutput,
    primaryMetric: undefined,
    calibration: probeLikeInputs(probe.inputs, CALIBRATION_SAMPLES, seed ^ 0x5eed),
    batch1,
    batch64: takesBatch ? batchOf(batch1, io.inputs, 64) : undefined,
    data: 'synthetic',
    notes,
  };
}

/** Argmax class of every row of the primary output, over all runs in order; undefined when it is no score matrix. */
export function predictedClasses(outputs: readonly RunOutputs[], primary: string): { predicted: Int32Array; classes: number } | undefined {
  const predicted: number[] = [];
  let classes = 0;
  for (const run of outputs) {
    const scores = run[primary];
    if (!scores || scores.dims.length !== 2) return undefined;
    const [rows = 0, width = 0] = scores.dims;
    if (width < 2) return undefined;
    classes = Math.max(classes, width);
    for (let r = 0; r < rows; r++) {
      let best = 0;
      for (let j = 1; j < width; j++) if ((scores.data[r * width + j] ?? -Infinity) > (scores.data[r * width + best] ?? -Infinity)) best = j;
      predicted.push(best);
    }
  }
  return { predicted: Int32Array.from(predicted), classes };
}

/** Accuracy and macro-F1 of the argmax class against labels (imports whose samples carry labels). */
function classMetrics(outputs: readonly RunOutputs[], primary: string, labels: ArrayLike<number>): Record<string, number> {
  const found = predictedClasses(outputs, primary);
  if (!found || found.predicted.length !== labels.length) return {};
  const classes = Math.max(found.classes, ...Array.from(labels, (label) => label + 1));
  return { accuracy: accuracy(labels, found.predicted), macroF1: macroF1(confusionMatrix(labels, found.predicted, classes)) };
}

function argmaxAccuracy(outputs: readonly RunOutputs[], primary: string, labels: ArrayLike<number>): number | undefined {
  const found = predictedClasses(outputs, primary);
  return found && found.predicted.length === labels.length ? accuracy(labels, found.predicted) : undefined;
}

/** Runs every planned input through `bytes`, then times it. */
export async function measure(bytes: Uint8Array, plan: EvaluationPlan, options: { timeFolded?: boolean } = {}): Promise<Measurement> {
  const session = await openSession(bytes);
  const outputs: RunOutputs[] = [];
  const latencyMs: Measurement['latencyMs'] = { batch1: 0 };
  try {
    for (const feeds of plan.runs) outputs.push(numericOutputs(await session.run(feeds)));
    latencyMs.batch1 = await session.medianMs(plan.batch1, LATENCY_RUNS);
    const batch64 = plan.batch64;
    if (batch64) {
      try {
        latencyMs.batch64 = await session.medianMs(batch64, LATENCY_RUNS);
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
      latencyMs.batch1FoldedQdq = await folded.medianMs(plan.batch1, LATENCY_RUNS);
    } finally {
      await folded.release();
    }
  }
  const acc = plan.labels ? argmaxAccuracy(outputs, plan.primary, plan.labels) : undefined;
  return { outputs, accuracy: acc, metrics: plan.primaryMetric?.score(outputs) ?? {}, latencyMs };
}

export const agreementOf = (source: Measurement, result: Measurement, plan: EvaluationPlan): Agreement => outputAgreement(source.outputs, result.outputs, plan.primary);
