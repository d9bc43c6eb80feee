/**
 * Training by trainer name with raw (user-supplied) params: the params are parsed with the
 * trainer's schema (defaults filled, unknown keys rejected) and the task is checked against
 * what the trainer supports, both as typed TrainingErrors.
 */
import { TrainingError } from '../training-error';
import { autoencoderTrainer } from './autoencoder';
import { baselineTrainer } from './baseline';
import { linearTrainer } from './linear';
import { mlpTrainer } from './mlp';
import type { TrainContext, TrainData, TrainedBody, Trainer } from './trainer';

export const TRAINERS = {
  baseline: baselineTrainer,
  linear: linearTrainer,
  mlp: mlpTrainer,
  autoencoder: autoencoderTrainer,
} as const;
export type TrainerName = keyof typeof TRAINERS;

export const isTrainerName = (name: string): name is TrainerName => Object.hasOwn(TRAINERS, name);

export async function runTrainer<P>(trainer: Trainer<P>, data: TrainData, rawParams: unknown, ctx: TrainContext): Promise<TrainedBody> {
  if (!trainer.tasks.includes(data.task)) {
    throw new TrainingError('E_UNSUPPORTED_TASK', `trainer "${trainer.name}" does not do ${data.task}`, { trainer: trainer.name, task: data.task });
  }
  const parsed = trainer.paramsSchema.safeParse(rawParams ?? {});
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TrainingError('E_INVALID_PARAMS', `trainer "${trainer.name}": invalid params: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(), { trainer: trainer.name }, { cause: parsed.error });
  }
  return trainer.train(data, parsed.data, ctx);
}

export async function trainWith(name: TrainerName, data: TrainData, rawParams: unknown, ctx: TrainContext): Promise<TrainedBody> {
  switch (name) {
    case 'baseline':
      return runTrainer(TRAINERS.baseline, data, rawParams, ctx);
    case 'linear':
      return runTrainer(TRAINERS.linear, data, rawParams, ctx);
    case 'mlp':
      return runTrainer(TRAINERS.mlp, data, rawParams, ctx);
    case 'autoencoder':
      return runTrainer(TRAINERS.autoencoder, data, rawParams, ctx);
  }
}
