/**
 * The labelled rows a trained version is judged on: the test split of the run named in its
 * lineage (`training-run:<id>`), from the training service's `loadEvaluationSet`, as feeds for
 * the exported graph's inputs (`numeric` float32 [N x Fn], `categorical` string [N x Fc]).
 * Accuracy needs class labels, so only classification runs carry them here; regression and
 * anomaly versions are compared by output agreement on the same rows.
 */
import type { RunOutputs } from '../../core/quantize/output-agreement';
import type { HubContext } from '../context';
import type { Feeds } from './quantize-session';
import { loadEvaluationSet, runIdOfSource, scoreOutputs } from '../training/training-evaluation';
import type { RawRows } from '../training/training-data';

export interface EvaluationSet {
  test: Feeds;
  /** per test row: class index (classification only) */
  labels: ArrayLike<number> | undefined;
  /** rows for static calibration */
  calibration: Feeds;
  /** the metric the run was judged on (macroF1 by default for a classifier), gated beside accuracy */
  metric: string;
  /** the run's metrics (the names lineage uses) from a model's outputs on `test`; empty when the outputs do not fit */
  score(outputs: RunOutputs): Record<string, number>;
}

export function feedsOf(rows: RawRows): Feeds {
  const feeds: Feeds = { numeric: { type: 'float32', data: rows.numeric, dims: [rows.rows, rows.numericNames.length] } };
  if (rows.categoricalNames.length > 0) feeds.categorical = { type: 'string', data: rows.categorical, dims: [rows.rows, rows.categoricalNames.length] };
  return feeds;
}

/** The evaluation set of a version, or why there is none (imports have no labelled data). */
export async function evaluationSetFor(ctx: Pick<HubContext, 'db' | 'datasets'>, lineageSource: string | undefined, needsCalibration = false): Promise<{ set: EvaluationSet; notes: string[] } | { set: undefined; notes: string[] }> {
  const runId = runIdOfSource(lineageSource);
  if (runId === null) return { set: undefined, notes: [`no labelled data: the version's lineage source is ${JSON.stringify(lineageSource ?? 'upload')}; output agreement on synthetic inputs`] };
  const loaded = await loadEvaluationSet(ctx, runId);
  if (loaded.rows.rows === 0) return { set: undefined, notes: [`training run ${runId} has an empty test split; output agreement on synthetic inputs`] };
  const test = feedsOf(loaded.rows);
  const notes = [`evaluated on the ${loaded.rows.rows} test rows of training run ${runId}`];
  if (loaded.task !== 'classification') notes.push(`${loaded.task}: compared by output agreement on those rows`);
  // Static int8 calibrates on the training rows, never on the rows it is judged on.
  const calibration = needsCalibration ? feedsOf((await loadEvaluationSet(ctx, runId, { split: 'train' })).rows) : test;
  if (needsCalibration) notes.push(`calibrated on the training rows of training run ${runId}`);
  const score = (outputs: RunOutputs): Record<string, number> => {
    try {
      return scoreOutputs(loaded, Object.fromEntries(Object.entries(outputs).map(([name, output]) => [name, output.data])));
    } catch {
      // an output the metrics need is missing (a graph exported another way): agreement still judges it
      return {};
    }
  };
  return { set: { test, labels: loaded.task === 'classification' ? loaded.labels : undefined, calibration, metric: loaded.metric, score }, notes };
}
