import { describe, expect, it } from 'vitest';
import { createRandom } from '../../../src/core/training/random';
import { allocate, classWeights, oversample, sampleWeights, splitRows } from '../../../src/core/training/split';
import { TrainingError } from '../../../src/core/training/training-error';

const range = (n: number): number[] => [...Array(n).keys()];

describe('splitRows', () => {
  // 3 classes of 100, 37 and 9 rows, interleaved in the table
  const labels = Int32Array.from(range(146), (i) => (i < 100 ? 0 : i < 137 ? 1 : 2));

  it('stratifies: each class split 0.7/0.15/0.15 to within one row, parts disjoint and complete', () => {
    const split = splitRows(range(146), createRandom(1), { strata: labels });
    const all = [...split.train, ...split.validation, ...split.test].sort((a, b) => a - b);
    expect(all).toEqual(range(146));
    for (const [c, n] of [[0, 100], [1, 37], [2, 9]] as const) {
      const count = (rows: number[]): number => rows.filter((r) => labels[r] === c).length;
      expect(Math.abs(count(split.train) - 0.7 * n)).toBeLessThan(1);
      expect(Math.abs(count(split.validation) - 0.15 * n)).toBeLessThan(1);
      expect(Math.abs(count(split.test) - 0.15 * n)).toBeLessThan(1);
    }
    expect(split.train).toEqual([...split.train].sort((a, b) => a - b));
  });

  it('is reproducible per seed and differs across seeds', () => {
    const a = splitRows(range(146), createRandom(9), { strata: labels });
    expect(splitRows(range(146), createRandom(9), { strata: labels })).toEqual(a);
    expect(splitRows(range(146), createRandom(10), { strata: labels })).not.toEqual(a);
  });

  it('splits plainly (regression) with custom fractions, only the rows given', () => {
    const rows = range(50).map((i) => i * 2);
    const split = splitRows(rows, createRandom(3), { fractions: { train: 0.8, validation: 0.2, test: 0 } });
    expect([split.train.length, split.validation.length, split.test.length]).toEqual([40, 10, 0]);
    expect([...split.train, ...split.validation].every((r) => r % 2 === 0)).toBe(true);
  });

  it('rejects fractions that do not sum to 1', () => {
    expect(() => splitRows([1], createRandom(1), { fractions: { train: 0.5, validation: 0.2, test: 0.2 } })).toThrow(TrainingError);
  });

  it('allocates by largest remainder', () => {
    const f = { train: 0.7, validation: 0.15, test: 0.15 };
    expect(allocate(5, f)).toEqual([3, 1, 1]); // exact 3.5, .75, .75
    expect(allocate(2, f)).toEqual([2, 0, 0]); // exact 1.4, .3, .3: train has the largest remainder
    expect(allocate(100, f)).toEqual([70, 15, 15]);
    expect(allocate(0, f)).toEqual([0, 0, 0]);
  });
});

describe('class balance', () => {
  it('weights classes by inverse frequency with a mean row weight of 1', () => {
    const y = Int32Array.of(0, 0, 0, 1);
    const w = classWeights(y, 3); // class 2 absent
    expect(w[0]).toBeCloseTo(4 / 6, 6); // N / (K n_c) with K = 2 present classes
    expect(w[1]).toBeCloseTo(2, 6);
    expect(w[2]).toBe(0);
    const rows = sampleWeights(y, w);
    expect(rows.reduce((a, b) => a + b, 0) / rows.length).toBeCloseTo(1, 6);
  });

  it('oversamples minority classes up to the majority count, reproducibly', () => {
    const labels = Int32Array.of(0, 0, 0, 0, 0, 1, 1, 2);
    const rows = range(8);
    const out = oversample(rows, labels, createRandom(4));
    const count = (c: number): number => out.filter((r) => labels[r] === c).length;
    expect([count(0), count(1), count(2)]).toEqual([5, 5, 5]);
    expect(rows.every((r) => out.includes(r))).toBe(true);
    expect(oversample(rows, labels, createRandom(4))).toEqual(out);
  });
});
