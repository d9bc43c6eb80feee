/** Training runs as the API sees them: create (validated, queued, audited), read, cancel, logs. */
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { conflict, notFound } from '../../core/errors';
import { writeAudit } from '../../adapters/db/audit';
import { getDataset } from '../../adapters/db/datasets';
import { getRun, insertRun, listLogs, listRuns, updateRun, type TrainingLogRow, type TrainingRunRow } from '../../adapters/db/training-runs';
import type { HubContext } from '../context';
import { beats } from './training-metrics';
import { runLog } from './training-log';
import { resolveTrainingRequest, type TrainingRequest } from './training-request';
import { isFinished, trainingSpecSchema, type TrainingSpec } from './training-types';

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
  epochs: unknown;
  trials: unknown;
  codeVersion: string;
}

export const triggerOf = (row: TrainingRunRow): RunTrigger | null => {
  const parsed = runTriggerSchema.safeParse(row.trigger);
  return parsed.success ? parsed.data : null;
};

const numbers = (value: unknown): Record<string, number> | null => (value !== null && typeof value === 'object' ? (value as Record<string, number>) : null);

function summaryOf(ctx: HubContext, row: TrainingRunRow, spec: TrainingSpec): TrainingRunSummary {
  const value = numbers(row.metrics)?.[spec.metric];
  const baseline = numbers(row.baselineMetrics)?.[spec.metric];
  return {
    id: row.id,
    status: row.status,
    stage: row.stage,
    progress: row.progress / 1000,
    dataset: { id: row.datasetId, name: getDataset(ctx.db, row.datasetId)?.name ?? null },
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

export function runDetail(ctx: HubContext, id: string): TrainingRunDetail {
  const row = getRun(ctx.db, id);
  if (!row) throw notFound(`training run ${id}`);
  const spec = trainingSpecSchema.parse(row.request);
  return {
    ...summaryOf(ctx, row, spec),
    request: spec,
    params: row.params,
    metrics: numbers(row.metrics),
    baselineMetrics: numbers(row.baselineMetrics),
    epochs: row.epochs,
    trials: row.trials,
    codeVersion: row.codeVersion,
  };
}

export const listRunSummaries = (ctx: HubContext): TrainingRunSummary[] => listRuns(ctx.db).map((row) => summaryOf(ctx, row, trainingSpecSchema.parse(row.request)));

/** What started a run when no person did (continuous training): stored with the run, shown by the API. */
export const runTriggerSchema = z.strictObject({
  kind: z.literal('drift'),
  alert: z.string(),
  /** `model@version`: the drifting version this run retrains (its lineage parent) */
  version: z.string(),
});
export type RunTrigger = z.infer<typeof runTriggerSchema>;

export function createRun(ctx: HubContext, request: TrainingRequest, actor: string, trigger?: RunTrigger): { id: string } {
  const spec = resolveTrainingRequest(ctx, request);
  const id = randomUUID();
  const now = ctx.now();
  ctx.db.transaction((tx) => {
    insertRun(tx, { id, status: 'queued', stage: 'queued', request: spec, datasetId: spec.dataset, model: spec.model, codeVersion: ctx.codeVersion, createdAt: now.toISOString(), trigger: trigger ?? null });
    writeAudit(tx, { at: now, actor, action: 'training.run.created', subject: `training-run:${id}`, details: { dataset: spec.dataset, task: spec.task, target: spec.target, trainer: spec.trainer, model: spec.model, ...(trigger ? { trigger } : {}) } });
  });
  runLog(ctx, id, 'info', `queued: ${spec.trainer} ${spec.task} of "${spec.target}" -> ${spec.model}${spec.register ? '' : ' (not registered)'}`);
  ctx.training.enqueue(id);
  return { id };
}

export function cancelRun(ctx: HubContext, id: string, actor: string): TrainingRunDetail {
  const row = getRun(ctx.db, id);
  if (!row) throw notFound(`training run ${id}`);
  if (isFinished(row.status)) throw conflict(`training run ${id} is already ${row.status}`);
  const outcome = ctx.training.cancel(id);
  if (outcome === 'finishing') throw conflict(`training run ${id} is registering its model; too late to cancel`);
  if (outcome === 'unknown') updateRun(ctx.db, id, { status: 'cancelled', finishedAt: ctx.now().toISOString() });
  writeAudit(ctx.db, { at: ctx.now(), actor, action: 'training.run.cancelled', subject: `training-run:${id}` });
  return runDetail(ctx, id);
}

export function runLogs(ctx: HubContext, id: string, after: number): TrainingLogRow[] {
  if (!getRun(ctx.db, id)) throw notFound(`training run ${id}`);
  return listLogs(ctx.db, id, after);
}
