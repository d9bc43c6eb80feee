/**
 * The accuracy fallback's pure parts: the normalised output error (0 exact, 1 = predicting the
 * mean, NaN poisons), the ranking (smallest remaining error first, unmeasurable last, ties by
 * name) and the retry sizes (1, 2, 4, ... capped at a quarter of the candidates).
 */
import { describe, expect, it } from 'vitest';
import { fallbackSteps, normalisedError, rankBySensitivity } from '../../../src/core/quantize/sensitivity';

const run = (values: number[]) => ({ y: { dims: [values.length, 1], data: values } });

describe('normalisedError', () => {
  it('is 0 for identical outputs and 1 for the reference mean', () => {
    const reference = [run([1, 2, 3]), run([4, 5])];
    expect(normalisedError(reference, reference, 'y')).toBe(0);
    expect(normalisedError(reference, [run([3, 3, 3]), run([3, 3])], 'y')).toBeCloseTo(1, 12);
  });

  it('is NaN when a candidate value is NaN, and refuses a missing or resized output', () => {
    expect(normalisedError([run([1, 2])], [run([1, Number.NaN])], 'y')).toBeNaN();
    expect(() => normalisedError([run([1, 2])], [run([1])], 'y')).toThrow(/output y of run 0/);
    expect(() => normalisedError([run([1, 2])], [{}], 'y')).toThrow(/missing/);
  });
});

describe('rankBySensitivity', () => {
  it('puts the smallest remaining error first, NaN last, ties by tensor name', () => {
    const ranked = rankBySensitivity([
      { tensor: 'c', error: 0.3 },
      { tensor: 'nan', error: Number.NaN },
      { tensor: 'b', error: 0.1 },
      { tensor: 'a', error: 0.1 },
    ]);
    expect(ranked.map((entry) => entry.tensor)).toEqual(['a', 'b', 'c', 'nan']);
  });
});

describe('fallbackSteps', () => {
  it.each([
    [0, []],
    [1, [1]],
    [4, [1]],
    [12, [1, 2, 3]],
    [40, [1, 2, 4, 8, 10]],
    [64, [1, 2, 4, 8, 16]],
  ])('%i candidates -> %j', (candidates, steps) => {
    expect(fallbackSteps(candidates)).toEqual(steps);
  });
});
