/**
 * Scores a trained body on encoded rows as flat finite numbers (what lineage and search use; the
 * keys are listed in core/training/flat-metrics.ts): classification accuracy, macroF1, logLoss,
 * ece (+ rocAuc when binary), per-class F1 and the confusion matrix; regression mae, rmse, r2;
 * anomaly rocAuc, averagePrecision, f1, precision, recall. The anomaly "baseline" has no
 * trainer: it is the no-skill detector (a constant score that flags every row: ROC-AUC 0.5,
 * average precision = the anomaly rate, recall 1).
 */
import {
  METRIC_DIRECTIONS,
  anomalyMetrics,
  classificationMetrics,
  flatAnomalyMetrics,
  flatClassificationMetrics,
  flatRegressionMetrics,
  predictEncoded,
  regressionMetrics,
  type EncodedData,
  type FlatMetrics,
  type NetworkBody,
  type SearchMetric,
  type Task,
} from '../../core/training';

export type { FlatMetrics } from '../../core/training';

export function evaluateBody(body: NetworkBody, set: EncodedData, task: Task): FlatMetrics {
  const y = set.y;
  if (y === undefined) throw new Error('evaluateBody: rows without labels');
  const p = predictEncoded(body, set.x, set.rows);
  switch (p.kind) {
    case 'classification': {
      return flatClassificationMetrics(classificationMetrics(y, p.probabilities, p.classes.length), p.classes);
    }
    case 'regression':
      return flatRegressionMetrics(regressionMetrics(y, p.prediction));
    case 'anomaly': {
      if (task !== 'anomaly') throw new Error(`evaluateBody: anomaly head on a ${task} task`);
      return anomalyFlat(y, p.score, p.threshold);
    }
  }
}

const anomalyFlat = (labels: ArrayLike<number>, scores: ArrayLike<number>, threshold: number): FlatMetrics => flatAnomalyMetrics(anomalyMetrics(labels, scores, threshold));

/** The no-skill anomaly detector on the same rows: every row scores 0 and is flagged. */
export const noSkillAnomalyMetrics = (set: EncodedData): FlatMetrics => anomalyFlat(set.y ?? new Int32Array(set.rows), new Float32Array(set.rows), -1);

/** Whether `value` beats `baseline` on `metric`, in the metric's direction; null when either is missing. */
export function beats(metric: SearchMetric, value: number | undefined, baseline: number | undefined): boolean | null {
  if (value === undefined || baseline === undefined) return null;
  return METRIC_DIRECTIONS[metric] === 'max' ? value > baseline : value < baseline;
}
