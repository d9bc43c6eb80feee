/**
 * Scores a trained body on encoded rows as flat finite numbers (what lineage and search use):
 * classification accuracy, macroF1, logLoss (+ rocAuc when binary); regression mae, rmse, r2;
 * anomaly rocAuc, f1, precision, recall. The anomaly "baseline" has no trainer: it is the
 * no-skill detector (a constant score that flags every row: ROC-AUC 0.5, recall 1).
 */
import { METRIC_DIRECTIONS, anomalyMetrics, classificationMetrics, predictEncoded, regressionMetrics, type EncodedData, type NetworkBody, type SearchMetric, type Task } from '../core/training';

export type FlatMetrics = Record<string, number>;

const finite = (metrics: Record<string, number | undefined>): FlatMetrics =>
  Object.fromEntries(Object.entries(metrics).filter((entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1])));

export function evaluateBody(body: NetworkBody, set: EncodedData, task: Task): FlatMetrics {
  const y = set.y;
  if (y === undefined) throw new Error('evaluateBody: rows without labels');
  const p = predictEncoded(body, set.x, set.rows);
  switch (p.kind) {
    case 'classification': {
      const m = classificationMetrics(y, p.probabilities, p.classes.length);
      return finite({ accuracy: m.accuracy, macroF1: m.macroF1, logLoss: m.logLoss, rocAuc: m.rocAuc });
    }
    case 'regression': {
      const m = regressionMetrics(y, p.prediction);
      return finite({ mae: m.mae, rmse: m.rmse, r2: m.r2 });
    }
    case 'anomaly': {
      if (task !== 'anomaly') throw new Error(`evaluateBody: anomaly head on a ${task} task`);
      return anomalyFlat(y, p.score, p.threshold);
    }
  }
}

function anomalyFlat(labels: ArrayLike<number>, scores: ArrayLike<number>, threshold: number): FlatMetrics {
  const m = anomalyMetrics(labels, scores, threshold);
  return finite({ rocAuc: m.rocAuc, f1: m.f1, precision: m.precision, recall: m.recall });
}

/** The no-skill anomaly detector on the same rows: every row scores 0 and is flagged. */
export const noSkillAnomalyMetrics = (set: EncodedData): FlatMetrics => anomalyFlat(set.y ?? new Int32Array(set.rows), new Float32Array(set.rows), -1);

/** Whether `value` beats `baseline` on `metric`, in the metric's direction; null when either is missing. */
export function beats(metric: SearchMetric, value: number | undefined, baseline: number | undefined): boolean | null {
  if (value === undefined || baseline === undefined) return null;
  return METRIC_DIRECTIONS[metric] === 'max' ? value > baseline : value < baseline;
}
