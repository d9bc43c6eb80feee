/**
 * Gradient training of a dense stack for classification or regression, shared by the linear
 * (no hidden layer) and MLP trainers. Two classes -> one logit and a sigmoid-binary head;
 * more -> softmax. Regression fits the standardised target and the identity head undoes it.
 * With a teacher (TrainData.teacher) both splits' objectives become the distillation ones
 * (distillation.ts), so early stopping follows the distillation loss; the reported metric
 * stays the hard labels' accuracy (RMSE).
 */
import { argmaxRows } from '../forward';
import { checkTeacherOutput, softTargets } from '../teacher-targets';
import { TrainingError, invalidData } from '../training-error';
import type { Activation, DenseLayer, Head } from '../types';
import { cloneLayers, initStack } from './dense-net';
import { regressionDistillation, sigmoidDistillation, softmaxDistillation } from './distillation';
import { allRows, fitNetwork, type ValidationSet } from './fit-loop';
import { meanSquaredError, sigmoidCrossEntropy, softmaxCrossEntropy, type Objective } from './losses';
import { checkShapes, classLabels, regressionTargets, standardize, targetScale } from './task-data';
import type { TeacherOutputs, TrainContext, TrainData, TrainedBody } from './trainer';

export interface SupervisedParams {
  hidden: readonly number[];
  activation: Activation;
  epochs: number;
  batchSize: number;
  lr: number;
  l2: number;
  patience: number;
}

/** The teacher's outputs fit the student's head (`outputs` per row) and both splits' rows. */
function checkTeacher(teacher: TeacherOutputs, outputs: number, data: TrainData): void {
  if (teacher.width !== outputs) {
    throw invalidData(`teacher gives ${teacher.width} output(s) per row, the student's head has ${outputs}`, { teacherWidth: teacher.width, studentOutputs: outputs });
  }
  checkTeacherOutput(teacher.train, data.train.rows, outputs, 'teacher train');
  checkTeacherOutput(teacher.validation, data.validation.rows, outputs, 'teacher validation');
}

/** What a supervised fit optimises: the head, the last layer's width, the objectives and the validation metric. */
interface SupervisedSetup {
  head: Head;
  outputs: number;
  objectives: { train: Objective; validation: Objective };
  metric: ((out: Float32Array) => number) | undefined;
}

export async function trainSupervised(data: TrainData, params: SupervisedParams, ctx: TrainContext): Promise<TrainedBody> {
  const setup = supervisedSetup(data);
  const layers = initStack([data.train.width, ...params.hidden, setup.outputs], params.activation, ctx.random);
  return { layers: await fitSupervised(data, layers, setup, params, ctx), head: setup.head };
}

/**
 * Continues training an existing body (a pruned network) on `data` with the same objectives a
 * fresh fit would use; `afterStep` runs after every optimiser step (pruning re-applies its mask).
 * The body's head is kept: its last layer already fits it.
 */
export async function fineTuneSupervised(
  data: TrainData,
  body: TrainedBody,
  params: Omit<SupervisedParams, 'hidden' | 'activation'>,
  ctx: TrainContext & { afterStep?: (layers: DenseLayer[]) => void },
): Promise<TrainedBody> {
  const setup = supervisedSetup(data);
  const last = body.layers.at(-1);
  if (last === undefined || last.outputs !== setup.outputs) throw new TrainingError('E_INVALID_DATA', `the network gives ${last?.outputs ?? 0} outputs; the data needs ${setup.outputs}`, { outputs: last?.outputs ?? 0, needed: setup.outputs });
  if (body.layers[0]?.inputs !== data.train.width) throw new TrainingError('E_INVALID_DATA', `the network takes ${body.layers[0]?.inputs ?? 0} encoded features; the data has ${data.train.width}`, { inputs: body.layers[0]?.inputs ?? 0, width: data.train.width });
  const layers = cloneLayers(body.layers);
  const { afterStep } = ctx;
  return { layers: await fitSupervised(data, layers, setup, params, ctx, afterStep === undefined ? undefined : () => afterStep(layers)), head: body.head };
}

