/**
 * POST /api/v1/models/{model}/versions/{version}/distill: a run that trains a student on the
 * teacher's soft targets over a dataset. The teacher is any registered version (an upload too:
 * it runs in the model sandbox); the student is an ordinary training request (dataset, target,
 * features, trainer and its params, split, seed) checked exactly as POST /training-runs checks
 * one, and exported like every trained model: preprocessing in the graph, drift reference and
 * probe from the run's rows.
 */
import { z } from 'zod';
import { modelNameSchema, sha256Schema, versionLabelSchema } from '@edgefleet/protocol';
import { HubError } from '../../core/errors';
import { NUMERIC_INPUT } from '../../core/onnx';
import type { HubContext } from '../context';
import { loadSourceVersion } from '../quantize/quantize-source';
import { resolveTrainingRequest } from '../training/training-request';
import { teacherInfo } from './teacher-run';
import { balanceSchema, splitSchema, type TrainingSpec } from '../training/training-types';

export const distillRequestSchema = z.strictObject({
  dataset: sha256Schema.describe('the dataset the teacher labels (id)'),
  target: z.string().min(1).max(256).describe('the label column: hard labels, and what accuracy is measured against'),
  task: z.enum(['classification', 'regression']).default('classification'),
  features: z.array(z.string().min(1)).min(1).max(2000).optional().describe("feature columns; default the teacher's own (a teacher a training run exported), else every column but the target"),
  trainer: z.enum(['mlp', 'linear']).default('mlp').describe('the student'),
  params: z.record(z.string(), z.unknown()).default({}).describe("the student trainer's params (mlp: hidden sizes, epochs, ...)"),
  temperature: z.number().min(1).max(50).default(4).describe('softens the teacher\'s scores: higher shows more of how it ranks the wrong classes'),
  hardWeight: z.number().min(0).max(1).default(0.3).describe('weight of the hard labels in the loss; 0 = the teacher alone'),
  teacherOutput: z.string().min(1).max(256).optional().describe("the teacher output holding class scores (probabilities or logits) or the prediction; default chosen from the graph"),
  teacherClasses: z.array(z.string().min(1).max(256)).min(2).max(10_000).optional().describe('the teacher\'s class names in output order; default its metadata, else "0".."K-1"'),
  split: splitSchema.optional(),
  balance: balanceSchema.exclude(['oversample']).default('none').describe('oversampling repeats rows the teacher labelled once: not offered'),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
  model: modelNameSchema.optional().describe("model to register the student under; default the teacher's"),
  version: versionLabelSchema.optional(),
  maxAccuracyLossPp: z.number().min(0).max(100).default(2).describe("largest accuracy loss against the teacher on the run's test rows, in percentage points"),
  maxMetricLossPp: z.number().min(0).max(100).default(3).describe('largest loss of the primary metric against the teacher'),
  minAgreement: z.number().min(0).max(1).default(0.9).describe('regression: smallest share of test rows where student and teacher agree within 2%'),
});
export type DistillRequest = z.infer<typeof distillRequestSchema>;

/** The feature names a teacher exported by a training run takes, in order; null for any other model. */
function teacherFeatures(bytes: Uint8Array, inputs: readonly { name: string }[]): string[] | null {
  if (!inputs.some((input) => input.name === NUMERIC_INPUT)) return null;
  const names = teacherInfo(bytes).features;
  return names === null ? null : [...names.numeric, ...names.categorical];
}

export async function resolveDistillRequest(ctx: Pick<HubContext, 'db' | 'artifacts'>, model: string, version: string, request: DistillRequest): Promise<TrainingSpec> {
  // Ridge regression is solved in closed form on the labels: it would ignore the teacher.
  if (request.trainer === 'linear' && request.task === 'regression') throw new HubError('E_VALIDATION', 'trainer: a linear regression student is fitted in closed form on the labels alone; use trainer "mlp" (hidden: [] for a linear student)', { details: [{ path: 'trainer', message: 'linear regression cannot learn from a teacher' }] });
  const teacher = await loadSourceVersion(ctx, model, version);
  const name = `${model}@${teacher.manifest.version}`;
  const output = request.teacherOutput;
  if (output !== undefined && !teacher.manifest.io.outputs.some((o) => o.name === output)) {
    throw new HubError('E_VALIDATION', `teacherOutput: ${name} has no output "${output}" (it has ${teacher.manifest.io.outputs.map((o) => o.name).join(', ')})`, { details: [{ path: 'teacherOutput', message: 'not an output of the teacher' }] });
  }
  const features = request.features ?? teacherFeatures(teacher.bytes, teacher.manifest.io.inputs) ?? undefined;
  const spec = await resolveTrainingRequest(ctx, {
    dataset: request.dataset,
    target: request.target,
    task: request.task,
    trainer: request.trainer,
    params: request.params,
    ...(features === undefined ? {} : { features }),
    ...(request.split === undefined ? {} : { split: request.split }),
    balance: request.balance,
    seed: request.seed,
    model: request.model ?? model,
    ...(request.version === undefined ? {} : { version: request.version }),
    register: true,
  });
  return {
    ...spec,
    derive: {
      kind: 'distill',
      teacher: name,
      teacherSha256: teacher.row.sha256,
      teacherOutput: output ?? null,
      teacherClasses: request.teacherClasses ?? null,
      temperature: request.temperature,
      hardWeight: request.hardWeight,
      gate: { maxAccuracyLossPp: request.maxAccuracyLossPp, maxMetricLossPp: request.maxMetricLossPp, minAgreement: request.minAgreement },
    },
  };
}
