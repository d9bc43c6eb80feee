import { describe, expect, it } from 'vitest';
import { driftOptions, evaluateDrift, normalSampler, prepareReference, screenWindow, simulateWindow, slotModel } from '../../../src/core/drift';
import { buildReferenceProfile } from '../../../src/core/reference-profile';
import { mulberry32 } from '../../../src/core/seeded-random';

const uniform = mulberry32(3);
const random = { uniform, normal: normalSampler(uniform) };
const reference = buildReferenceProfile({
  rows: 10_000,
  features: Array.from({ length: 6 }, (_, index) => ({ name: `f${index}`, kind: 'numeric' as const, source: { input: 'x', index }, values: Array.from({ length: 10_000 }, random.normal) })),
  outputs: [],
  bins: 12,
});
const edges = (i: number): number[] => {
  const f = reference.features[i];
  return f?.kind === 'numeric' ? f.bins.edges : [];
};

describe('simulated windows', () => {
  it('count n rows and carry the shifted mean', () => {
    const shifts = [0, 0.5, -1, 0, 0, 2];
    const window = simulateWindow(reference, 'dev-1', 20_000, shifts.map((s, i) => slotModel(edges(i), s)), random);
    window.features.forEach((f, i) => {
      if (f.kind !== 'numeric') throw new Error('numeric expected');
      expect(f.counts.reduce((a, b) => a + b, 0) + f.underflow + f.overflow).toBe(20_000);
      expect(f.sum / 20_000).toBeCloseTo(shifts[i] as number, 1);
      expect(f.sumSq / 20_000 - (f.sum / 20_000) ** 2).toBeCloseTo(1, 1);
    });
  });
});

describe('screenWindow agrees with evaluateDrift on input features', () => {
  const prepared = prepareReference(reference);
  const options = driftOptions();
  it.each([
    { shifts: [0, 0, 0, 0, 0, 0], n: 1000 },
    { shifts: [0.5, 0, 0.25, 0, 1, 0], n: 1000 },
    { shifts: [0.3, 0.2, 0.1, 0, 0, 0], n: 3000 },
    { shifts: [2, 0, 0, 0, 0, 0], n: 60 },
  ])('shifts $shifts, n $n', ({ shifts, n }) => {
    for (let trial = 0; trial < 20; trial++) {
      const window = simulateWindow(reference, 'dev-1', n, shifts.map((s, i) => slotModel(edges(i), s)), random);
      const full = evaluateDrift(reference, window);
      const screen = screenWindow(prepared, window, options);
      expect(screen.verdicts).toEqual(full.features.map((f) => f.verdict));
      screen.adjusted.forEach((p, i) => {
        const expected = full.features[i]?.verdict === 'insufficient-data' ? 1 : (full.features[i]?.adjustedPValue as number);
        expect(Math.abs(p - expected)).toBeLessThanOrEqual(1e-9 * Math.max(1, expected));
      });
    }
  });
});
