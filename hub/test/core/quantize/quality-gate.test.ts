/** The pure parts of the quantize route: output agreement and the quality gate, table-driven. */
import { describe, expect, it } from 'vitest';
import { outputAgreement } from '../../../src/core/quantize/output-agreement';
import { qualityGate } from '../../../src/core/quantize/quality-gate';

describe('outputAgreement', () => {
  it('rows of several values agree on their argmax; single values within abs + rel', () => {
    const reference = [{ scores: { dims: [2, 3], data: [0.1, 0.7, 0.2, 0.5, 0.4, 0.1] }, state: { dims: [2], data: [0, 0] } }];
    const candidate = [{ scores: { dims: [2, 3], data: [0.1, 0.6, 0.3, 0.3, 0.6, 0.1] }, state: { dims: [2], data: [0.5, 0] } }];
    expect(outputAgreement(reference, candidate, 'scores')).toEqual({ output: 'scores', rule: 'argmax', rows: 2, agreement: 0.5, maxAbsDiff: { scores: expect.closeTo(0.2, 6), state: 0.5 } });
    const p = [{ output: { dims: [1, 1], data: [0.9] } }, { output: { dims: [1, 1], data: [0.1] } }];
    const q = [{ output: { dims: [1, 1], data: [0.93] } }, { output: { dims: [1, 1], data: [0.15] } }];
    // 0.9: limit 0.02 + 0.018 = 0.038 >= 0.03 agrees; 0.1: limit 0.022 < 0.05 does not
    expect(outputAgreement(p, q, 'output')).toMatchObject({ rule: 'tolerance', rows: 2, agreement: 0.5 });
  });

  it('a NaN is an infinite difference and never agrees', () => {
    const result = outputAgreement([{ y: { dims: [1], data: [1] } }], [{ y: { dims: [1], data: [Number.NaN] } }], 'y');
    expect(result.agreement).toBe(0);
    expect(result.maxAbsDiff.y).toBe(Number.POSITIVE_INFINITY);
  });
});

describe('qualityGate', () => {
  const limits = { maxAccuracyLossPp: 1, minAgreement: 0.99, maxMetricLossPp: 1 };
  it.each([
    { name: 'accuracy within the limit', m: { kind: 'accuracy' as const, source: 0.93, result: 0.925 }, pass: true },
    { name: 'accuracy gained', m: { kind: 'accuracy' as const, source: 0.9, result: 0.91 }, pass: true },
    { name: 'accuracy lost 2 pp', m: { kind: 'accuracy' as const, source: 0.93, result: 0.91 }, pass: false },
    { name: 'agreement at the minimum', m: { kind: 'agreement' as const, result: 0.99 }, pass: true },
    { name: 'agreement below', m: { kind: 'agreement' as const, result: 0.5 }, pass: false },
    { name: 'agreement NaN', m: { kind: 'agreement' as const, result: Number.NaN }, pass: false },
  ])('$name -> pass $pass', ({ m, pass }) => {
    const verdict = qualityGate(m, limits);
    expect(verdict.pass).toBe(pass);
    if (!verdict.pass) expect(verdict.reason).toMatch(/limit|minimum/);
  });

  // ISSUE 11.10: accuracy alone hides a rare class that int8 stops predicting.
  it.each([
    { name: 'macro-F1 falls 15 pp while accuracy holds', m: { kind: 'accuracy' as const, source: 0.95, result: 0.949, primary: { metric: 'macroF1', source: 0.8, result: 0.65 } }, pass: false },
    { name: 'macro-F1 within 1 pp', m: { kind: 'accuracy' as const, source: 0.95, result: 0.949, primary: { metric: 'macroF1', source: 0.8, result: 0.795 } }, pass: true },
    { name: 'agreement holds, macro-F1 of labelled samples falls', m: { kind: 'agreement' as const, result: 0.995, primary: { metric: 'macroF1', source: 0.7, result: 0.6 } }, pass: false },
    { name: 'an error metric (rmse) 5% worse', m: { kind: 'agreement' as const, result: 1, primary: { metric: 'rmse', source: 2, result: 2.1 } }, pass: false },
    { name: 'an error metric 0.5% worse', m: { kind: 'agreement' as const, result: 1, primary: { metric: 'rmse', source: 2, result: 2.01 } }, pass: true },
    { name: 'primary metric NaN', m: { kind: 'accuracy' as const, source: 0.9, result: 0.9, primary: { metric: 'macroF1', source: 0.8, result: Number.NaN } }, pass: false },
  ])('primary metric: $name -> pass $pass', ({ m, pass }) => {
    const verdict = qualityGate(m, limits);
    expect(verdict.pass).toBe(pass);
    if (!verdict.pass) expect(verdict).toMatchObject({ reason: expect.stringContaining(m.primary.metric), limit: { maxMetricLossPp: 1 } });
  });

  it('a macro-F1 refusal carries both sides of the metric', () => {
    expect(qualityGate({ kind: 'accuracy', source: 0.95, result: 0.949, primary: { metric: 'macroF1', source: 0.8, result: 0.65 } }, limits)).toMatchObject({
      pass: false,
      measured: { sourceAccuracy: 0.95, resultAccuracy: 0.949, source_macroF1: 0.8, result_macroF1: 0.65, metricLossPp: 15 },
    });
  });

  it('refusals carry the measured numbers and the limit', () => {
    expect(qualityGate({ kind: 'accuracy', source: 0.93, result: 0.91 }, limits)).toMatchObject({ pass: false, measured: { sourceAccuracy: 0.93, resultAccuracy: 0.91, accuracyLossPp: 2 }, limit: { maxAccuracyLossPp: 1 } });
  });
});
