/**
 * Evaluation metrics, as plain JSON-ready numbers (NaN where a metric is undefined, e.g. ROC-AUC
 * with one class present; callers map NaN to null for JSON). Conventions, stated once:
 *  - precision, recall or F1 with a zero denominator is 0 (sklearn's zero_division=0)
 *  - macro-F1 averages the per-class F1 over the classes present in the truth or the
 *    predictions (sklearn's labels=None); a class neither present nor predicted is left out
 *  - ROC-AUC is the Mann-Whitney statistic: P(score of a positive > score of a negative), ties
 *    counting 1/2 (average ranks)
 *  - log loss clips probabilities to [1e-15, 1 - 1e-15] (sklearn)
 *  - expected calibration error (ECE) bins each row's top-class probability into 10 equal-width
 *    bins: sum over bins of (rows in bin / rows) x |accuracy in bin - mean confidence in bin|
 *  - average precision is sklearn's step-wise area under the precision-recall curve: the sum of
 *    (R_k - R_{k-1}) P_k over the distinct score thresholds, highest first (no interpolation)
 */

export interface ClassScores {
  class: number;
  precision: number;
  recall: number;
  f1: number;
  support: number;
}

/** confusion[t][p] = rows of true class t predicted as p */
export function confusionMatrix(yTrue: ArrayLike<number>, yPred: ArrayLike<number>, classes: number): number[][] {
  const m = Array.from({ length: classes }, () => new Array<number>(classes).fill(0));
  for (let i = 0; i < yTrue.length; i++) {
    const row = m[yTrue[i] as number];
    const p = yPred[i] as number;
    if (row !== undefined && p >= 0 && p < classes) row[p] = (row[p] as number) + 1;
  }
  return m;
}

export function accuracy(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): number {
  if (yTrue.length === 0) return Number.NaN;
  let hits = 0;
  for (let i = 0; i < yTrue.length; i++) if (yTrue[i] === yPred[i]) hits++;
  return hits / yTrue.length;
}

const ratio = (a: number, b: number): number => (b > 0 ? a / b : 0);
const f1Of = (precision: number, recall: number): number => ratio(2 * precision * recall, precision + recall);

export function perClassScores(confusion: readonly (readonly number[])[]): ClassScores[] {
  const k = confusion.length;
  return confusion.map((row, c) => {
    const tp = row[c] ?? 0;
    const support = row.reduce((a, b) => a + b, 0);
    let predicted = 0;
    for (let t = 0; t < k; t++) predicted += confusion[t]?.[c] ?? 0;
    const precision = ratio(tp, predicted);
    const recall = ratio(tp, support);
    return { class: c, precision, recall, f1: f1Of(precision, recall), support };
  });
}

export function macroF1(confusion: readonly (readonly number[])[]): number {
  const scores = perClassScores(confusion).filter((s, c) => s.support > 0 || confusion.some((row) => (row[c] ?? 0) > 0));
  return scores.length === 0 ? Number.NaN : scores.reduce((a, s) => a + s.f1, 0) / scores.length;
}

/** Rank-based ROC-AUC; labels 1 = positive, anything else negative. NaN without both kinds. */
export function rocAuc(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = labels.length;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[a] as number) - (scores[b] as number));
  let positives = 0;
  let rankSum = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && scores[order[end + 1] as number] === scores[order[start] as number]) end++;
    const averageRank = (start + end) / 2 + 1; // 1-based ranks, ties share the mean
    for (let i = start; i <= end; i++) {
      if (labels[order[i] as number] === 1) {
        positives++;
        rankSum += averageRank;
      }
    }
    start = end + 1;
  }
  const negatives = n - positives;
  if (positives === 0 || negatives === 0) return Number.NaN;
  return (rankSum - (positives * (positives + 1)) / 2) / (positives * negatives);
}

/** Mean negative log-probability of the true class; probabilities row-major [rows x classes]. */
export function logLoss(yTrue: ArrayLike<number>, probabilities: ArrayLike<number>, classes: number): number {
  if (yTrue.length === 0) return Number.NaN;
  let sum = 0;
  for (let i = 0; i < yTrue.length; i++) {
    const p = probabilities[i * classes + (yTrue[i] as number)] as number;
    sum -= Math.log(Math.min(1 - 1e-15, Math.max(1e-15, p)));
  }
  return sum / yTrue.length;
}

/** Equal-width confidence bins of the ECE (Guo et al. 2017 use 15; 10 keeps each bin populated on small test splits). */
export const ECE_BINS = 10;

/**
 * Expected calibration error of the argmax prediction: how far the stated confidence (the top
 * probability) is from the accuracy actually reached, averaged over confidence bins weighted by
 * their rows. 0 = perfectly calibrated; NaN without rows.
 */
