/**
 * POST /api/v1/training-runs bodies: the zod schema (shape), then the checks that need the
 * dataset (columns exist, trainer fits the task, params parse, metric fits the task), each a
 * 400 naming the field, resolved into the TrainingSpec a run stores and executes.
 */
import { z } from 'zod';
import { modelNameSchema, sha256Schema, versionLabelSchema } from '@edgefleet/protocol';
import { conflict, validation } from '../../core/errors';
import { DEFAULT_FRACTIONS, TRAINERS, createRandom, gridPoints, sampleParams, type GridSpace, type RandomSpace } from '../../core/training';
import { getDataset } from '../../adapters/db/datasets';
import { versionExists } from '../../adapters/db/models';
import type { HubContext } from '../context';
import { usableDatasetRow } from '../lifecycle/datasets';
import {
  DEFAULT_TRAINER,
  TASK_METRICS,
  balanceSchema,
  datasetColumnsSchema,
  searchDimensionSchema,
  searchMetricSchema,
  splitSchema,
  taskSchema,
  trainerNameSchema,
  type TrainingSpec,
} from './training-types';

/** Most trials one search may run. */
export const MAX_TRIALS = 100;

export const trainingRequestSchema = z.strictObject({
  dataset: sha256Schema.describe('dataset id (sha256)'),
  target: z.string().min(1).max(256).describe('the column to predict (anomaly: the 0/1 label column)'),
  task: taskSchema,
  trainer: trainerNameSchema.optional().describe('default: mlp for classification and regression, autoencoder for anomaly'),
  params: z.record(z.string(), z.unknown()).default({}).describe("the trainer's params (defaults filled)"),
  search: z
    .strictObject({
      kind: z.enum(['grid', 'random']),
      space: z.record(z.string(), searchDimensionSchema).refine((s) => Object.keys(s).length > 0, 'at least one parameter'),
      trials: z.number().int().min(1).max(MAX_TRIALS).optional().describe('random search: how many samples (default 10)'),
      metric: searchMetricSchema.describe('validation metric to choose by'),
    })
    .refine((s) => s.kind === 'random' || Object.values(s.space).every(Array.isArray), { message: 'grid search: every parameter needs a list of values', path: ['space'] })
    .optional(),
  features: z
    .array(z.string().min(1))
    .min(1)
    .max(2000)
    .optional()
    .describe("feature columns, used as given; default every column but the target and those the dataset's exploration flags as id-like (`idLike`: unique per row, dates as text, counters), which the run lists in `request.excludedFeatures`"),
  split: splitSchema.optional().describe('fractions; default 0.7 / 0.15 / 0.15'),
  balance: balanceSchema.default('none'),
  seed: z.number().int().min(0).max(2 ** 31 - 1).default(1),
  model: modelNameSchema.optional().describe('model to register under; default <dataset name>-<task>'),
  version: versionLabelSchema.optional().describe('version label; default the release counter'),
  register: z.boolean().default(true),
});
export type TrainingRequest = z.infer<typeof trainingRequestSchema>;

const fieldError = (path: string, message: string) => validation(`${path}: ${message}`, [{ path, message }]);

/** `<name>-<task>`, cut to the 64 characters a model name may have. */
export const defaultModelName = (dataset: string, task: string): string => `${dataset.slice(0, 63 - task.length)}-${task}`;

