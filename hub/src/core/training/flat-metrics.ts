/**
 * Metrics as the flat `{ name: number }` records that runs, trials and signed lineage carry
 * (the release manifest's `lineage.metrics` is a record of numbers, so structure goes into the
 * key). Only finite numbers are kept (JSON has no NaN). Keys:
 *  - classification: accuracy, macroF1, logLoss, ece, rocAuc (binary), `f1[<class>]` for every
 *    class, and `confusion[<true class>][<predicted class>]` for every cell (rows of the test
 *    split; zeros included, so the matrix can be rebuilt from the keys)
 *  - regression: mae, rmse, r2
 *  - anomaly: rocAuc, averagePrecision, f1, precision, recall
 */
import type { AnomalyMetrics, ClassificationMetrics, RegressionMetrics } from './metrics';

export type FlatMetrics = Record<string, number>;

export const perClassF1Key = (className: string): string => `f1[${className}]`;
export const confusionKey = (trueClass: string, predictedClass: string): string => `confusion[${trueClass}][${predictedClass}]`;

/** A per-class or per-cell key (`f1[...]`, `confusion[...][...]`), as opposed to a headline number. */
export const isDetailKey = (key: string): boolean => key.includes('[');

export function finiteMetrics(metrics: Readonly<Record<string, number | undefined>>): FlatMetrics {
  return Object.fromEntries(Object.entries(metrics).filter((entry): entry is [string, number] => typeof entry[1] === 'number' && Number.isFinite(entry[1])));
}

/** Headline numbers only (what search trials and one-line logs show). */
export const headlineMetrics = (metrics: Readonly<FlatMetrics>): FlatMetrics => Object.fromEntries(Object.entries(metrics).filter(([key]) => !isDetailKey(key)));

export function flatClassificationMetrics(m: ClassificationMetrics, classes: readonly string[]): FlatMetrics {
  const flat: Record<string, number | undefined> = { accuracy: m.accuracy, macroF1: m.macroF1, logLoss: m.logLoss, ece: m.ece, rocAuc: m.rocAuc };
  m.perClass.forEach((scores) => {
    flat[perClassF1Key(classes[scores.class] ?? String(scores.class))] = scores.f1;
  });
  m.confusion.forEach((row, t) => {
    row.forEach((count, p) => {
      flat[confusionKey(classes[t] ?? String(t), classes[p] ?? String(p))] = count;
    });
  });
  return finiteMetrics(flat);
}

export const flatRegressionMetrics = (m: RegressionMetrics): FlatMetrics => finiteMetrics({ mae: m.mae, rmse: m.rmse, r2: m.r2 });

export const flatAnomalyMetrics = (m: AnomalyMetrics): FlatMetrics =>
  finiteMetrics({ rocAuc: m.rocAuc, averagePrecision: m.averagePrecision, f1: m.f1, precision: m.precision, recall: m.recall });
