/**
 * Pruned and distilled versions of the MNIST demo model, made the way the hub's derived runs
 * make them (hub/src/services/derived/derived-fit.ts), so the bench measures what a prune or
 * distill request would register:
 * - prune: the parent read back from its ONNX file, pruned (structured: hidden units ranked on
 *   2,048 training rows; magnitude: the smallest weights, masks re-applied after every step),
 *   then fine-tuned with the parent run's params for a few epochs;
 * - distill: the teacher run in onnxruntime over the train and validation rows, its
 *   probabilities read as logits (log p), and a student trained by the mlp trainer on them at
 *   temperature T mixed with the hard labels (early stopping on the distillation loss).
 * Every fit gets createRandom(seed + 3), as the hub's derived fits do.
 */
import { decodeModel } from '../../../hub/src/core/onnx';
import { exportNetwork } from '../../../hub/src/core/onnx/export-network';
import { applyMasks, magnitudePrune, networkFromOnnx, sparsityOf, structuredPrune } from '../../../hub/src/core/pruning';
import { quantizeDynamic } from '../../../hub/src/core/quantize/quantize-dynamic';
import { createRandom, fineTuneSupervised, teacherLogits, trainWith, type DenseLayer, type SupervisedParams, type TrainData, type TrainedBody, type TrainedNetwork } from '../../../hub/src/core/training';
import { alignTeacherLogits, teacherClassNames } from '../../../hub/src/services/derived/teacher-classes';
import type { Variant } from './mnist-bench';
import type { MnistModel } from './mnist-model';
import { openRunner } from './runtimes';

/** derived-fit.ts IMPORTANCE_ROWS: the rows whose activations rank hidden units. */
const IMPORTANCE_ROWS = 2048;
/** Rows per teacher call: bounds the tensors; the scores do not depend on it (rows are independent). */
const TEACHER_CHUNK_ROWS = 1024;
const PIXELS = 784;

export interface DerivedOptions {
  /** fine-tuning epochs after either pruning (the prune request's fineTuneEpochs) */
  pruneEpochs: number;
  /** structured: fraction of the hidden units removed */
  structuredSparsity: number;
  /** magnitude: fraction of each pruned layer's weights zeroed */
  magnitudeSparsity: number;
  studentHidden: number[];
  /** the student's epoch cap; it normally stops earlier, at the mlp trainer's default patience */
  studentEpochs: number;
  temperature: number;
  hardWeight: number;
}

const positiveInts = (text: string): number[] => text.split(',').map((part) => Number(part.trim()));

/** The bench's choices, overridable: BENCH_PRUNE_EPOCHS, BENCH_STUDENT_HIDDEN (e.g. "96" or "128,32"), BENCH_STUDENT_EPOCHS. */
export function derivedOptions(env: Record<string, string | undefined> = process.env): DerivedOptions {
  const options: DerivedOptions = {
    pruneEpochs: Number(env['BENCH_PRUNE_EPOCHS'] ?? 3),
    structuredSparsity: 0.75,
    magnitudeSparsity: 0.9,
    studentHidden: positiveInts(env['BENCH_STUDENT_HIDDEN'] ?? '64'),
    studentEpochs: Number(env['BENCH_STUDENT_EPOCHS'] ?? 30),
    temperature: 4,
    hardWeight: 0.3,
  };
  const whole = (n: number, min: number): boolean => Number.isInteger(n) && n >= min;
  if (!whole(options.pruneEpochs, 0)) throw new Error(`BENCH_PRUNE_EPOCHS: a whole number >= 0, got ${env['BENCH_PRUNE_EPOCHS']}`);
  if (!whole(options.studentEpochs, 1)) throw new Error(`BENCH_STUDENT_EPOCHS: a whole number >= 1, got ${env['BENCH_STUDENT_EPOCHS']}`);
  if (!options.studentHidden.every((n) => whole(n, 1))) throw new Error(`BENCH_STUDENT_HIDDEN: comma-separated layer sizes >= 1, got ${env['BENCH_STUDENT_HIDDEN']}`);
  return options;
}

export interface DerivedVariant extends Variant {
  /** pruning or teacher labelling plus training (quantizing, for the int8 student) */
  trainSeconds: number;
  /** how it was made, for the lines under the table */
  note: string;
}

const seconds = (started: number): number => (performance.now() - started) / 1000;
const shape = (net: Pick<TrainedNetwork, 'layers'>): string => [net.layers[0]?.inputs ?? 0, ...net.layers.map((l) => l.outputs)].join('-');

/** derived-fit.ts fineTuneParams: the parent run's optimiser settings. */
function fineTuneParams(params: Record<string, unknown>, epochs: number): Omit<SupervisedParams, 'hidden' | 'activation'> {
  const number = (name: string, fallback: number): number => (typeof params[name] === 'number' ? params[name] : fallback);
  return { epochs, batchSize: number('batchSize', 64), lr: number('lr', 1e-3), l2: number('l2', 0), patience: number('patience', 0) };
}

async function fineTune(model: MnistModel, pruned: TrainedBody, epochs: number, masks?: Uint8Array[]): Promise<TrainedBody> {
  if (epochs === 0) return pruned;
  return fineTuneSupervised(model.data, pruned, fineTuneParams(model.params, epochs), {
    random: createRandom(model.seed + 3),
    ...(masks === undefined ? {} : { afterStep: (layers: DenseLayer[]) => applyMasks(layers, masks) }),
  });
}

