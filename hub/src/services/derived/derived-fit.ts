/**
 * The training stage of a derived run, in the training worker:
 * - prune: the parent network read back from its ONNX file (core/pruning networkFromOnnx),
 *   pruned (structured: whole hidden units by importance; magnitude: the smallest weights), then
 *   fine-tuned on the parent's own training split, with its own preprocessing;
 * - distill: the teacher run over every row of the split (model sandbox), its scores lined up
 *   with the dataset's classes and softened at the run's temperature, and a student trained on
 *   them (mixed with the hard labels) by the run's trainer.
 * Both return the network, the params used, and the source's side of the comparison on the test
 * split (its metrics and predictions; a teacher's latency too, measured where it ran).
 */
import { readFile } from 'node:fs/promises';
import type { IoSpec } from '@edgefleet/protocol';
import { decodeModel } from '../../core/onnx';
import { applyMasks, magnitudePrune, networkFromOnnx, sparsityOf, structuredPrune } from '../../core/pruning';
import {
  classificationMetrics,
  createRandom,
  fineTuneSupervised,
  flatClassificationMetrics,
  flatRegressionMetrics,
  predictEncoded,
  regressionMetrics,
  teacherLogits,
  TrainingError,
  type DenseLayer,
  type SupervisedParams,
  type Table,
  type TrainData,
  type TrainedNetwork,
} from '../../core/training';
import type { PreparedSplit } from '../training/training-data';
import { evaluateBody, type FlatMetrics } from '../training/training-metrics';
import { fitParams, resolveParams, type FitResult } from '../training/training-fit';
import type { EncodedSets } from '../training/training-sets';
import type { DeriveSpec, EpochEntry, TrainingSpec } from '../training/training-types';
import type { Predicted } from './derived-comparison';
import { alignTeacherLogits, argmaxLogits, logitsToProbabilities, teacherClassNames } from './teacher-classes';
import { runTeacher, teacherInfo } from './teacher-run';

/** Rows whose activations rank hidden units: enough for a stable mean, cheap at any dataset size. */
const IMPORTANCE_ROWS = 2048;

export interface DerivedSource {
  bytes: Uint8Array;
  metrics: FlatMetrics;
  predicted: Predicted;
  /** measured where the teacher ran; a parent is timed beside the result later */
  latencyMs?: { batch1: number; batch64?: number };
}

export interface DerivedFit extends FitResult {
  source: DerivedSource;
  /** what the derivation did, for the log and the lineage */
  details: Record<string, unknown>;
}

type OnEpoch = (entry: EpochEntry, fraction: number) => void;
type Log = (message: string) => void;

export function predictedOf(net: Pick<TrainedNetwork, 'layers' | 'head'>, x: Float32Array, rows: number): Predicted {
  const p = predictEncoded(net, x, rows);
  if (p.kind === 'classification') return { kind: 'labels', labels: p.labels };
  if (p.kind === 'regression') return { kind: 'values', values: p.prediction };
  return { kind: 'values', values: p.score };
}

/** The parent's network, before the split is encoded: its preprocessing encodes every row of the run. */
export async function readParent(path: string): Promise<{ bytes: Uint8Array; network: TrainedNetwork }> {
  const bytes = new Uint8Array(await readFile(path));
  return { bytes, network: networkFromOnnx(decodeModel(bytes)) };
}

/** The parent run's optimiser settings (its trainer's resolved params) for fine-tuning. */
function fineTuneParams(params: Record<string, unknown>): Omit<SupervisedParams, 'hidden' | 'activation'> {
  const number = (name: string, fallback: number): number => (typeof params[name] === 'number' ? params[name] : fallback);
  return { epochs: number('epochs', 1), batchSize: number('batchSize', 64), lr: number('lr', 1e-3), l2: number('l2', 0), patience: number('patience', 0) };
}

export async function prunedFit(spec: TrainingSpec, derive: Extract<DeriveSpec, { kind: 'prune' }>, parent: { bytes: Uint8Array; network: TrainedNetwork }, sets: EncodedSets, onEpoch: OnEpoch, log: Log): Promise<DerivedFit> {
  const { network } = parent;
  const train = sets.data.train;
  const sampleRows = Math.min(train.rows, IMPORTANCE_ROWS);
  let pruned: TrainedNetwork;
  let masks: Uint8Array[] | undefined;
  const details: Record<string, unknown> = { method: derive.method, sparsity: derive.sparsity };
  if (derive.method === 'structured') {
    const result = structuredPrune(network, { x: train.x.subarray(0, sampleRows * train.width), rows: sampleRows }, { sparsity: derive.sparsity });
    pruned = result.network;
    const before = network.layers.slice(0, -1).map((l) => l.outputs);
    const after = pruned.layers.slice(0, -1).map((l) => l.outputs);
    Object.assign(details, { hiddenBefore: before, hiddenAfter: after, removedUnits: result.removed });
    log(`structured pruning: hidden units ${before.join('-')} -> ${after.join('-')} (ranked by how much each unit varies (mean |a - mean a|) x its outgoing weight norm on ${sampleRows} training rows; each removed unit's mean folded into the next bias)`);
  } else {
    const result = magnitudePrune(network, { sparsity: derive.sparsity });
    pruned = result.network;
    masks = result.masks;
    Object.assign(details, { zeroedWeights: result.zeroed });
    log(`magnitude pruning: ${result.zeroed} weights set to zero (${(derive.sparsity * 100).toFixed(1)}% of every layer's)`);
  }
  const params = resolveParams(spec.trainer, spec.params);
  const keep = masks;
  const body =
    derive.fineTuneEpochs === 0
      ? { layers: pruned.layers, head: pruned.head }
      : await fineTuneSupervised(sets.data, { layers: pruned.layers, head: pruned.head }, { ...fineTuneParams(params), epochs: derive.fineTuneEpochs }, {
          random: createRandom(spec.seed + 3),
          onEpoch: (e) => onEpoch({ epoch: e.epoch, loss: e.loss, ...(e.valLoss === undefined ? {} : { valLoss: e.valLoss }), ...(e.valMetric === undefined ? {} : { valMetric: e.valMetric }) }, e.epoch / derive.fineTuneEpochs),
          ...(keep === undefined ? {} : { afterStep: (layers: DenseLayer[]) => applyMasks(layers, keep) }),
        });
  if (masks !== undefined) details['measuredSparsity'] = Number(sparsityOf(body.layers).toFixed(4));
  return {
    body,
    params: { ...params, epochs: derive.fineTuneEpochs },
    source: { bytes: parent.bytes, metrics: evaluateBody(network, sets.test, spec.task), predicted: predictedOf(network, sets.test.x, sets.test.rows) },
    details,
  };
}