export function expectedCalibrationError(yTrue: ArrayLike<number>, probabilities: ArrayLike<number>, classes: number, bins = ECE_BINS): number {
  const n = yTrue.length;
  if (n === 0 || classes === 0) return Number.NaN;
  const rows = new Float64Array(bins);
  const hits = new Float64Array(bins);
  const confidence = new Float64Array(bins);
  for (let i = 0; i < n; i++) {
    let best = 0;
    for (let c = 1; c < classes; c++) if ((probabilities[i * classes + c] as number) > (probabilities[i * classes + best] as number)) best = c;
    const p = probabilities[i * classes + best] as number;
    // Bins are (lo, hi]; a confidence of exactly 0 (impossible for a top class) lands in the first.
    const b = Math.min(bins - 1, Math.max(0, Math.ceil(p * bins) - 1));
    rows[b] = (rows[b] as number) + 1;
    confidence[b] = (confidence[b] as number) + p;
    if (best === yTrue[i]) hits[b] = (hits[b] as number) + 1;
  }
  let ece = 0;
  for (let b = 0; b < bins; b++) {
    const m = rows[b] as number;
    if (m > 0) ece += (m / n) * Math.abs((hits[b] as number) / m - (confidence[b] as number) / m);
  }
  return ece;
}

/** Area under the precision-recall curve of `scores` for labels 1 (step-wise, ties grouped); NaN without a positive. */
export function averagePrecision(labels: ArrayLike<number>, scores: ArrayLike<number>): number {
  const n = labels.length;
  let positives = 0;
  for (let i = 0; i < n; i++) if (labels[i] === 1) positives++;
  if (positives === 0) return Number.NaN;
  const order = Array.from({ length: n }, (_, i) => i).sort((a, b) => (scores[b] as number) - (scores[a] as number));
  let tp = 0;
  let recallBefore = 0;
  let ap = 0;
  for (let start = 0; start < n; ) {
    let end = start;
    while (end + 1 < n && scores[order[end + 1] as number] === scores[order[start] as number]) end++;
    for (let i = start; i <= end; i++) if (labels[order[i] as number] === 1) tp++;
    const recall = tp / positives;
    ap += (recall - recallBefore) * (tp / (end + 1));
    recallBefore = recall;
    start = end + 1;
  }
  return ap;
}

export interface ClassificationMetrics {
  accuracy: number;
  macroF1: number;
  logLoss: number;
  /** expected calibration error of the top-class probability (ECE_BINS bins) */
  ece: number;
  /** binary only: ROC-AUC of the probability of class 1 */
  rocAuc?: number;
  perClass: ClassScores[];
  confusion: number[][];
}

/** Labels are the argmax of `probabilities` ([rows x classes], first max on ties). */
export function classificationMetrics(yTrue: ArrayLike<number>, probabilities: ArrayLike<number>, classes: number): ClassificationMetrics {
  const yPred = Int32Array.from({ length: yTrue.length }, (_, i) => {
    let best = 0;
    for (let c = 1; c < classes; c++) if ((probabilities[i * classes + c] as number) > (probabilities[i * classes + best] as number)) best = c;
    return best;
  });
  const confusion = confusionMatrix(yTrue, yPred, classes);
  const out: ClassificationMetrics = {
    accuracy: accuracy(yTrue, yPred),
    macroF1: macroF1(confusion),
    logLoss: logLoss(yTrue, probabilities, classes),
    ece: expectedCalibrationError(yTrue, probabilities, classes),
    perClass: perClassScores(confusion),
    confusion,
  };
  if (classes === 2) out.rocAuc = rocAuc(yTrue, Float64Array.from({ length: yTrue.length }, (_, i) => probabilities[2 * i + 1] as number));
  return out;
}

export interface RegressionMetrics {
  mae: number;
  rmse: number;
  /** 1 - SS_res / SS_tot; with a constant truth: 1 if predicted exactly, else 0 (sklearn) */
  r2: number;
}

export function regressionMetrics(yTrue: ArrayLike<number>, yPred: ArrayLike<number>): RegressionMetrics {
  const n = yTrue.length;
  if (n === 0) return { mae: Number.NaN, rmse: Number.NaN, r2: Number.NaN };
  let abs = 0;
  let ss = 0;
  let mean = 0;
  for (let i = 0; i < n; i++) mean += yTrue[i] as number;
  mean /= n;
  let tot = 0;
  for (let i = 0; i < n; i++) {
    const d = (yPred[i] as number) - (yTrue[i] as number);
    abs += Math.abs(d);
    ss += d * d;
    tot += ((yTrue[i] as number) - mean) ** 2;
  }
  const r2 = tot > 0 ? 1 - ss / tot : ss === 0 ? 1 : 0;
  return { mae: abs / n, rmse: Math.sqrt(ss / n), r2 };
}

export interface AnomalyMetrics {
  threshold: number;
  /** of the anomaly class (label 1) with "score > threshold" as the prediction */
  precision: number;
  recall: number;
  f1: number;
  /** ROC-AUC of the raw score (threshold-free) */
  rocAuc: number;
  /** average precision of the raw score (threshold-free; a no-skill score gets the anomaly rate) */
  averagePrecision: number;
  flagged: number;
  anomalies: number;
}

export function anomalyMetrics(labels: ArrayLike<number>, scores: ArrayLike<number>, threshold: number): AnomalyMetrics {
  let tp = 0;
  let flagged = 0;
  let anomalies = 0;
  for (let i = 0; i < labels.length; i++) {
    const predicted = (scores[i] as number) > threshold;
    const actual = labels[i] === 1;
    if (predicted) flagged++;
    if (actual) anomalies++;
    if (predicted && actual) tp++;
  }
  const precision = ratio(tp, flagged);
  const recall = ratio(tp, anomalies);
  return { threshold, precision, recall, f1: f1Of(precision, recall), rocAuc: rocAuc(labels, scores), averagePrecision: averagePrecision(labels, scores), flagged, anomalies };
}
