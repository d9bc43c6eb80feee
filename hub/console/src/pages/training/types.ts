/**
 * The training API's shapes as the generated OpenAPI types give them, and the bits of the
 * training vocabulary the pages need (which metrics a task reports, which trainers do it).
 */
import type { paths } from '../../api/schema';

type Json<T> = T extends { responses: { 200: { content: { 'application/json': infer B } } } } ? B : never;

export type RunSummary = Json<paths['/api/v1/training-runs']['get']>['runs'][number];
export type RunDetail = Json<paths['/api/v1/training-runs/{id}']['get']>;
export type EpochEntry = RunDetail['epochs'][number];
export type LogLine = Json<paths['/api/v1/training-runs/{id}/logs']['get']>['logs'][number];
export type Dataset = Json<paths['/api/v1/datasets']['get']>['datasets'][number];
export type TrainingBody = paths['/api/v1/training-runs']['post']['requestBody']['content']['application/json'];
export type Task = TrainingBody['task'];
export type Trainer = NonNullable<TrainingBody['trainer']>;
export type SearchMetric = NonNullable<TrainingBody['search']>['metric'];

export const TASKS: readonly Task[] = ['classification', 'regression', 'anomaly'];

/** Mirrors the hub's TASK_METRICS: the first is the one a run is judged on by default. */
export const TASK_METRICS: Record<Task, readonly SearchMetric[]> = {
  classification: ['macroF1', 'accuracy', 'logLoss', 'rocAuc', 'ece'],
  regression: ['rmse', 'mae', 'r2'],
  anomaly: ['rocAuc', 'averagePrecision', 'f1', 'precision', 'recall'],
};

/** Trainers that do each task, the default first (the hub refuses any other pairing with a 400). */
export const TASK_TRAINERS: Record<Task, readonly Trainer[]> = {
  classification: ['mlp', 'linear', 'baseline'],
  regression: ['mlp', 'linear', 'baseline'],
  anomaly: ['autoencoder'],
};

/** Metrics where a smaller value is better; every other metric is better larger. */
const LOWER_IS_BETTER = new Set(['rmse', 'mae', 'logLoss', 'ece', 'loss', 'valLoss']);
export const lowerIsBetter = (metric: string): boolean => LOWER_IS_BETTER.has(metric);
/** Scores that rank a model (a confusion-matrix cell, e.g. `confusion[a][b]`, is a count, not a score). */
export const isScore = (metric: string): boolean => !metric.startsWith('confusion');
/** Scores first, by name, then the confusion counts. */
export const metricOrder = (a: string, b: string): number => Number(!isScore(a)) - Number(!isScore(b)) || a.localeCompare(b);

export const isActive = (status: string): boolean => status === 'queued' || status === 'running';

/** Reloads for what the audit trail says about training: runs created, cancelled, triggered, versions trained. */
export const isTrainingEvent = (event: { action: string }): boolean => event.action.startsWith('training.') || event.action === 'model.version.trained';

/** A run's short name in tables: the first block of its UUID. */
export const shortId = (id: string): string => id.split('-')[0] ?? id;

/** Numbers as people read them: integers whole, others to 4 significant digits. */
export function formatNumber(value: number): string {
  if (Number.isInteger(value)) return String(value);
  if (Math.abs(value) >= 1000) return value.toFixed(0);
  return String(Number(value.toPrecision(4)));
}

/** Any JSON value for a table cell. */
export function formatValue(value: unknown): string {
  if (value === undefined || value === null) return '—';
  if (typeof value === 'number') return formatNumber(value);
  if (typeof value === 'string') return value;
  return JSON.stringify(value);
}

export function formatDuration(ms: number | null): string {
  if (ms === null) return '—';
  if (ms < 1000) return `${ms} ms`;
  const seconds = ms / 1000;
  return seconds < 120 ? `${seconds.toFixed(1)} s` : `${Math.round(seconds / 60)} min`;
}

/** The search the run's resolved request holds, read defensively (the schema types `request` as a record). */
export interface SearchSpec {
  kind: 'grid' | 'random';
  space: Record<string, unknown>;
  trials: number;
  metric: string;
}

export function searchOf(run: Pick<RunDetail, 'request'>): SearchSpec | null {
  const search = run.request['search'];
  if (typeof search !== 'object' || search === null) return null;
  const { kind, space, trials, metric } = search as Record<string, unknown>;
  if ((kind !== 'grid' && kind !== 'random') || typeof space !== 'object' || space === null) return null;
  return { kind, space: space as Record<string, unknown>, trials: typeof trials === 'number' ? trials : 10, metric: typeof metric === 'string' ? metric : '' };
}

/** How many trials a search runs: a grid's points, or a random search's sample count. */
export function trialCount(search: SearchSpec): number {
  if (search.kind === 'random') return search.trials;
  return Object.values(search.space).reduce<number>((product, values) => product * (Array.isArray(values) ? values.length : 1), 1);
}
