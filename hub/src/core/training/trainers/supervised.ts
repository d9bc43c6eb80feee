/**
 * Gradient training of a dense stack for classification or regression, shared by the linear
 * (no hidden layer) and MLP trainers. Two classes -> one logit and a sigmoid-binary head;
 * more -> softmax. Regression fits the standardised target and the identity head undoes it.
 */
import { argmaxRows } from '../forward';
import { TrainingError } from '../training-error';
import type { Activation, Head } from '../types';
import { initStack } from './dense-net';
import { allRows, fitNetwork, type ValidationSet } from './fit-loop';
import { meanSquaredError, sigmoidCrossEntropy, softmaxCrossEntropy, type Objective } from './losses';
import { checkShapes, classLabels, regressionTargets, standardize, targetScale } from './task-data';
import type { TrainContext, TrainData, TrainedBody } from './trainer';

export interface SupervisedParams {
  hidden: readonly number[];
  activation: Activation;
  epochs: number;
  batchSize: number;
  lr: number;
  l2: number;
  patience: number;
}

export async function trainSupervised(data: TrainData, params: SupervisedParams, ctx: TrainContext): Promise<TrainedBody> {
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
    objectives = binary
      ? { train: sigmoidCrossEntropy(yTrain, train.weights), validation: sigmoidCrossEntropy(yVal, validation.weights) }
      : { train: softmaxCrossEntropy(yTrain, k, train.weights), validation: softmaxCrossEntropy(yVal, k, validation.weights) };
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
    objectives = {
      train: meanSquaredError(standardize(yTrain, scale), 1, train.weights),
      validation: meanSquaredError(standardize(yVal, scale), 1, validation.weights),
    };
    metric = (out) => {
      let ss = 0;
      out.forEach((z, i) => {
        ss += (z * scale.targetSd + scale.targetMean - (yVal[i] as number)) ** 2;
      });
      return Math.sqrt(ss / Math.max(1, validation.rows));
    };
  } else {
    throw new TrainingError('E_UNSUPPORTED_TASK', 'use the autoencoder trainer for anomaly detection', { task: data.task });
  }

  const layers = initStack([train.width, ...params.hidden, outputs], params.activation, ctx.random);
  const validationSet: ValidationSet = { x: validation.x, width: validation.width, rows: allRows(validation.rows), objective: objectives.validation, metric };
  const best = await fitNetwork({
    layers,
    train: { x: train.x, width: train.width, rows: allRows(train.rows), objective: objectives.train },
    validation: validationSet,
    epochs: params.epochs,
    batchSize: params.batchSize,
    lr: params.lr,
    l2: params.l2,
    patience: params.patience,
    ctx,
  });
  return { layers: best, head };
}
