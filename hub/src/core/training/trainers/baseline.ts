/**
 * The bar every model must clear. Classification: always the class priors (one layer with zero
 * weights and bias = log prior, softmax head: every row gets the training class distribution,
 * so the label is the majority class). Regression: always the training mean (zero weights, bias
 * 0 on the standardised scale, identity head). Not defined for anomaly detection.
 *
 * Sample weights are ignored on purpose: the bar is the data's own prior. Balancing weights
 * (class-weights) make every weighted prior equal, so the "majority" would be whichever class
 * float rounding favours, often a rare one: a degenerate reference that any model beats on
 * accuracy and that says nothing about macro-F1. The prior is also the best constant forecast
 * in log loss, and (being constant) the calibration reference.
 */
import { z } from 'zod';
import { TrainingError } from '../training-error';
import type { DenseLayer } from '../types';
import { checkShapes, classLabels, regressionTargets, targetScale } from './task-data';
import type { TrainedBody, Trainer } from './trainer';

export const baselineParamsSchema = z.object({}).strict();
export type BaselineParams = z.infer<typeof baselineParamsSchema>;

/** Floor for a prior whose class never occurs in training (log(0) would be -Infinity). */
const MIN_PRIOR = 1e-9;

export const baselineTrainer: Trainer<BaselineParams> = {
  name: 'baseline',
  tasks: ['classification', 'regression'],
  paramsSchema: baselineParamsSchema,
  async train(data): Promise<TrainedBody> {
    checkShapes(data);
    const width = data.train.width;
    if (data.task === 'classification') {
      const k = data.classes.length;
      const y = classLabels(data.train, k, 'train');
      const counts = new Float64Array(k);
      for (const c of y) counts[c] = (counts[c] as number) + 1;
      const total = y.length;
      const bias = Float32Array.from(counts, (c) => Math.log(Math.max(MIN_PRIOR, total > 0 ? c / total : 1 / k)));
      return { layers: [zeroLayer(width, k, bias)], head: { kind: 'softmax', classes: [...data.classes] } };
    }
    if (data.task === 'regression') {
      const scale = targetScale(regressionTargets(data.train, 'train'));
      return { layers: [zeroLayer(width, 1, new Float32Array(1))], head: { kind: 'identity', ...scale } };
    }
    throw new TrainingError('E_UNSUPPORTED_TASK', 'the baseline trainer does not do anomaly detection', { task: data.task });
  },
};

const zeroLayer = (inputs: number, outputs: number, bias: Float32Array): DenseLayer => ({
  inputs,
  outputs,
  weights: new Float32Array(inputs * outputs),
  bias,
  activation: 'none',
});
