/**
 * Re-evaluating any version a run produced (or derived from it, e.g. quantized) on the run's own
 * test split: the same bytes, stored column kinds, seed and split fractions give the same rows
 * the run's metrics were measured on. Rows come raw, shaped as the model's inputs, so the caller
 * feeds them to onnxruntime as a device would, then scores the outputs with `scoreOutputs`.
 */
import { notFound } from '../../core/errors';
import { anomalyMetrics, classificationMetrics, finiteMetrics, flatAnomalyMetrics, flatClassificationMetrics, flatRegressionMetrics, regressionMetrics, type SearchMetric, type Table, type Task } from '../../core/training';
import { getDataset } from '../../adapters/db/datasets';
import { getRun } from '../../adapters/db/training-runs';
import type { HubContext } from '../context';
import { prepareSplit, rawRows, readTable, type RawRows } from './training-data';
import { datasetColumnsSchema, trainingSpecSchema, type TrainingSpec } from './training-types';

/** Which of the run's splits to rebuild: `test` to measure, `train` to calibrate on (never the rows measured on). */
export type EvaluationSplit = 'train' | 'validation' | 'test';

export interface EvaluationSet {
  runId: string;
  split: EvaluationSplit;
  task: Task;
  /** classification: class names; labels index into them (the model's `label` output uses the same order) */
  classes: string[] | null;
  /** the split's rows: `numeric` float32 [N x Fn] (NaN = missing), `categorical` [N x Fc] ('' = missing), in the model's input order */
  rows: RawRows;
  /** classification: class index; anomaly: 1 = anomaly, 0 = normal; regression: the target value */
  labels: Int32Array | Float32Array;
  /** the metric the run was judged on, and the run's own test metrics to compare with */
  metric: SearchMetric;
  metrics: Record<string, number> | null;
}

/** One of the run's splits (default test) from an already parsed table (pure: no I/O). */
export function evaluationSetFrom(table: Table, runId: string, spec: TrainingSpec, metrics: Record<string, number> | null = null, which: EvaluationSplit = 'test'): EvaluationSet {
  const { target, split } = prepareSplit(table, spec);
  const rows = split[which];
  const labels = target.task === 'regression' ? Float32Array.from(rows, (r) => target.y[r] as number) : Int32Array.from(rows, (r) => target.y[r] as number);
  return { runId, split: which, task: spec.task, classes: target.task === 'classification' ? target.classes : null, rows: rawRows(table, spec.features, rows), labels, metric: spec.metric, metrics };
}

/** Reads the run's dataset file and rebuilds one of its splits, the test split by default (parses the CSV: seconds for very large files). */
export async function loadEvaluationSet(ctx: Pick<HubContext, 'db' | 'datasets'>, runId: string, options: { split?: EvaluationSplit } = {}): Promise<EvaluationSet> {
  const run = await getRun(ctx.db, runId);
  if (!run) throw notFound(`training run ${runId}`);
  const dataset = await getDataset(ctx.db, run.datasetId);
  if (!dataset) throw notFound(`dataset ${run.datasetId}`);
  const spec = trainingSpecSchema.parse(run.request);
  const table = await readTable(ctx.datasets.pathOf(dataset.id), datasetColumnsSchema.parse(dataset.columns));
  return evaluationSetFrom(table, runId, spec, (run.metrics as Record<string, number> | null) ?? null, options.split ?? 'test');
}

/** The run id in a version's lineage source (`training-run:<id>`), or null. */
export const runIdOfSource = (source: string | undefined): string | null => (source?.startsWith('training-run:') ? source.slice('training-run:'.length) : null);

/**
 * Flat test metrics (the names lineage uses) from a model's outputs on `set.rows`:
 * classification needs `probabilities` [N x classes]; regression `prediction` [N]; anomaly
 * `score` [N] and `anomaly` flags [N] (0/1 or booleans).
 */
export function scoreOutputs(set: EvaluationSet, outputs: Readonly<Record<string, ArrayLike<number> | readonly boolean[]>>): Record<string, number> {
  const numeric = (name: string): ArrayLike<number> => {
    const values = outputs[name];
    if (values === undefined) throw new Error(`output ${name} is missing`);
    return Array.from(values as ArrayLike<number | boolean>, Number);
  };
  switch (set.task) {
    case 'classification': {
      const classes = set.classes ?? [];
      return flatClassificationMetrics(classificationMetrics(set.labels, numeric('probabilities'), classes.length), classes);
    }
    case 'regression':
      return flatRegressionMetrics(regressionMetrics(set.labels, numeric('prediction')));
    case 'anomaly': {
      // The flags decide precision/recall/F1 (the model's own threshold); the raw score the ranking metrics.
      const byFlag = anomalyMetrics(set.labels, numeric('anomaly'), 0.5);
      const byScore = flatAnomalyMetrics(anomalyMetrics(set.labels, numeric('score'), Number.POSITIVE_INFINITY));
      return finiteMetrics({ ...byScore, f1: byFlag.f1, precision: byFlag.precision, recall: byFlag.recall });
    }
  }
}
