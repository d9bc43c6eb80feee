/**
 * Training runs as the API sees them: create (validated, queued, audited), read, cancel, logs.
 * A search's trials and epochs are read from its trial rows (each trial may run on another
 * replica, issue 12), so they show while the search runs.
 */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { conflict, notFound } from '../../core/errors';
import { writeAudit } from '../../adapters/db/audit';
import { getDataset } from '../../adapters/db/datasets';
import { cancelActiveRun, getRun, insertRun, listLogs, listRuns, listTrials, type TrainingLogRow, type TrainingRunRow, type TrainingTrialRow } from '../../adapters/db/training-runs';
import type { HubContext } from '../context';
import { derivedRunSource, splitVersionKey } from '../../core/lifecycle/content-refs';
import { refuseDeletedDataset } from '../lifecycle/datasets';
import { refuseDeletedTargets } from '../lifecycle/versions';
import { beats } from './training-metrics';
import { runLog } from './training-log';
import { resolveTrainingRequest, type TrainingRequest } from './training-request';
import { isFinished, trainingSpecSchema, type EpochEntry, type TrainingSpec, type TrialEntry } from './training-types';

export interface TrainingRunSummary {
  id: string;
  status: string;
  stage: string;
  /** 0..1 */
  progress: number;
  dataset: { id: string; name: string | null };
  task: TrainingSpec['task'];
  target: string;
  trainer: TrainingSpec['trainer'];
  model: string;
  /** the metric the run is judged on, its test value and the baseline's, and whether it beat it */
  metric: { name: TrainingSpec['metric']; value: number | null; baseline: number | null; beatsBaseline: boolean | null };
  resultVersion: { model: string; version: string } | null;
  /** null when a person started the run */
  trigger: RunTrigger | null;
  error: unknown;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
}

export interface TrainingRunDetail extends TrainingRunSummary {
  /** the request with every default resolved (seed, split fractions, features: all it takes to redo the split) */
  request: TrainingSpec;
  params: unknown;
  metrics: Record<string, number> | null;
  baselineMetrics: Record<string, number> | null;
  /** a search's epochs are its trials', each tagged with the trial */
  epochs: EpochEntry[];
  /** a search's finished trials, each with the replica that ran it */
  trials: TrialEntry[];
  codeVersion: string;
}

export const triggerOf = (row: TrainingRunRow): RunTrigger | null => {
  const parsed = runTriggerSchema.safeParse(row.trigger);
  return parsed.success ? parsed.data : null;
};

const numbers = (value: unknown): Record<string, number> | null => (value !== null && typeof value === 'object' ? (value as Record<string, number>) : null);

function summaryOf(row: TrainingRunRow, spec: TrainingSpec, datasetName: string | null): TrainingRunSummary {
  const value = numbers(row.metrics)?.[spec.metric];
  const baseline = numbers(row.baselineMetrics)?.[spec.metric];
  return {
    id: row.id,
    status: row.status,
    stage: row.stage,
    progress: row.progress / 1000,
    dataset: { id: row.datasetId, name: datasetName },
    task: spec.task,
    target: spec.target,
    trainer: spec.trainer,
    model: row.model,
    metric: { name: spec.metric, value: value ?? null, baseline: baseline ?? null, beatsBaseline: beats(spec.metric, value, baseline) },
    resultVersion: row.resultVersion === null ? null : { model: row.model, version: row.resultVersion },
    trigger: triggerOf(row),
    error: row.error,
    createdAt: row.createdAt,
    startedAt: row.startedAt,
    finishedAt: row.finishedAt,
    durationMs: row.durationMs,
  };
}

/** A search as the run shows it: its finished trials (with the replica that ran each) and every trial's epochs so far, by trial. */
export function searchRecord(trials: readonly TrainingTrialRow[]): { trials: TrialEntry[]; epochs: EpochEntry[] } {
  const sorted = [...trials].sort((a, b) => a.index - b.index);
  return {
    trials: sorted
      .filter((t) => t.status === 'succeeded')
      .map((t) => ({ index: t.index, params: (t.params ?? {}) as Record<string, unknown>, metrics: numbers(t.metrics) ?? {}, ...(t.claimedBy === null ? {} : { replica: t.claimedBy }) })),
    epochs: sorted.flatMap((t) => (Array.isArray(t.epochs) ? (t.epochs as EpochEntry[]) : [])),
  };
}

export async function runDetail(deps: Pick<HubContext, 'db'>, id: string): Promise<TrainingRunDetail> {
  const row = await getRun(deps.db, id);
  if (!row) throw notFound(`training run ${id}`);
  const spec = trainingSpecSchema.parse(row.request);
  // Runs from before trials were rows of their own (and runs without a search) keep theirs on the run.
  const trials = spec.search === null ? [] : await listTrials(deps.db, id);
  // The runner wrote these (arrays of entries); anything else reads as none.
  const search = trials.length > 0 ? searchRecord(trials) : { trials: Array.isArray(row.trials) ? (row.trials as TrialEntry[]) : [], epochs: Array.isArray(row.epochs) ? (row.epochs as EpochEntry[]) : [] };
  return {
    ...summaryOf(row, spec, (await getDataset(deps.db, row.datasetId))?.name ?? null),
    request: spec,
    params: row.params,
    metrics: numbers(row.metrics),
    baselineMetrics: numbers(row.baselineMetrics),
    epochs: search.epochs,
    trials: search.trials,
    codeVersion: row.codeVersion,
  };
}

