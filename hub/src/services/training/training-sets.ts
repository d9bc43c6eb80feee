/**
 * From a split table to the trainer's inputs: features fitted on the training rows only, the
 * training rows balanced (class weights or seeded oversampling), and every split encoded.
 * Randomness: `createRandom(seed + 1)` for oversampling (the split used `seed`).
 */
import {
  classWeights,
  createRandom,
  encodeTable,
  encodedWidth,
  fitFeatures,
  oversample,
  sampleWeights,
  type EncodedData,
  type FeatureSpec,
  type Table,
  type TrainData,
} from '../../core/training';
import type { PreparedSplit } from './training-data';
import type { TrainingSpec } from './training-types';

export interface EncodedSets {
  features: FeatureSpec;
  data: TrainData;
  /**
   * What the baseline is fitted on: `data` with the training rows as split, before balancing.
   * Oversampled or class-weighted rows have equal class counts, so their prior is uniform and
   * its argmax arbitrary (often a rare class): the baseline must see the data's real prior.
   */
  baselineData: TrainData;
  test: EncodedData;
  classes: string[] | null;
}

/** `given`: encode with this preprocessing instead of fitting one (a pruned run keeps its parent's). */
export function encodeSets(table: Table, prepared: PreparedSplit, spec: TrainingSpec, given?: FeatureSpec): EncodedSets {
  const { target, split } = prepared;
  const features = given ?? fitFeatures(table, spec.features, split.train);
  const width = encodedWidth(features);
  const labelsOf = (rows: readonly number[]): Int32Array | Float32Array =>
    target.task === 'regression' ? Float32Array.from(rows, (r) => target.y[r] as number) : Int32Array.from(rows, (r) => target.y[r] as number);
  const encode = (rows: readonly number[]): EncodedData => ({ rows: rows.length, width, x: encodeTable(features, table, rows), y: labelsOf(rows) });

  const oversampled = spec.balance === 'oversample' && target.task !== 'regression';
  const trainRows = oversampled ? oversample(split.train, target.y, createRandom(spec.seed + 1)) : split.train;
  const train = encode(trainRows);
  const asSplit = oversampled ? encode(split.train) : { ...train };
  if (spec.balance === 'class-weights' && target.task === 'classification' && train.y !== undefined) {
    train.weights = sampleWeights(train.y, classWeights(train.y, target.classes.length));
  }
  const validation = encode(split.validation);
  const test = encode(split.test);
  const dataWith = (rows: EncodedData): TrainData =>
    target.task === 'classification' ? { task: 'classification', classes: target.classes, train: rows, validation } : { task: target.task, train: rows, validation };
  return { features, data: dataWith(train), baselineData: dataWith(asSplit), test, classes: target.task === 'classification' ? target.classes : null };
}
