import { describe, expect, it } from 'vitest';
import type { ReferenceProfile } from '@edgefleet/protocol';
import { classificationSummary, labelProblem, numericValue, regressionSummary, taskOf, windowKey } from '../../src/core/feedback';

const bins = { edges: [0, 1], counts: [1], underflow: 0, overflow: 0, missing: 0, mean: 0, sd: 1 };
const classifier: ReferenceProfile = { rows: 1, features: [], outputs: [{ name: 'label', kind: 'class', classes: ['a', 'b', '1'], counts: [1, 1, 1] }], ood: null };
const regressor: ReferenceProfile = { rows: 1, features: [], outputs: [{ name: 'prediction', kind: 'numeric', bins }], ood: null };

describe('feedback core', () => {
  it('judges a version by its reference: class output, numeric output, or exact match without one', () => {
    expect(taskOf(classifier)).toBe('classification');
    expect(taskOf(regressor)).toBe('regression');
    expect(taskOf(null)).toBe('classification');
    expect(taskOf({ ...regressor, outputs: [] })).toBe('classification');
  });

  it('checks predicted values against the classes, and numbers for a regressor', () => {
    expect(labelProblem(classifier, 'a', 'anything')).toBeNull();
    expect(labelProblem(classifier, 1, 'b')).toBeNull();
    expect(labelProblem(classifier, 'c', 'a')?.code).toBe('E_UNKNOWN_CLASS');
    expect(labelProblem(regressor, 2.5, ' 3 ')).toBeNull();
    expect(labelProblem(regressor, 2.5, 'x')?.message).toMatch(/^label:/);
    expect(labelProblem(regressor, 'x', 1)?.message).toMatch(/^predicted:/);
    expect(labelProblem(null, 'whatever', 'else')).toBeNull();
    expect([numericValue(''), numericValue('1e-3'), numericValue(Number.NaN)]).toEqual([null, 0.001, null]);
  });

  it('keys window tallies so that a colon in a class name cannot merge two pairs', () => {
    expect(windowKey('w1', 'a:b', 'c')).not.toBe(windowKey('w1', 'a', 'b:c'));
    expect(windowKey('w1', 1, 'x')).toBe(windowKey('w1', '1', 'x'));
  });

  it('adds tallies into accuracy, per device and per (predicted, label)', () => {
    const summary = classificationSummary([
      { deviceId: 'd2', predicted: 'a', label: 'a', count: 3 },
      { deviceId: 'd1', predicted: 'a', label: 'b', count: 1 },
      { deviceId: 'd1', predicted: 'b', label: 'b', count: 4 },
      { deviceId: 'd2', predicted: 'a', label: 'b', count: 2 },
      { deviceId: 'd3', predicted: 'a', label: 'a', count: 0 },
    ]);
    expect(summary).toMatchObject({ task: 'classification', labelled: 10, correct: 7, accuracy: 0.7, mae: null });
    expect(summary.devices.map((d) => [d.device, d.labelled, d.correct, d.accuracy])).toEqual([
      ['d1', 5, 4, 0.8],
      ['d2', 5, 3, 0.6],
    ]);
    expect(summary.confusion).toEqual([
      { predicted: 'b', label: 'b', count: 4 },
      { predicted: 'a', label: 'a', count: 3 },
      { predicted: 'a', label: 'b', count: 3 },
    ]);
    expect(classificationSummary([])).toMatchObject({ labelled: 0, correct: 0, accuracy: null, devices: [], confusion: [] });
  });

  it('adds error sums into MAE and RMSE', () => {
    const summary = regressionSummary([
      { deviceId: 'd2', count: 2, absError: 2, sqError: 2 },
      { deviceId: 'd1', count: 2, absError: 6, sqError: 18 },
    ]);
    expect(summary).toMatchObject({ task: 'regression', labelled: 4, correct: null, accuracy: null, mae: 2, rmse: Math.sqrt(5), confusion: null });
    expect(summary.devices.map((d) => [d.device, d.mae, d.rmse])).toEqual([
      ['d1', 3, 3],
      ['d2', 1, 1],
    ]);
    expect(regressionSummary([])).toMatchObject({ labelled: 0, mae: null, rmse: null });
  });
});
