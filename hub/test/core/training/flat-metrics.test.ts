import { describe, expect, it } from 'vitest';
import { confusionKey, flatAnomalyMetrics, flatClassificationMetrics, headlineMetrics, perClassF1Key } from '../../../src/core/training/flat-metrics';
import { anomalyMetrics, classificationMetrics } from '../../../src/core/training/metrics';

describe('flat metrics (the records runs and lineage carry)', () => {
  it('classification: headline numbers, ECE, per-class F1 and every confusion cell keyed by class name', () => {
    // truth a a b b c c; predicted a b b b c a
    const probabilities = [0.8, 0.1, 0.1, 0.3, 0.6, 0.1, 0.1, 0.8, 0.1, 0.2, 0.7, 0.1, 0.1, 0.1, 0.8, 0.5, 0.2, 0.3];
    const m = classificationMetrics([0, 0, 1, 1, 2, 2], probabilities, 3);
    const flat = flatClassificationMetrics(m, ['a', 'b', 'c']);
    expect(flat).toMatchObject({ accuracy: 4 / 6, macroF1: m.macroF1, logLoss: m.logLoss, ece: m.ece });
    expect(flat[perClassF1Key('a')]).toBeCloseTo(0.5, 12);
    expect(flat[perClassF1Key('b')]).toBeCloseTo(0.8, 12);
    expect(flat[perClassF1Key('c')]).toBeCloseTo(2 / 3, 12);
    expect(flat[confusionKey('a', 'b')]).toBe(1);
    expect(flat[confusionKey('c', 'a')]).toBe(1);
    expect(flat[confusionKey('b', 'a')]).toBe(0);
    expect(Object.keys(flat).filter((k) => k.startsWith('confusion['))).toHaveLength(9);
    expect(Object.keys(headlineMetrics(flat)).sort()).toEqual(['accuracy', 'ece', 'logLoss', 'macroF1']);
  });

  it('anomaly: average precision beside ROC-AUC and the thresholded scores; NaN is left out', () => {
    expect(flatAnomalyMetrics(anomalyMetrics([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.2], 0.75))).toMatchObject({ averagePrecision: expect.closeTo(5 / 6, 12), rocAuc: 0.75, precision: 0.5, recall: 0.5 });
    expect(flatAnomalyMetrics(anomalyMetrics([0, 0], [1, 2], 1.5))).not.toHaveProperty('averagePrecision');
  });
});