export async function listRunSummaries(deps: Pick<HubContext, 'db'>): Promise<TrainingRunSummary[]> {
  const names = new Map<string, string | null>();
  const summaries: TrainingRunSummary[] = [];
  for (const row of await listRuns(deps.db)) {
    if (!names.has(row.datasetId)) names.set(row.datasetId, (await getDataset(deps.db, row.datasetId))?.name ?? null);
    summaries.push(summaryOf(row, trainingSpecSchema.parse(row.request), names.get(row.datasetId) ?? null));
  }
  return summaries;
}

/** What started a run when no person did (continuous training): stored with the run, shown by the API. */
export const runTriggerSchema = z.strictObject({
  kind: z.literal('drift'),
  alert: z.string(),
  /** `model@version`: the drifting version this run retrains (its lineage parent) */
  version: z.string(),
});
export type RunTrigger = z.infer<typeof runTriggerSchema>;

/** Queues a run: any replica's worker claims it (issue 12); this replica looks at once. */
export async function createRun(ctx: Pick<HubContext, 'db' | 'now' | 'codeVersion' | 'training'>, request: TrainingRequest, actor: string, trigger?: RunTrigger): Promise<{ id: string }> {
  return queueRun(ctx, await resolveTrainingRequest(ctx, request), actor, trigger);
}

/** Queues a resolved spec (an ordinary run, or one deriving a pruned or distilled version). */
export async function queueRun(ctx: Pick<HubContext, 'db' | 'now' | 'codeVersion' | 'training'>, spec: TrainingSpec, actor: string, trigger?: RunTrigger): Promise<{ id: string }> {
  const id = randomUUID();
  const now = ctx.now();
  await ctx.db.transaction(async (tx) => {
    // The request was checked before this transaction: a deletion committed since (on any replica)
    // refuses the run here, rather than a worker failing on a missing file. Deletions take these
    // rows' locks too, and refuse while a queued run needs what they would delete.
    await refuseDeletedDataset(tx, spec.dataset);
    const source = derivedRunSource(spec);
    if (source !== null) await refuseDeletedTargets(tx, [splitVersionKey(source)]);
    await insertRun(tx, { id, status: 'queued', stage: 'queued', request: spec, datasetId: spec.dataset, model: spec.model, codeVersion: ctx.codeVersion, createdAt: now.toISOString(), trigger: trigger ?? null });
    await writeAudit(tx, { at: now, actor, action: 'training.run.created', subject: `training-run:${id}`, details: { dataset: spec.dataset, task: spec.task, target: spec.target, trainer: spec.trainer, model: spec.model, ...(trigger ? { trigger } : {}), ...(spec.derive ? { derive: spec.derive } : {}) } });
  });
  await runLog(ctx, id, 'info', `queued: ${describeRun(spec)} -> ${spec.model}${spec.register ? '' : ' (not registered)'}`);
  void ctx.training.wake();
  return { id };
}

/** What a run does, in a log line. */
export function describeRun(spec: TrainingSpec): string {
  const derive = spec.derive;
  if (derive?.kind === 'prune') return `${derive.method} pruning of ${derive.parent} (sparsity ${derive.sparsity}, ${derive.fineTuneEpochs} fine-tuning epochs)`;
  if (derive?.kind === 'distill') return `distillation of ${derive.teacher} into a ${spec.trainer} student (${spec.task} of "${spec.target}", temperature ${derive.temperature}, hard-label weight ${derive.hardWeight})`;
  return `${spec.trainer} ${spec.task} of "${spec.target}"`;
}

/**
 * Cancels a queued or running run in the database, then stops this replica's workers on it at
 * once; other replicas' workers stop at their next write, which the cancellation fences off.
 */
export async function cancelRun(ctx: Pick<HubContext, 'db' | 'now' | 'training'>, id: string, actor: string): Promise<TrainingRunDetail> {
  const row = await getRun(ctx.db, id);
  if (!row) throw notFound(`training run ${id}`);
  if (isFinished(row.status)) throw conflict(`training run ${id} is already ${row.status}`);
  const result = await cancelActiveRun(ctx.db, id, ctx.now().toISOString());
  if (result === 'registering') throw conflict(`training run ${id} is registering its model; too late to cancel`);
  if (result === 'finished') throw conflict(`training run ${id} has already finished`);
  if (result === 'unknown') throw notFound(`training run ${id}`);
  const stoppedHere = await ctx.training.cancel(id);
  await runLog(ctx, id, 'warn', stoppedHere ? 'run cancelled: worker stopped' : row.status === 'queued' ? 'run cancelled before it started' : 'run cancelled: its workers stop at their next progress write');
  await writeAudit(ctx.db, { at: ctx.now(), actor, action: 'training.run.cancelled', subject: `training-run:${id}` });
  return runDetail(ctx, id);
}

export async function runLogs(deps: Pick<HubContext, 'db'>, id: string, after: number): Promise<TrainingLogRow[]> {
  if (!(await getRun(deps.db, id))) throw notFound(`training run ${id}`);
  return listLogs(deps.db, id, after);
}
