/**
 * The continuous-training job (issue 5): for every open drift alert that persisted, find the
 * training run behind the drifting version (through quantization parents), and when labelled
 * data newer than that run's exist, queue a run with the original recipe on the new data. The
 * run registers a candidate version with the drifting one as its lineage parent; nothing here
 * assigns or rolls it out: deploying stays a person's (or a rollout's) decision.
 */
import { listAlerts } from '../../adapters/db/alerts';
import { getDataset, listDatasets } from '../../adapters/db/datasets';
import { getVersion } from '../../adapters/db/models';
import { getRun, runsOnDataset, type TrainingRunRow } from '../../adapters/db/training-runs';
import { writeAudit } from '../../adapters/db/audit';
import { decodeStoredManifest } from '../../core/release-manifest';
import { chooseRetrainDataset, DEFAULT_RETRAIN_POLICY, type RetrainPolicy } from '../../core/retrain-decision';
import { HubError } from '../../core/errors';
import type { HubContext } from '../context';
import { kickDelivery, queueNotification } from '../drift/notifications';
import { trainingSource } from './training-register';
import { createRun, triggerOf } from './training-runs';
import type { TrainingRequest } from './training-request';
import { datasetColumnsSchema, trainingSpecSchema, type TrainingSpec } from './training-types';

const ACTOR = 'job:continuous-training';
/** quantized-from-quantized chains are short; this only stops a corrupt loop */
const MAX_PARENT_HOPS = 8;

export interface RetrainOutcome {
  alert: string;
  model: string;
  version: string;
  run?: string;
  dataset?: string;
  skipped?: string;
}

/** The training run that produced `model@version`, following `lineage.parent` through quantized versions. */
async function sourceRun(db: HubContext['db'], model: string, version: string): Promise<TrainingRunRow | null> {
  let current: { model: string; version: string } | null = { model, version };
  for (let hop = 0; current && hop < MAX_PARENT_HOPS; hop++) {
    const row = await getVersion(db, current.model, current.version);
    if (!row) return null;
    const { lineage } = decodeStoredManifest(row.manifest);
    const prefix = trainingSource('');
    if (lineage.source?.startsWith(prefix)) return (await getRun(db, lineage.source.slice(prefix.length))) ?? null;
    const at = lineage.parent?.lastIndexOf('@') ?? -1;
    current = lineage.parent && at > 0 ? { model: lineage.parent.slice(0, at), version: lineage.parent.slice(at + 1) } : null;
  }
  return null;
}

/** The original request with the new dataset: same trainer, params, search, features, split and seed. */
const retrainRequest = (spec: TrainingSpec, dataset: string): TrainingRequest => ({
  dataset,
  target: spec.target,
  task: spec.task,
  trainer: spec.trainer,
  params: spec.params,
  ...(spec.search ? { search: spec.search } : {}),
  features: spec.features,
  split: spec.split,
  balance: spec.balance,
  seed: spec.seed,
  model: spec.model,
  register: true,
});

/** What a retraining pass uses: the database, clock and log, and what starting a run and waking webhook delivery need. */
export type RetrainDeps = Pick<HubContext, 'db' | 'now' | 'logger'> & Parameters<typeof createRun>[0] & Parameters<typeof kickDelivery>[0];

export async function runContinuousTraining(ctx: RetrainDeps, policy: RetrainPolicy = DEFAULT_RETRAIN_POLICY): Promise<RetrainOutcome[]> {
  const outcomes: RetrainOutcome[] = [];
  const datasets = (await listDatasets(ctx.db)).map((d) => ({ id: d.id, name: d.name, createdAt: d.createdAt, columns: datasetColumnsSchema.parse(d.columns).map((c) => c.name) }));
  for (const alert of await listAlerts(ctx.db, { status: 'open', limit: 10_000 })) {
    const base = { alert: alert.id, model: alert.model, version: alert.version };
    const run = await sourceRun(ctx.db, alert.model, alert.version);
    if (!run) {
      outcomes.push({ ...base, skipped: 'not trained by the hub: no recipe to retrain with' });
      continue;
    }
    const spec = trainingSpecSchema.parse(run.request);
    const original = await getDataset(ctx.db, run.datasetId);
    if (!original) {
      outcomes.push({ ...base, skipped: `the original dataset ${run.datasetId.slice(0, 12)} is gone` });
      continue;
    }
    const parent = `${alert.model}@${alert.version}`;
    const tried = new Set<string>();
    for (const d of datasets) if ((await runsOnDataset(ctx.db, d.id)).some((r) => triggerOf(r)?.version === parent)) tried.add(d.id);
    const choice = chooseRetrainDataset(alert, { datasetId: original.id, datasetName: original.name, datasetCreatedAt: original.createdAt, target: spec.target, features: spec.features }, datasets, tried, policy);
    if (!choice.retrain) {
      outcomes.push({ ...base, skipped: choice.reason });
      continue;
    }
    try {
      const { id } = await createRun(ctx, retrainRequest(spec, choice.dataset.id), ACTOR, { kind: 'drift', alert: alert.id, version: parent });
      const at = ctx.now();
      await ctx.db.transaction(async (tx) => {
        await writeAudit(tx, { at, actor: ACTOR, action: 'training.triggered', subject: `model:${parent}`, details: { alert: alert.id, run: id, dataset: choice.dataset.id, signals: alert.signals } });
        await queueNotification(tx, ctx.alerting.webhook, at, 'training.triggered', { alert: alert.id, model: alert.model, version: alert.version, run: id, dataset: choice.dataset.id });
      });
      ctx.logger.info('continuous training: retraining a drifting version', { model: alert.model, version: alert.version, run: id, dataset: choice.dataset.id });
      outcomes.push({ ...base, run: id, dataset: choice.dataset.id });
    } catch (error) {
      // A recipe the new data no longer fits (e.g. a class vanished) is reported, not retried blindly.
      if (!(error instanceof HubError)) throw error;
      outcomes.push({ ...base, skipped: `the original recipe does not fit dataset ${choice.dataset.id.slice(0, 12)}: ${error.message}` });
    }
  }
  if (outcomes.some((o) => o.run)) kickDelivery(ctx);
  return outcomes;
}
