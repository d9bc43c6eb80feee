/**
 * Fitting the chosen trainer with given params, and the pieces of a grid or random search over
 * the validation metric the user named: its points, one trial (fit, score on validation), and
 * the choice of the best trial. Trials run as separate units (possibly on different replicas,
 * issue 12); the run then refits the best trial's params, which gives the trial's own network:
 * every fit gets `createRandom(seed + 3)` on the same split, and random search samples with
 * `createRandom(seed + 2)`, so equal specs give equal models.
 */
import {
  METRIC_DIRECTIONS,
  TRAINERS,
  createRandom,
  gridPoints,
  headlineMetrics,
  sampleParams,
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

export interface FitResult {
  body: TrainedBody;
  /** the trainer's params as used, defaults filled */
  params: Record<string, unknown>;
  /**
   * How a single gradient fit ended; absent for a closed-form fit (ridge) and a fit without
   * validation rows (nothing to stop early on).
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

/** One fit with `raw` params (the run's own, or a search point over them). */
export async function fitParams(data: TrainData, spec: TrainingSpec, raw: Record<string, unknown>, onEpoch: (entry: EpochEntry, fraction: number) => void): Promise<FitResult> {
  const entries: EpochEntry[] = [];
  const body = await trainOnce(data, spec, raw, (entry, fraction) => {
    entries.push(entry);
    onEpoch(entry, fraction);
  });
  const params = resolveParams(spec.trainer, raw);
  const cap = params['epochs'];
  const stopping = typeof cap === 'number' ? summarizeEpochs(entries, cap) : null;
  return stopping === null ? { body, params } : { body, params, stopping };
}

/** The points of the run's search, in trial order (empty without a search). */
export function searchPoints(spec: TrainingSpec): Params[] {
  const search = spec.search;
  if (search === null) return [];
  if (search.kind === 'grid') return gridPoints(search.space as GridSpace);
  const random = createRandom(spec.seed + 2);
  return Array.from({ length: search.trials }, () => sampleParams(search.space as RandomSpace, random));
}

/** One search trial: fit with the point over the run's params, headline metrics on the validation split. */
export async function fitTrial(data: TrainData, spec: TrainingSpec, index: number, point: Record<string, unknown>, onEpoch: (entry: EpochEntry, fraction: number) => void): Promise<TrialEntry> {
  const body = await trainOnce(data, spec, { ...spec.params, ...point }, onEpoch, index);
  // Trials keep the headline numbers: per-class and confusion cells of every trial would drown the log.
  return { index, params: { ...point }, metrics: headlineMetrics(evaluateBody(body, data.validation, data.task)) };
}

/** The best trial on `metric` in its direction (the first on ties); undefined when none has a finite value. */
export function chooseBest(trials: readonly TrialEntry[], metric: TrainingSpec['metric']): TrialEntry | undefined {
  const direction = METRIC_DIRECTIONS[metric];
  let best: TrialEntry | undefined;
  for (const trial of [...trials].sort((a, b) => a.index - b.index)) {
    const value = trial.metrics[metric];
    if (value === undefined || !Number.isFinite(value)) continue;
    const bestValue = best?.metrics[metric];
    if (best === undefined || bestValue === undefined || (direction === 'max' ? value > bestValue : value < bestValue)) best = trial;
  }
  return best;
}

export const noFiniteTrial = (metric: string): TrainingError => new TrainingError('E_INVALID_DATA', `no search trial produced a finite validation ${metric}`, { metric });
