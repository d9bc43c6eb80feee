/** Every trainer by name, behind the one Trainer interface. */
export { TRAINERS, isTrainerName, runTrainer, trainWith, type TrainerName } from './train-with';

export { autoencoderParamsSchema, autoencoderTrainer, type AutoencoderParams } from './autoencoder';
export { baselineParamsSchema, baselineTrainer, type BaselineParams } from './baseline';
export { linearParamsSchema, linearTrainer, type LinearParams } from './linear';
export { mlpParamsSchema, mlpTrainer, type MlpParams } from './mlp';
export { f1OptimalThreshold, quantileThreshold } from './anomaly-threshold';
export type { EpochReport, TrainContext, TrainData, TrainedBody, Trainer } from './trainer';
export { fineTuneSupervised, type SupervisedParams } from './supervised';