async function structured(model: MnistModel, parent: TrainedNetwork, options: DerivedOptions): Promise<DerivedVariant> {
  const started = performance.now();
  const train = model.data.train;
  const rows = Math.min(train.rows, IMPORTANCE_ROWS);
  const result = structuredPrune(parent, { x: train.x.subarray(0, rows * train.width), rows }, { sparsity: options.structuredSparsity });
  const body = await fineTune(model, { layers: result.network.layers, head: result.network.head }, options.pruneEpochs);
  const trainSeconds = seconds(started);
  return {
    name: 'pruned-structured',
    bytes: exportNetwork({ features: model.features, ...body }),
    foldQdq: false,
    trainSeconds,
    note: `${shape(parent)} -> ${shape(body)} (${options.structuredSparsity * 100}% of the hidden units removed, ranked on ${rows} training rows), fine-tuned ${options.pruneEpochs} epochs: ${trainSeconds.toFixed(1)} s`,
  };
}

async function magnitude(model: MnistModel, parent: TrainedNetwork, options: DerivedOptions): Promise<DerivedVariant> {
  const started = performance.now();
  const result = magnitudePrune(parent, { sparsity: options.magnitudeSparsity });
  const body = await fineTune(model, { layers: result.network.layers, head: result.network.head }, options.pruneEpochs, result.masks);
  const trainSeconds = seconds(started);
  return {
    name: 'pruned-magnitude',
    bytes: exportNetwork({ features: model.features, ...body }),
    foldQdq: false,
    trainSeconds,
    note: `${options.magnitudeSparsity * 100}% of the hidden layer's weights zeroed (output layer kept; ${(sparsityOf(body.layers) * 100).toFixed(1)}% of all weights zero), fine-tuned ${options.pruneEpochs} epochs with the mask: ${trainSeconds.toFixed(1)} s`,
  };
}

/** The teacher's class scores on the run's train then validation rows, as the student's logits. */
async function teacherOutputs(model: MnistModel, teacher: TrainedNetwork): Promise<Float32Array> {
  const runner = await openRunner('node', model.onnx);
  const rows = model.train.rows;
  const probabilities = new Float32Array(rows * 10);
  try {
    for (let start = 0; start < rows; start += TEACHER_CHUNK_ROWS) {
      const count = Math.min(TEACHER_CHUNK_ROWS, rows - start);
      const out = await runner.run({ numeric: { type: 'float32', data: model.train.x.subarray(start * PIXELS, (start + count) * PIXELS), dims: [count, PIXELS] } });
      const p = out['probabilities'];
      if (p === undefined || p.length !== count * 10) throw new Error(`teacher: expected probabilities [${count} x 10]`);
      probabilities.set(p, start * 10);
    }
  } finally {
    await runner.release();
  }
  const { logits } = teacherLogits(probabilities, rows, 10);
  // As distilledFit: the teacher's classes from its metadata lined up with the dataset's.
  const names = teacherClassNames(10, null, teacher.head.kind === 'softmax' ? teacher.head.classes : null);
  return alignTeacherLogits(logits, rows, 10, names, model.data.task === 'classification' ? model.data.classes : []).logits;
}

async function distilled(model: MnistModel, teacher: TrainedNetwork, options: DerivedOptions): Promise<DerivedVariant> {
  const started = performance.now();
  const logits = await teacherOutputs(model, teacher);
  const labelSeconds = seconds(started);
  const nTrain = model.data.train.rows;
  const nValidation = model.data.validation.rows;
  const data: TrainData = {
    ...model.data,
    teacher: { train: logits.slice(0, nTrain * 10), validation: logits.slice(nTrain * 10, (nTrain + nValidation) * 10), width: 10, temperature: options.temperature, hardWeight: options.hardWeight },
  };
  let ran = 0;
  let best = { epoch: 0, valLoss: Infinity };
  const body = await trainWith('mlp', data, { hidden: options.studentHidden, epochs: options.studentEpochs }, {
    random: createRandom(model.seed + 3),
    onEpoch: (e) => {
      ran = Math.max(ran, e.epoch);
      if (e.valLoss !== undefined && e.valLoss < best.valLoss) best = { epoch: e.epoch, valLoss: e.valLoss };
    },
  });
  const trainSeconds = seconds(started);
  return {
    name: 'distilled',
    bytes: exportNetwork({ features: model.features, ...body }),
    foldQdq: false,
    trainSeconds,
    note: `student ${shape(body)}, T = ${options.temperature}, hard-label weight ${options.hardWeight}; teacher labelled ${nTrain + nValidation} rows in ${labelSeconds.toFixed(1)} s, student ran ${ran} of at most ${options.studentEpochs} epochs (kept epoch ${best.epoch}): ${trainSeconds.toFixed(1)} s`,
  };
}

/** The derived variants in table order; the int8 student is the distilled file through the int8-dynamic quantizer. */
export async function derivedVariants(model: MnistModel, options: DerivedOptions = derivedOptions()): Promise<DerivedVariant[]> {
  const parent = networkFromOnnx(decodeModel(model.onnx));
  const pruned = [await structured(model, parent, options), await magnitude(model, parent, options)];
  const student = await distilled(model, parent, options);
  const started = performance.now();
  const int8 = quantizeDynamic(student.bytes).model;
  const quantizeSeconds = seconds(started);
  return [
    ...pruned,
    student,
    { name: 'distilled-int8', bytes: int8, foldQdq: false, trainSeconds: student.trainSeconds + quantizeSeconds, note: `the distilled student through the int8-dynamic quantizer in ${quantizeSeconds.toFixed(2)} s (after its training)` },
  ];
}