export async function resolveTrainingRequest(deps: Pick<HubContext, 'db'>, request: TrainingRequest): Promise<TrainingSpec> {
  // A new run is new use: 404 once deleted, 409 E_ARCHIVED while archived.
  const dataset = usableDatasetRow(await getDataset(deps.db, request.dataset), request.dataset);
  const columns = datasetColumnsSchema.parse(dataset.columns);
  const kindOf = new Map(columns.map((c) => [c.name, c.kind]));
  const { task } = request;
  if (!kindOf.has(request.target)) throw fieldError('target', `column "${request.target}" is not in dataset ${dataset.name}`);
  if (task === 'regression' && kindOf.get(request.target) !== 'numeric') throw fieldError('target', `regression needs a numeric target; "${request.target}" is categorical`);
  const candidates = columns.map((c) => c.name).filter((name) => name !== request.target);
  const idLike = request.features === undefined ? idLikeColumns(dataset.summary) : new Map<string, StoredFlag>();
  const excludedFeatures = candidates.flatMap((column) => {
    const flag = idLike.get(column);
    return flag === undefined ? [] : [{ column, reason: flag.reason, detail: flag.detail }];
  });
  if (request.features === undefined && candidates.length > 0 && excludedFeatures.length === candidates.length) {
    throw fieldError('features', `every column but the target looks like an id (${excludedFeatures.map((e) => `${e.column}: ${e.reason}`).join(', ')}); name the features to use`);
  }
  const features = request.features ?? candidates.filter((name) => !idLike.has(name));
  features.forEach((name, i) => {
    if (!kindOf.has(name)) throw fieldError(`features.${i}`, `column "${name}" is not in dataset ${dataset.name}`);
    if (name === request.target) throw fieldError(`features.${i}`, `the target "${name}" cannot be a feature`);
  });
  if (new Set(features).size !== features.length) throw fieldError('features', 'a column is listed twice');
  if (features.length === 0) throw fieldError('features', 'the dataset has no column besides the target');

  const trainer = request.trainer ?? DEFAULT_TRAINER[task];
  if (!TRAINERS[trainer].tasks.includes(task)) throw fieldError('trainer', `trainer "${trainer}" does not do ${task} (it does ${TRAINERS[trainer].tasks.join(', ')})`);
  if (request.balance !== 'none' && task !== 'classification') throw fieldError('balance', `balance "${request.balance}" applies to classification only`);
  checkParams(trainer, request);

  const allowed: readonly string[] = TASK_METRICS[task];
  const metric = request.search?.metric ?? TASK_METRICS[task][0];
  if (!allowed.includes(metric)) throw fieldError('search.metric', `${task} is judged by ${allowed.join(', ')}, not ${metric}`);

  const model = request.model ?? defaultModelName(dataset.name, task);
  if (request.version !== undefined && (await versionExists(deps.db, model, request.version))) throw conflict(`${model}@${request.version} already exists`);
  return {
    dataset: dataset.id,
    target: request.target,
    task,
    trainer,
    params: request.params,
    search: request.search === undefined ? null : { kind: request.search.kind, space: request.search.space, trials: request.search.trials ?? 10, metric: request.search.metric },
    features,
    split: request.split ?? { ...DEFAULT_FRACTIONS },
    balance: request.balance,
    seed: request.seed,
    model,
    version: request.version ?? null,
    register: request.register,
    metric,
    excludedFeatures,
    derive: null,
  };
}

/** The flags the dataset's stored exploration summary put on id-like columns (none for summaries made before flags existed). */
const storedSummarySchema = z.object({ columns: z.array(z.object({ name: z.string(), idLike: z.object({ reason: z.string(), detail: z.string() }).optional() })) });

type StoredFlag = { reason: string; detail: string };

function idLikeColumns(summary: unknown): Map<string, StoredFlag> {
  const parsed = storedSummarySchema.safeParse(summary);
  if (!parsed.success) return new Map();
  return new Map(parsed.data.columns.flatMap((c) => (c.idLike === undefined ? [] : [[c.name, c.idLike] as const])));
}

/** The params, and the params with a first search point over them, must parse with the trainer's schema. */
function checkParams(trainer: TrainingSpec['trainer'], request: TrainingRequest): void {
  const check = (raw: Record<string, unknown>, path: string): void => {
    const parsed = TRAINERS[trainer].paramsSchema.safeParse(raw);
    if (parsed.success) return;
    const issue = parsed.error.issues[0];
    const key = issue?.path.map(String).join('.') ?? '';
    const unknownKeys = issue?.code === 'unrecognized_keys' ? issue.keys.join(', ') : '';
    throw fieldError(unknownKeys ? `${path}.${unknownKeys}` : key ? `${path}.${key}` : path, `${unknownKeys ? `not a param of trainer "${trainer}"` : (issue?.message ?? 'invalid')}`);
  };
  check(request.params, 'params');
  const search = request.search;
  if (search === undefined) return;
  const points = search.kind === 'grid' ? gridPoints(search.space as GridSpace) : [sampleParams(search.space as RandomSpace, createRandom(0))];
  if (points.length > MAX_TRIALS) throw fieldError('search.space', `the grid has ${points.length} points; at most ${MAX_TRIALS}`);
  const first = points[0];
  check({ ...request.params, ...first }, 'search.space');
}
