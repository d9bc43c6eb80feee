/**
 * The one interface every trainer sits behind (ML.md "Training in TypeScript"): a name, the
 * tasks it handles, a zod schema for its params (with defaults), and a seeded, abortable train.
 */
import type { z } from 'zod';
import type { Random } from '../random';
import type { EncodedData, TrainedNetwork, Task } from '../types';

/**
 * Encoded train and validation rows, with what a trainer must know beyond them: the task and,
 * for classification, the class names (y holds indices into them). For anomaly detection y is
 * optional: when present it holds 0/1 labels (1 = anomaly) used to drop anomalies from
 * training and to choose the threshold.
 */
export type TrainData = (
  | { task: 'classification'; classes: string[]; train: EncodedData; validation: EncodedData }
  | { task: 'regression'; train: EncodedData; validation: EncodedData }
  | { task: 'anomaly'; train: EncodedData; validation: EncodedData }
) & { teacher?: TeacherOutputs };

/**
 * A teacher's outputs for knowledge distillation (supervised trainers only), row-aligned with
 * train and validation, row-major [rows x width]. Classification: the teacher's logits, one per
 * student output (K for softmax, 1 for a binary head), softened at `temperature`. Regression:
 * the teacher's prediction in target units (width 1; the student standardises it like its
 * target; temperature unused). The validation rows' distillation loss drives early stopping.
 */
export interface TeacherOutputs {
  train: Float32Array;
  validation: Float32Array;
  width: number;
  temperature: number;
  /** in [0, 1]: the hard labels' share of the loss; 0 = the teacher alone */
  hardWeight: number;
}

export interface EpochReport {
  /** 1-based */
  epoch: number;
  /** weighted mean training loss of the epoch (without the L2 penalty) */
  loss: number;
  valLoss?: number;
  /** classification: validation accuracy; regression: validation RMSE in target units */
  valMetric?: number;
}

export interface TrainContext {
  random: Random;
  /** checked between batches; an aborted run throws TrainingError 'E_ABORTED' */
  signal?: AbortSignal;
  onEpoch?(report: EpochReport): void;
}

/** A trained network without its preprocessing: the caller adds the FeatureSpec it encoded with. */
export type TrainedBody = Omit<TrainedNetwork, 'features'>;

export interface Trainer<P> {
  readonly name: string;
  readonly tasks: readonly Task[];
  /** parses user params, filling defaults: `paramsSchema.parse({})` is a valid P */
  readonly paramsSchema: z.ZodType<P>;
  train(data: TrainData, params: P, ctx: TrainContext): Promise<TrainedBody>;
}
