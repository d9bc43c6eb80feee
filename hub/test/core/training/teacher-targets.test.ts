import { describe, expect, it } from 'vitest';
import { softmaxRows } from '../../../src/core/training/forward';
import { MIN_PROBABILITY, softTargets, teacherLogits } from '../../../src/core/training/teacher-targets';
import { TrainingError } from '../../../src/core/training/training-error';

const codeOf = (fn: () => unknown): { code: string; message: string; details: unknown } => {
  try {
    fn();
  } catch (error) {
    if (error instanceof TrainingError) return { code: error.code, message: error.message, details: error.details };
    throw error;
  }
  throw new Error('did not throw');
};

describe('teacherLogits', () => {
  it('reads rows of probabilities as probabilities: softmax of the logits gives them back', () => {
    const p = Float32Array.of(0.7, 0.2, 0.1, 0, 0.5, 0.5);
    const { logits, kind } = teacherLogits(p, 2, 3);
    expect(kind).toBe('probabilities');
    expect(logits[0]).toBeCloseTo(Math.log(0.7), 6);
    expect(logits[3]).toBeCloseTo(Math.log(MIN_PROBABILITY), 6); // a hard 0 stays finite
    const back = softmaxRows(logits, 2, 3);
    for (let i = 0; i < 6; i++) expect(back[i]).toBeCloseTo(p[i] as number, 5);
  });

  it('a row off 1 by more than 1e-3, or a negative value, means logits, returned as a copy', () => {
    const offSum = Float32Array.of(0.7, 0.2, 0.1, 0.5, 0.5, 0.002);
    expect(teacherLogits(offSum, 2, 3).kind).toBe('logits');
    const withinTolerance = Float32Array.of(0.7, 0.2, 0.1, 0.5, 0.5, 0.0009);
    expect(teacherLogits(withinTolerance, 2, 3).kind).toBe('probabilities');
    const raw = Float32Array.of(2.5, -1, 0.3, 0, 0, 1);
    const read = teacherLogits(raw, 2, 3);
    expect(read.kind).toBe('logits');
    expect(Array.from(read.logits)).toEqual(Array.from(raw));
    expect(read.logits).not.toBe(raw);
  });

  it('width 1: values in [0, 1] are P(positive) -> log-odds (clamped); others are logits', () => {
    const { logits, kind } = teacherLogits(Float32Array.of(0.2, 0.5, 0, 1), 4, 1);
    expect(kind).toBe('probabilities');
    expect(logits[0]).toBeCloseTo(Math.log(0.25), 6);
    expect(logits[1]).toBe(0);
    const bound = Math.log(MIN_PROBABILITY / (1 - MIN_PROBABILITY));
    expect(logits[2]).toBeCloseTo(bound, 4);
    expect(logits[3]).toBeCloseTo(-bound, 4);
    expect(teacherLogits(Float32Array.of(0.2, 1.5), 2, 1)).toEqual({ logits: Float32Array.of(0.2, 1.5), kind: 'logits' });
    expect(teacherLogits(Float32Array.of(0.2, -0.1), 2, 1).kind).toBe('logits');
  });

  it('a non-finite value is E_INVALID_DATA naming its row; so is a wrong shape', () => {
    const bad = codeOf(() => teacherLogits(Float32Array.of(0.1, 0.9, 0.5, 0.5, Number.NaN, 1), 3, 2));
    expect(bad.code).toBe('E_INVALID_DATA');
    expect(bad.message).toContain('row 2');
    expect(bad.details).toEqual({ row: 2 });
    expect(codeOf(() => teacherLogits(Float32Array.of(Infinity), 1, 1)).message).toContain('row 0');
    expect(codeOf(() => teacherLogits(new Float32Array(5), 2, 3)).code).toBe('E_INVALID_DATA');
    expect(codeOf(() => teacherLogits(new Float32Array(0), 0, 0)).code).toBe('E_INVALID_DATA');
  });
});

describe('softTargets', () => {
  const logits = Float32Array.of(2, 0, -1, 0.5, 0.5, 3);

  it('T = 1 is the softmax; a higher T flattens each row, which still sums to 1', () => {
    expect(Array.from(softTargets(logits, 2, 3, 1))).toEqual(Array.from(softmaxRows(logits, 2, 3)));
    const warm = softTargets(logits, 2, 3, 4);
    for (let r = 0; r < 2; r++) {
      const row = Array.from(warm.subarray(3 * r, 3 * r + 3));
      expect(row.reduce((a, b) => a + b)).toBeCloseTo(1, 6);
      expect(Math.max(...row)).toBeLessThan(Math.max(...softTargets(logits, 2, 3, 1).subarray(3 * r, 3 * r + 3)));
    }
    expect(warm[0]).toBeCloseTo(Math.exp(0.5) / (Math.exp(0.5) + 1 + Math.exp(-0.25)), 6);
  });

  it('width 1: sigmoid(logit / T)', () => {
    const soft = softTargets(Float32Array.of(2, -4), 2, 1, 2);
    expect(soft[0]).toBeCloseTo(1 / (1 + Math.exp(-1)), 6);
    expect(soft[1]).toBeCloseTo(1 / (1 + Math.exp(2)), 6);
  });

  it('round trip: the soft targets of teacherLogits(probabilities) at T = 1 are the probabilities', () => {
    const p = Float32Array.of(0.6, 0.3, 0.1);
    const soft = softTargets(teacherLogits(p, 1, 3).logits, 1, 3, 1);
    for (let i = 0; i < 3; i++) expect(soft[i]).toBeCloseTo(p[i] as number, 6);
  });

  it('rejects a temperature that is not positive (E_INVALID_PARAMS) and non-finite logits (E_INVALID_DATA)', () => {
    expect(codeOf(() => softTargets(logits, 2, 3, 0)).code).toBe('E_INVALID_PARAMS');
    expect(codeOf(() => softTargets(logits, 2, 3, Number.NaN)).code).toBe('E_INVALID_PARAMS');
    expect(codeOf(() => softTargets(Float32Array.of(0, 1, -Infinity, 0), 2, 2, 1)).message).toContain('row 1');
  });
});
