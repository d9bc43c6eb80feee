/**
 * Linear models. Classification: logistic regression (one logit + sigmoid for two classes,
 * softmax otherwise), trained with Adam on the weighted cross-entropy + L2. Regression: ridge
 * regression solved exactly (no epochs, no randomness) on the standardised target.
 */
import { z } from 'zod';
import { forwardLayers } from '../forward';
import { allRows } from './fit-loop';
import { meanSquaredError } from './losses';
import type { TrainedBody, Trainer } from './trainer';
import { fitRidge } from './ridge';
import { trainSupervised } from './supervised';
import { checkShapes, regressionTargets, standardize, targetScale } from './task-data';

export const linearParamsSchema = z
  .object({
    /** L2 penalty: (l2/2) |W|^2 added to the mean loss */
    l2: z.number().min(0).default(1e-4),
    /** classification only: passes over the training rows */
    epochs: z.number().int().min(1).max(10_000).default(100),
    batchSize: z.number().int().min(1).default(64),
    lr: z.number().positive().default(0.01),
    /** classification only: epochs without validation improvement before stopping (0 = off) */
    patience: z.number().int().min(0).default(10),
  })
  .strict();
export type LinearParams = z.infer<typeof linearParamsSchema>;

export const linearTrainer: Trainer<LinearParams> = {
  name: 'linear',
  tasks: ['classification', 'regression'],
  paramsSchema: linearParamsSchema,
  async train(data, params, ctx): Promise<TrainedBody> {
    if (data.task !== 'regression') return trainSupervised(data, { ...params, hidden: [], activation: 'none' }, ctx);
    checkShapes(data);
    const { train } = data;
    const y = regressionTargets(train, 'train');
    const scale = targetScale(y, train.weights);
    const fit = fitRidge(train.x, train.rows, train.width, standardize(y, scale), params.l2, train.weights);
    const layer = { inputs: train.width, outputs: 1, weights: Float32Array.from(fit.beta), bias: Float32Array.of(fit.intercept), activation: 'none' as const };
    // One "epoch" report, so progress callers see the fit's loss like any other trainer's.
    const objective = meanSquaredError(standardize(y, scale), 1, train.weights);
    const loss = objective.evaluate(forwardLayers([layer], train.x, train.rows), allRows(train.rows)).loss;
    ctx.onEpoch?.({ epoch: 1, loss });
    return { layers: [layer], head: { kind: 'identity', ...scale } };
  },
};
