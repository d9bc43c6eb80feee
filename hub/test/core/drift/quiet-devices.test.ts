/**
 * Issue 11 item 1: quiet devices (50-200 rows per window) and the reference's empty outer
 * cells. Bin edges run from the reference's min to its max, so its underflow and overflow are 0;
 * a later value past the range must not, alone, make a window drift.
 */
import { describe, expect, it } from 'vitest';
import type { ReferenceProfile, StatsWindow } from '@edgefleet/protocol';
import { chiSquaredHomogeneity, evaluateDrift, evaluateFleet, normalSampler, prepareReference, simulateWindow, slotModel, type Randomness, type SlotModel } from '../../../src/core/drift';
import { buildReferenceProfile } from '../../../src/core/reference-profile';
import { mulberry32 } from '../../../src/core/seeded-random';

const randomness = (seed: number): Randomness => {
  const uniform = mulberry32(seed);
  return { uniform, normal: normalSampler(uniform) };
};

function normalReference(features: number, rows: number, seed: number): ReferenceProfile {
  const { normal } = randomness(seed);
  return buildReferenceProfile({
    rows,
    features: Array.from({ length: features }, (_, index) => ({ name: `f${index}`, kind: 'numeric' as const, source: { input: 'x', index }, values: Array.from({ length: rows }, normal) })),
    outputs: [],
    bins: 10,
  });
}

const modelsOf = (reference: ReferenceProfile, shift = 0): SlotModel[] => reference.features.map((f) => slotModel(f.kind === 'numeric' ? f.bins.edges : [0, 1], shift));
const TEN_BINS = Array.from({ length: 10 }, () => 2000);

describe('chi-squared homogeneity with cells the reference never saw', () => {
  it('one value past the reference range in 100 rows is not evidence of drift (it was p = 1.2e-38)', () => {
    const result = chiSquaredHomogeneity([0, ...TEN_BINS, 0], [1, 6, 14, 8, 11, 12, 10, 10, 9, 7, 12, 0]);
    expect(result.pValue).toBeGreaterThan(0.1);
    // The underflow cell joined its neighbour: 11 bins with data, 10 after pooling.
    expect(result.dof).toBe(9);
  });

  it('many values past the range still count: 20 of 100 above the maximum is significant', () => {
    const result = chiSquaredHomogeneity([0, ...TEN_BINS, 0], [0, 8, 8, 8, 8, 8, 8, 8, 8, 8, 8, 20]);
    expect(result.pValue).toBeLessThan(1e-4);
  });

  it('a column with enough out-of-range values to stand alone keeps its own degree of freedom', () => {
    // 5% of 20,000 rows above the maximum: expected counts far above 5 on both sides.
    const observed = [0, ...Array.from({ length: 10 }, () => 1900), 1000];
    const result = chiSquaredHomogeneity([0, ...TEN_BINS, 0], observed);
    expect(result.dof).toBe(10);
    expect(result.pValue).toBeLessThan(1e-100);
  });

  it.each([100, 200])('per-window test size at alpha 0.01 with %i rows against 2,000-row references is within 1.5x of alpha', (rows) => {
    // Averaged over references: for one fixed reference the size depends on how far its own
    // sample fell from the population, which is the reference's sampling error the test allows for.
    let windows = 0;
    let rejected = 0;
    let outOfRange = 0;
    for (let seed = 0; seed < 10; seed++) {
      const reference = normalReference(1, 2000, 50 + seed);
      const feature = reference.features[0];
      if (feature?.kind !== 'numeric') throw new Error('numeric feature expected');
      const refCounts = [feature.bins.underflow, ...feature.bins.counts, feature.bins.overflow, feature.bins.missing];
      const models = modelsOf(reference);
      const random = randomness(100 * rows + seed);
      for (let w = 0; w < 800; w++, windows++) {
        const f = simulateWindow(reference, 'dev', rows, models, random).features[0];
        if (f?.kind !== 'numeric') throw new Error('numeric feature expected');
        if (f.underflow + f.overflow > 0) outOfRange++;
        if (chiSquaredHomogeneity(refCounts, [f.underflow, ...f.counts, f.overflow, f.missing]).pValue < 0.01) rejected++;
      }
    }
    // About 2 in 2,001 rows fall past a 2,000-row reference's range: the case this is about.
    expect(outOfRange / windows).toBeGreaterThan(0.05);
    expect(rejected / windows).toBeLessThanOrEqual(0.015);
    expect(rejected / windows).toBeGreaterThanOrEqual(0.01 / 1.5);
  });
});

describe('a fleet of quiet devices with no drift', () => {
  it.each([100, 200])('given 1,000 devices with %i rows per window and no drift, then no window is fleet drift (it was 30 of 30 at 100 rows)', (rows) => {
    const reference = normalReference(5, 20_000, 20_260_101);
    const prepared = prepareReference(reference);
    const models = modelsOf(reference);
    const random = randomness(rows);
    const verdicts: string[] = [];
    for (let w = 0; w < 6; w++) {
      const windows: StatsWindow[] = Array.from({ length: 1000 }, (_, d) => simulateWindow(reference, `dev-${d}`, rows, models, random));
      const report = evaluateFleet(reference, windows, {}, prepared);
      verdicts.push(report.verdict);
      // Explains the verdict when it fails: which signals, how many devices.
      expect(report.signals.filter((s) => s.verdict === 'drift').map((s) => s.evidence)).toEqual([]);
    }
    expect(verdicts.filter((v) => v === 'drift')).toEqual([]);
  });

  it('a quiet device whose values really moved past the range still drifts', () => {
    const reference = normalReference(1, 2000, 9);
    const window = simulateWindow(reference, 'dev', 100, modelsOf(reference, 3), randomness(4));
    const report = evaluateDrift(reference, window);
    expect(report.features[0]?.verdict).toBe('drift');
  });
});
