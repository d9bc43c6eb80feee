/**
 * Anomaly detection by reconstruction: a dense encoder-decoder (width -> hidden... ->
 * bottleneck -> ...hidden reversed -> width) learns to reproduce the encoded features of normal
 * rows; the score of a row is its mean squared reconstruction error. When the training rows
 * carry labels (y = 1 anomaly), the anomalies are left out of training. The threshold is then
 * chosen on validation scores (see anomaly-threshold.ts): F1-optimal when validation labels
 * include anomalies, else the `thresholdQuantile` of the normal validation rows' scores.
 */
import { z } from 'zod';
import { forwardLayers, reconstructionScores } from '../forward';
import { TrainingError } from '../training-error';
import type { EncodedData } from '../types';
import { initStack } from './dense-net';
import { allRows, fitNetwork, gather } from './fit-loop';
import { meanSquaredError } from './losses';
import { checkShapes } from './task-data';
import { f1OptimalThreshold, quantileThreshold } from './anomaly-threshold';
import type { TrainedBody, Trainer } from './trainer';

export const autoencoderParamsSchema = z
  .object({
    /** encoder hidden sizes before the bottleneck; the decoder mirrors them */
    hidden: z.array(z.number().int().min(1).max(4096)).max(4).default([16]),
    /** code size; default: half the encoded width, at least 1. Must be below the width. */
    bottleneck: z.number().int().min(1).optional(),
    activation: z.enum(['relu', 'tanh']).default('tanh'),
    /** most passes over the normal training rows: a cap; training normally ends earlier, by `patience` */
    epochs: z.number().int().min(1).max(10_000).default(500),
    batchSize: z.number().int().min(1).default(64),
    lr: z.number().positive().default(1e-3),
    l2: z.number().min(0).default(0),
    /** epochs without a validation-loss improvement (of at least 0.1%) before stopping; 0 = train all epochs */
    patience: z.number().int().min(0).default(10),
    /** quantile of normal validation scores used as threshold when no anomaly labels exist */
    thresholdQuantile: z.number().min(0).max(1).default(0.99),
  })
  .strict();
export type AutoencoderParams = z.infer<typeof autoencoderParamsSchema>;

/** Row indices whose label is not 1 (all rows when there are no labels). */
function normalRows(set: EncodedData): Int32Array {
  const rows: number[] = [];
  for (let r = 0; r < set.rows; r++) if (set.y === undefined || set.y[r] !== 1) rows.push(r);
  return Int32Array.from(rows);
}

export const autoencoderTrainer: Trainer<AutoencoderParams> = {
  name: 'autoencoder',
  tasks: ['anomaly'],
  paramsSchema: autoencoderParamsSchema,
  async train(data, params, ctx): Promise<TrainedBody> {
    if (data.task !== 'anomaly') throw new TrainingError('E_UNSUPPORTED_TASK', 'the autoencoder only does anomaly detection', { task: data.task });
    checkShapes(data);
    const { train, validation } = data;
    const width = train.width;
    const bottleneck = params.bottleneck ?? Math.max(1, Math.floor(width / 2));
    if (bottleneck >= width) {
      throw new TrainingError('E_INVALID_PARAMS', `bottleneck ${bottleneck} must be smaller than the encoded width ${width}`, { bottleneck, width });
    }
    const trainRows = normalRows(train);
    if (trainRows.length === 0) throw new TrainingError('E_INVALID_DATA', 'no normal training rows');
    const valNormal = normalRows(validation);
    const layers = initStack([width, ...params.hidden, bottleneck, ...[...params.hidden].reverse(), width], params.activation, ctx.random);
    const best = await fitNetwork({
      layers,
      train: { x: train.x, width, rows: trainRows, objective: meanSquaredError(train.x, width, train.weights) },
      validation: { x: validation.x, width, rows: valNormal, objective: meanSquaredError(validation.x, width, validation.weights) },
      epochs: params.epochs,
      batchSize: params.batchSize,
      lr: params.lr,
      l2: params.l2,
      patience: params.patience,
      ctx,
    });

    const scoresOf = (set: EncodedData, rows: Int32Array): Float32Array => {
      const x = gather(set.x, width, rows);
      return reconstructionScores(x, forwardLayers(best, x, rows.length), rows.length, width);
    };
    const labelled = validation.y !== undefined && validation.y.some((v) => v === 1);
    let threshold = labelled && validation.y !== undefined ? f1OptimalThreshold(scoresOf(validation, allRows(validation.rows)), validation.y).threshold : Number.NaN;
    if (!Number.isFinite(threshold)) {
      // No labelled anomalies to tune on: a quantile of the normal rows' scores (training rows if validation is empty).
      threshold = quantileThreshold(valNormal.length > 0 ? scoresOf(validation, valNormal) : scoresOf(train, trainRows), params.thresholdQuantile);
    }
    return { layers: best, head: { kind: 'reconstruction', threshold: Math.fround(threshold) } };
  },
};
