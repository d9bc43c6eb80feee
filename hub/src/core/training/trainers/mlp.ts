/**
 * Multi-layer perceptron for classification and regression: dense hidden layers (relu or
 * tanh), Adam, mini-batches, L2, early stopping on validation loss with patience (the best
 * epoch's weights are kept).
 */
import { z } from 'zod';
import type { TrainedBody, Trainer } from './trainer';
import { trainSupervised } from './supervised';

export const mlpParamsSchema = z
  .object({
    /** hidden layer sizes, input side first */
    hidden: z.array(z.number().int().min(1).max(4096)).max(8).default([64]),
    activation: z.enum(['relu', 'tanh']).default('relu'),
    /** most passes over the training rows: a cap; training normally ends earlier, by `patience` */
    epochs: z.number().int().min(1).max(10_000).default(500),
    batchSize: z.number().int().min(1).default(64),
    lr: z.number().positive().default(1e-3),
    /** L2 penalty on weights (not biases): (l2/2) |W|^2 added to the mean loss */
    l2: z.number().min(0).default(1e-4),
    /** epochs without a validation-loss improvement (of at least 0.1%) before stopping; 0 = train all
     * epochs. Either way the weights of the epoch with the lowest validation loss are returned. */
    patience: z.number().int().min(0).default(10),
  })
  .strict();
export type MlpParams = z.infer<typeof mlpParamsSchema>;

export const mlpTrainer: Trainer<MlpParams> = {
  name: 'mlp',
  tasks: ['classification', 'regression'],
  paramsSchema: mlpParamsSchema,
  train(data, params, ctx): Promise<TrainedBody> {
    return trainSupervised(data, params, ctx);
  },
};