function sourceMetrics(task: TrainingSpec['task'], labels: Int32Array | Float32Array, logits: Float32Array, rows: number, width: number, classes: readonly string[] | null): FlatMetrics {
  if (task === 'regression') return flatRegressionMetrics(regressionMetrics(labels, logits));
  const k = width === 1 ? 2 : width;
  return flatClassificationMetrics(classificationMetrics(labels, logitsToProbabilities(logits, rows, width), k), classes ?? []);
}

export interface DistillInput {
  spec: TrainingSpec;
  derive: Extract<DeriveSpec, { kind: 'distill' }>;
  teacherPath: string;
  teacherIo: { inputs: IoSpec[]; outputs: IoSpec[] };
  table: Table;
  split: PreparedSplit['split'];
  sets: EncodedSets;
}

export async function distilledFit(input: DistillInput, onTeacher: (fraction: number) => void, onEpoch: OnEpoch, log: Log): Promise<DerivedFit> {
  const { spec, derive, table, split, sets } = input;
  if (spec.task === 'anomaly') throw new TrainingError('E_UNSUPPORTED_TASK', 'distillation trains classifiers and regressors', { task: spec.task });
  const bytes = new Uint8Array(await readFile(input.teacherPath));
  const rows = [...split.train, ...split.validation, ...split.test];
  // Decoded once: the feeding, the output's choice and the class names all read its metadata.
  const info = teacherInfo(bytes);
  const teacher = await runTeacher(bytes, info, input.teacherIo, table, spec.features, derive.teacherOutput, rows, split.test, onTeacher);
  const { values, width, output, feeding } = teacher.outputs;
  log(`teacher ${derive.teacher}: ${rows.length} rows fed ${feeding}; output ${output} (${width} per row)`);
  let logits = values;
  let aligned = width;
  const details: Record<string, unknown> = { teacher: derive.teacher, teacherOutput: output, temperature: derive.temperature, hardWeight: derive.hardWeight };
  if (spec.task === 'classification') {
    const converted = teacherLogits(values, rows.length, width);
    const fromMetadata = info.head !== null && (info.head.kind === 'softmax' || info.head.kind === 'sigmoid-binary') ? info.head.classes : null;
    const names = teacherClassNames(width, derive.teacherClasses, fromMetadata);
    const lined = alignTeacherLogits(converted.logits, rows.length, width, names, sets.classes ?? []);
    logits = lined.logits;
    aligned = lined.width;
    details['teacherScores'] = converted.kind;
    log(`teacher output read as ${converted.kind}; its classes ${names.slice(0, 12).join(', ')}${names.length > 12 ? ', ...' : ''} lined up with the dataset's`);
  } else if (width !== 1) {
    throw new TrainingError('E_INVALID_DATA', `a regression teacher must give one value per row; ${output} gives ${width}`, { width });
  }
  const at = (from: number, count: number): Float32Array => logits.slice(from * aligned, (from + count) * aligned);
  const nTrain = split.train.length;
  const nValidation = split.validation.length;
  const data: TrainData = { ...sets.data, teacher: { train: at(0, nTrain), validation: at(nTrain, nValidation), width: aligned, temperature: derive.temperature, hardWeight: derive.hardWeight } };
  const fit = await fitParams(data, spec, spec.params, onEpoch);
  const testLogits = at(nTrain + nValidation, split.test.length);
  const labels = sets.test.y ?? new Int32Array(0);
  const predicted: Predicted = spec.task === 'classification' ? { kind: 'labels', labels: argmaxLogits(testLogits, split.test.length, aligned) } : { kind: 'values', values: testLogits };
  return {
    ...fit,
    source: { bytes, metrics: sourceMetrics(spec.task, labels, testLogits, split.test.length, aligned, sets.classes), predicted, latencyMs: teacher.latencyMs },
    details,
  };
}
