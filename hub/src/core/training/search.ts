/**
 * Hyper-parameter search: every combination of a grid, or a seeded random sample of a space,
 * each trial scored by a caller-supplied `runTrial` (which trains on train and evaluates on
 * validation), the best chosen on the named metric in its direction. Pure: no training here.
 */
import type { Random } from './random';
import { TrainingError } from './training-error';

export type ParamValue = number | string | boolean | readonly number[];
export type Params = Record<string, ParamValue>;
export type TrialMetrics = Readonly<Record<string, number>>;

/** { param: [values] }: every combination is tried (the last param varies fastest). */
export type GridSpace = Readonly<Record<string, readonly ParamValue[]>>;

/** A numeric range (log: sampled uniformly in log space, min > 0; int: rounded) or a list of choices. */
export type RandomDimension = { min: number; max: number; log?: boolean; int?: boolean } | readonly ParamValue[];
export type RandomSpace = Readonly<Record<string, RandomDimension>>;

export const METRIC_DIRECTIONS = {
  accuracy: 'max',
  macroF1: 'max',
  rocAuc: 'max',
  f1: 'max',
  precision: 'max',
  recall: 'max',
  r2: 'max',
  rmse: 'min',
  mae: 'min',
  logLoss: 'min',
  ece: 'min',
  averagePrecision: 'max',
} as const;
export type SearchMetric = keyof typeof METRIC_DIRECTIONS;

export interface Trial {
  /** 0-based, in the order run */
  index: number;
  params: Params;
  metrics: TrialMetrics;
}

export interface SearchResult {
  metric: SearchMetric;
  direction: 'max' | 'min';
  trials: Trial[];
  /** the best trial (first on ties); undefined when no trial produced a finite metric */
  best?: Trial;
}

export type RunTrial = (params: Params, index: number) => TrialMetrics | Promise<TrialMetrics>;

export function gridPoints(space: GridSpace): Params[] {
  let points: Params[] = [{}];
  for (const [name, values] of Object.entries(space)) {
    if (values.length === 0) throw new TrainingError('E_INVALID_PARAMS', `grid parameter "${name}" has no values`, { param: name });
    points = points.flatMap((point) => values.map((value) => ({ ...point, [name]: value })));
  }
  return points;
}

export function sampleParams(space: RandomSpace, random: Random): Params {
  const params: Params = {};
  // Sorted names: the same space consumes the random stream in the same order however it was written.
  for (const name of Object.keys(space).sort()) {
    const dim = space[name] as RandomDimension;
    if (isChoices(dim)) {
      if (dim.length === 0) throw new TrainingError('E_INVALID_PARAMS', `random parameter "${name}" has no choices`, { param: name });
      params[name] = dim[random.int(dim.length)] as ParamValue;
      continue;
    }
    if (!(dim.max >= dim.min) || (dim.log === true && !(dim.min > 0))) {
      throw new TrainingError('E_INVALID_PARAMS', `random parameter "${name}" has an invalid range`, { param: name, min: dim.min, max: dim.max });
    }
    const u = random.next();
    let value = dim.log === true ? Math.exp(Math.log(dim.min) + u * (Math.log(dim.max) - Math.log(dim.min))) : dim.min + u * (dim.max - dim.min);
    if (dim.int === true) value = Math.min(Math.floor(dim.max), Math.max(Math.ceil(dim.min), Math.round(value)));
    params[name] = value;
  }
  return params;
}

const isChoices = (dim: RandomDimension): dim is readonly ParamValue[] => Array.isArray(dim);

export async function gridSearch(space: GridSpace, metric: SearchMetric, runTrial: RunTrial): Promise<SearchResult> {
  return runAll(gridPoints(space), metric, runTrial);
}

export async function randomSearch(space: RandomSpace, metric: SearchMetric, runTrial: RunTrial, options: { trials: number; random: Random }): Promise<SearchResult> {
  const points = Array.from({ length: options.trials }, () => sampleParams(space, options.random));
  return runAll(points, metric, runTrial);
}

async function runAll(points: Params[], metric: SearchMetric, runTrial: RunTrial): Promise<SearchResult> {
  const direction = METRIC_DIRECTIONS[metric];
  const trials: Trial[] = [];
  let best: Trial | undefined;
  for (const [index, params] of points.entries()) {
    const metrics = await runTrial(params, index);
    const trial: Trial = { index, params, metrics };
    trials.push(trial);
    const value = metrics[metric];
    if (value === undefined || !Number.isFinite(value)) continue;
    const bestValue = best?.metrics[metric];
    if (best === undefined || bestValue === undefined || (direction === 'max' ? value > bestValue : value < bestValue)) best = trial;
  }
  return best === undefined ? { metric, direction, trials } : { metric, direction, trials, best };
}
