import { describe, expect, it } from 'vitest';
import {
  accuracy,
  anomalyMetrics,
  averagePrecision,
  expectedCalibrationError,
  classificationMetrics,
  confusionMatrix,
  logLoss,
  macroF1,
  perClassScores,
  regressionMetrics,
  rocAuc,
} from '../../../src/core/training/metrics';

describe('classification metrics (hand-computed)', () => {
  const yTrue = [0, 0, 1, 1, 2, 2];
  const yPred = [0, 1, 1, 1, 2, 0];
  const confusion = confusionMatrix(yTrue, yPred, 3);

  it('confusion matrix rows are truth, columns predictions', () => {
    expect(confusion).toEqual([
      [1, 1, 0],
      [0, 2, 0],
      [1, 0, 1],
    ]);
    expect(accuracy(yTrue, yPred)).toBeCloseTo(4 / 6, 12);
  });

  it('per-class precision, recall, F1, support and macro-F1', () => {
    const scores = perClassScores(confusion);
    expect(scores.map((s) => s.support)).toEqual([2, 2, 2]);
    expect(scores[0]).toMatchObject({ precision: 0.5, recall: 0.5, f1: 0.5 });
    expect(scores[1]?.precision).toBeCloseTo(2 / 3, 12);
    expect(scores[1]?.recall).toBe(1);
    expect(scores[1]?.f1).toBeCloseTo(0.8, 12);
    expect(scores[2]).toMatchObject({ precision: 1, recall: 0.5 });
    expect(scores[2]?.f1).toBeCloseTo(2 / 3, 12);
    expect(macroF1(confusion)).toBeCloseTo((0.5 + 0.8 + 2 / 3) / 3, 12);
  });

  it('precision of a never-predicted class is 0, and absent classes leave macro-F1 alone', () => {
    const m = confusionMatrix([0, 0, 1], [0, 0, 0], 3);
    expect(perClassScores(m)[1]).toMatchObject({ precision: 0, recall: 0, f1: 0, support: 1 });
    expect(macroF1(m)).toBeCloseTo((0.8 + 0) / 2, 12); // class 2: neither present nor predicted
  });

  it('log loss, with clipping', () => {
    expect(logLoss([0, 1], [0.9, 0.1, 0.2, 0.8], 2)).toBeCloseTo(-(Math.log(0.9) + Math.log(0.8)) / 2, 12);
    expect(logLoss([0], [0, 1], 2)).toBeCloseTo(-Math.log(1e-15), 9);
  });

  it('summarises probabilities; binary adds ROC-AUC of class 1', () => {
    const m = classificationMetrics([0, 0, 1, 1], [0.9, 0.1, 0.6, 0.4, 0.65, 0.35, 0.2, 0.8], 2);
    expect(m.accuracy).toBe(0.75);
    expect(m.confusion).toEqual([
      [2, 0],
      [1, 1],
    ]);
    expect(m.rocAuc).toBe(0.75); // P(class 1): neg .1 .4, pos .35 .8
  });
});

describe('rocAuc (rank-based)', () => {
  it('matches the sklearn documentation example', () => {
    expect(rocAuc([0, 0, 1, 1], [0.1, 0.4, 0.35, 0.8])).toBe(0.75);
  });

  it('counts ties as half', () => {
    // pairs (pos, neg): (.5,.5) tie = 0.5, (.5,.2) = 1, (.9,.5) = 1, (.9,.2) = 1 -> 3.5 / 4
    expect(rocAuc([0, 1, 0, 1], [0.5, 0.5, 0.2, 0.9])).toBe(0.875);
    expect(rocAuc([0, 1, 1, 0, 1], [3, 3, 3, 3, 3])).toBe(0.5);
  });

  it('is 1 for a perfect ranking, 0 for a reversed one, NaN with one class', () => {
    expect(rocAuc([0, 0, 1], [1, 2, 3])).toBe(1);
    expect(rocAuc([1, 0, 0], [1, 2, 3])).toBe(0);
    expect(rocAuc([1, 1], [0.2, 0.3])).toBeNaN();
  });
});

describe('regression metrics', () => {
  it('matches the sklearn documentation example', () => {
    const m = regressionMetrics([3, -0.5, 2, 7], [2.5, 0, 2, 8]);
    expect(m.mae).toBe(0.5);
    expect(m.rmse).toBeCloseTo(Math.sqrt(0.375), 12);
    expect(m.r2).toBeCloseTo(0.9486081370449679, 12);
  });

  it('R2 of a constant truth is 1 when exact, else 0', () => {
    expect(regressionMetrics([2, 2], [2, 2]).r2).toBe(1);
    expect(regressionMetrics([2, 2], [2, 3]).r2).toBe(0);
  });
});

describe('anomalyMetrics', () => {
  it('scores the threshold and ranks the score', () => {
    const m = anomalyMetrics([0, 0, 1, 1, 0], [0.1, 0.6, 0.7, 0.3, 0.2], 0.5);
    expect(m).toMatchObject({ threshold: 0.5, precision: 0.5, recall: 0.5, f1: 0.5, flagged: 2, anomalies: 2 });
    expect(m.rocAuc).toBeCloseTo(5 / 6, 12); // .7 beats 3 negatives, .3 beats 2
  });

  it('flags strictly above the threshold', () => {
    expect(anomalyMetrics([1], [0.5], 0.5).flagged).toBe(0);
  });
});

describe('calibration and ranking metrics (hand-computed)', () => {
  it('expected calibration error: |accuracy - confidence| per confidence bin, weighted by rows', () => {
    // top probabilities .95 (right), .95 (wrong) -> bin (.9, 1]: |1/2 - .95| = .45 over 2 of 4 rows;
    // .65 (right), .65 (right) -> bin (.6, .7]: |1 - .65| = .35 over 2 of 4 rows
    const probabilities = [0.95, 0.05, 0.05, 0.95, 0.35, 0.65, 0.65, 0.35];
    const yTrue = [0, 0, 1, 0];
    expect(expectedCalibrationError(yTrue, probabilities, 2)).toBeCloseTo(0.5 * 0.45 + 0.5 * 0.35, 12);
    expect(classificationMetrics(yTrue, probabilities, 2).ece).toBeCloseTo(0.4, 12);
    // a perfectly confident, always right model is perfectly calibrated
    expect(expectedCalibrationError([0, 1], [1, 0, 0, 1], 2)).toBe(0);
    expect(expectedCalibrationError([], [], 2)).toBeNaN();
  });

  it('average precision: step-wise area under precision-recall, ties grouped', () => {
    // sorted desc: .9(1) .8(0) .7(1) .2(0) -> recall steps .5 at P=1, .5 at P=2/3
    expect(averagePrecision([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.2])).toBeCloseTo(0.5 * 1 + 0.5 * (2 / 3), 12);
    // a constant score (no skill) gets the positive rate
    expect(averagePrecision([1, 0, 0, 0], [0, 0, 0, 0])).toBeCloseTo(0.25, 12);
    expect(averagePrecision([0, 0], [1, 2])).toBeNaN();
    expect(anomalyMetrics([1, 0, 1, 0], [0.9, 0.8, 0.7, 0.2], 0.75).averagePrecision).toBeCloseTo(5 / 6, 12);
  });
});
