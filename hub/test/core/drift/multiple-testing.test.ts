import { describe, expect, it } from 'vitest';
import { benjaminiHochberg, holm } from '../../../src/core/drift/multiple-testing';

describe('multiple testing', () => {
  it.each([
    { p: [0.01, 0.04, 0.03, 0.005], holm: [0.03, 0.06, 0.06, 0.02], bh: [0.02, 0.04, 0.04, 0.02] },
    { p: [0.5], holm: [0.5], bh: [0.5] },
    { p: [0.9, 0.8, 0.7], holm: [1, 1, 1], bh: [0.9, 0.9, 0.9] },
    { p: [], holm: [], bh: [] },
  ])('holm and BH of $p', ({ p, holm: expectedHolm, bh }) => {
    holm(p).forEach((value, i) => expect(value).toBeCloseTo(expectedHolm[i] as number, 12));
    benjaminiHochberg(p).forEach((value, i) => expect(value).toBeCloseTo(bh[i] as number, 12));
  });

  it('Holm controls one false rejection in many nulls where raw p would not', () => {
    const p = Array.from({ length: 50 }, (_, i) => (i + 0.5) / 50);
    expect(p.filter((x) => x < 0.05).length).toBe(2);
    expect(holm(p).filter((x) => x < 0.05).length).toBe(0);
    expect(benjaminiHochberg(p).filter((x) => x < 0.05).length).toBe(0);
  });
});