async function fitSupervised(data: TrainData, layers: DenseLayer[], setup: SupervisedSetup, params: Omit<SupervisedParams, 'hidden' | 'activation'>, ctx: TrainContext, afterStep?: () => void): Promise<DenseLayer[]> {
  const { train, validation } = data;
  const validationSet: ValidationSet = { x: validation.x, width: validation.width, rows: allRows(validation.rows), objective: setup.objectives.validation, metric: setup.metric };
  return fitNetwork({
    layers,
    train: { x: train.x, width: train.width, rows: allRows(train.rows), objective: setup.objectives.train },
    validation: validationSet,
    epochs: params.epochs,
    batchSize: params.batchSize,
    lr: params.lr,
    l2: params.l2,
    patience: params.patience,
    ctx,
    ...(afterStep === undefined ? {} : { afterStep }),
  });
}

function supervisedSetup(data: TrainData): SupervisedSetup {
  checkShapes(data);
  const { train, validation } = data;
  let head: Head;
  let outputs: number;
  let objectives: { train: Objective; validation: Objective };
  let metric: ((out: Float32Array) => number) | undefined;

  if (data.task === 'classification') {
    const k = data.classes.length;
    if (k < 2) throw new TrainingError('E_INVALID_DATA', 'classification needs at least two classes', { classes: k });
    const yTrain = classLabels(train, k, 'train');
    const yVal = validation.rows > 0 ? classLabels(validation, k, 'validation') : new Int32Array(0);
    const binary = k === 2;
    outputs = binary ? 1 : k;
    head = binary ? { kind: 'sigmoid-binary', classes: [data.classes[0] as string, data.classes[1] as string] } : { kind: 'softmax', classes: [...data.classes] };
    const teacher = data.teacher;
    if (teacher !== undefined) {
      checkTeacher(teacher, outputs, data);
      const { temperature, hardWeight } = teacher;
      const objective = (logits: Float32Array, hard: Int32Array, weights: Float32Array | undefined): Objective => {
        const soft = softTargets(logits, hard.length, outputs, temperature);
        return binary ? sigmoidDistillation({ soft, temperature, hard, hardWeight, weights }) : softmaxDistillation({ soft, classes: k, temperature, hard, hardWeight, weights });
      };
      objectives = { train: objective(teacher.train, yTrain, train.weights), validation: objective(teacher.validation, yVal, validation.weights) };
    } else {
      objectives = binary
        ? { train: sigmoidCrossEntropy(yTrain, train.weights), validation: sigmoidCrossEntropy(yVal, validation.weights) }
        : { train: softmaxCrossEntropy(yTrain, k, train.weights), validation: softmaxCrossEntropy(yVal, k, validation.weights) };
    }
    metric = (out) => {
      const labels = binary ? Int32Array.from(out, (z) => (z > 0 ? 1 : 0)) : argmaxRows(out, validation.rows, k);
      let hits = 0;
      labels.forEach((label, i) => {
        if (label === yVal[i]) hits++;
      });
      return validation.rows > 0 ? hits / validation.rows : Number.NaN;
    };
  } else if (data.task === 'regression') {
    const yTrain = regressionTargets(train, 'train');
    const scale = targetScale(yTrain, train.weights);
    const yVal = validation.rows > 0 ? regressionTargets(validation, 'validation') : new Float32Array(0);
    outputs = 1;
    head = { kind: 'identity', ...scale };
    const teacher = data.teacher;
    if (teacher !== undefined) {
      checkTeacher(teacher, 1, data);
      // The teacher predicts in target units; the student fits the standardised target, so both are standardised alike.
      const objective = (prediction: Float32Array, y: Float32Array, weights: Float32Array | undefined): Objective =>
        regressionDistillation({ teacher: standardize(prediction, scale), target: standardize(y, scale), hardWeight: teacher.hardWeight, weights });
      objectives = { train: objective(teacher.train, yTrain, train.weights), validation: objective(teacher.validation, yVal, validation.weights) };
    } else {
      objectives = {
        train: meanSquaredError(standardize(yTrain, scale), 1, train.weights),
        validation: meanSquaredError(standardize(yVal, scale), 1, validation.weights),
      };
    }
    metric = (out) => {
      let ss = 0;
      out.forEach((z, i) => {
        ss += (z * scale.targetSd + scale.targetMean - (yVal[i] as number)) ** 2;
      });
      return Math.sqrt(ss / Math.max(1, validation.rows));
    };
  } else {
    const message = data.teacher !== undefined ? 'distillation needs classification or regression' : 'use the autoencoder trainer for anomaly detection';
    throw new TrainingError('E_UNSUPPORTED_TASK', message, { task: data.task });
  }

  return { head, outputs, objectives, metric };
}
