/** Training: the pure math of the model lifecycle (randomness, splits, features, trainers, metrics, search). */
export * from './types';
export { createRandom, type Random } from './random';
export { TRAINING_ERROR_CODES, TrainingError, throwIfAborted, type TrainingErrorCode } from './training-error';
export { DEFAULT_FRACTIONS, allocate, classWeights, oversample, sampleWeights, splitRows, type RowSplit, type SplitFractions, type SplitOptions } from './split';
export { FEATURE_DEFAULTS, encodeTable, fitFeatures, type FitFeaturesOptions } from './features';
export { rowsWithTarget, targetOf, type Target, type TargetOptions } from './target';
export { argmaxRows, denseForward, forwardLayers, predictEncoded, reconstructionScores, softmaxRows, type NetworkBody, type Prediction } from './forward';
export * from './metrics';
export * from './flat-metrics';
export * from './search';
export * from './trainers';
export { MIN_PROBABILITY, checkTeacherOutput, softTargets, teacherLogits, type TeacherOutputKind } from './teacher-targets';
export {
  regressionDistillation,
  sigmoidDistillation,
  softmaxDistillation,
  type RegressionDistillationOptions,
  type SigmoidDistillationOptions,
  type SoftmaxDistillationOptions,
} from './trainers/distillation';
export type { Objective } from './trainers/losses';
export type { TeacherOutputs } from './trainers/trainer';
