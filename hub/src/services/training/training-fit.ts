/**
 * Fitting the chosen trainer: once with the given params, or a grid / random search over the
 * validation metric the user named, keeping the best trial's network (no refit). Every trainer
 * gets `createRandom(seed + 3)`, random search samples with `createRandom(seed + 2)`, so equal
 * specs give equal models.
 */
import {
  TRAINERS,
  createRandom,
  gridPoints,
  gridSearch,
  headlineMetrics,
  randomSearch,
  trainWith,
  TrainingError,
  type GridSpace,
  type Params,
  type RandomSpace,
  type TrainData,
  type TrainedBody,
} from '../../core/training';
import { evaluateBody } from './training-metrics';
import type { EpochEntry, TrainingSpec, TrialEntry } from './training-types';

export interface FitReport {
  /** `fraction`: how much of the fitting is done, 0..1 */
  onEpoch(entry: EpochEntry, fraction: number): void;
  onTrial(entry: TrialEntry, fraction: number): void;
}

export interface FitResult {
  body: TrainedBody;
  params: Record<string, unknown>;
  trials: TrialEntry[];
  /**
   * How a single gradient fit (no search) ended; absent for a search, a closed-form fit (ridge)
   * and a fit without validation rows (nothing to stop early on).
   */
  stopping?: EpochSummary;
}

/** The epochs a fit ran against its cap, and the epoch whose weights it kept (lowest validation loss). */
export interface EpochSummary {
  ran: number;
  cap: number;
  best: { epoch: number; valLoss: number };
}

/** Folds epoch reports into an EpochSummary (the kept epoch is the first with the lowest validation loss, as fitNetwork keeps it); null without validation losses. */
export function summarizeEpochs(entries: readonly EpochEntry[], cap: number): EpochSummary | null {
  let best: { epoch: number; valLoss: number } | undefined;
  let ran = 0;
  for (const e of entries) {
    ran = Math.max(ran, e.epoch);
    if (e.valLoss !== undefined && (best === undefined || e.valLoss < best.valLoss)) best = { epoch: e.epoch, valLoss: e.valLoss };
  }
  return best === undefined ? null : { ran, cap, best };
}

/** The trainer's params with its defaults filled in (throws TrainingError E_INVALID_PARAMS). */
export function resolveParams(trainer: TrainingSpec['trainer'], raw: Record<string, unknown>): Record<string, unknown> {
  const parsed = TRAINERS[trainer].paramsSchema.safeParse(raw);
  if (!parsed.success) {
    const issue = parsed.error.issues[0];
    throw new TrainingError('E_INVALID_PARAMS', `trainer "${trainer}": invalid params: ${issue?.path.join('.') ?? ''} ${issue?.message ?? ''}`.trim(), { trainer });
  }
  return { ...parsed.data };
}

const epochsOf = (params: Record<string, unknown>): number => (typeof params['epochs'] === 'number' ? params['epochs'] : 1);

async function trainOnce(data: TrainData, spec: TrainingSpec, raw: Record<string, unknown>, onEpoch: (entry: EpochEntry, fraction: number) => void, trial?: number): Promise<TrainedBody> {
  const epochs = epochsOf(resolveParams(spec.trainer, raw));
  return trainWith(spec.trainer, data, raw, {
    random: createRandom(spec.seed + 3),
    onEpoch: (e) => {
      const entry: EpochEntry = { epoch: e.epoch, loss: e.loss, ...(trial === undefined ? {} : { trial }), ...(e.valLoss === undefined ? {} : { valLoss: e.valLoss }), ...(e.valMetric === undefined ? {} : { valMetric: e.valMetric }) };
      onEpoch(entry, Math.min(1, e.epoch / epochs));
    },
  });
}

export async function fitModel(data: TrainData, spec: TrainingSpec, report: FitReport): Promise<FitResult> {
  const search = spec.search;
  if (search === null) {
    const entries: EpochEntry[] = [];
    const body = await trainOnce(data, spec, spec.params, (entry, fraction) => {
      entries.push(entry);
      report.onEpoch(entry, fraction);
    });
    const params = resolveParams(spec.trainer, spec.params);
    const cap = params['epochs'];
    const stopping = typeof cap === 'number' ? summarizeEpochs(entries, cap) : null;
    return stopping === null ? { body, params, trials: [] } : { body, params, trials: [], stopping };
  }
  const total = search.kind === 'grid' ? gridPoints(search.space as GridSpace).length : search.trials;
  const bodies = new Map<number, TrainedBody>();
  const trials: TrialEntry[] = [];
  const runTrial = async (point: Params, index: number): Promise<Record<string, number>> => {
    const raw = { ...spec.params, ...point };
    const body = await trainOnce(data, spec, raw, (entry, f) => report.onEpoch(entry, (index + f) / total), index);
    // Trials keep the headline numbers: per-class and confusion cells of every trial would drown the log.
    const metrics = headlineMetrics(evaluateBody(body, data.validation, data.task));
    bodies.set(index, body);
    const trial: TrialEntry = { index, params: { ...point }, metrics };
    trials.push(trial);
    report.onTrial(trial, (index + 1) / total);
    return metrics;
  };
  const result =
    search.kind === 'grid'
      ? await gridSearch(search.space as GridSpace, search.metric, runTrial)
      : await randomSearch(search.space as RandomSpace, search.metric, runTrial, { trials: search.trials, random: createRandom(spec.seed + 2) });
  const best = result.best;
  const body = best === undefined ? undefined : bodies.get(best.index);
  if (best === undefined || body === undefined) throw new TrainingError('E_INVALID_DATA', `no search trial produced a finite validation ${search.metric}`, { metric: search.metric });
  return { body, params: resolveParams(spec.trainer, { ...spec.params, ...best.params }), trials };
}
