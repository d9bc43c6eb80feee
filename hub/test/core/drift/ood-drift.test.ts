/**
 * Issue 11 item 3: the OOD exceedance test against a finite reference. The reference's p95 and
 * p99 are quantiles of its own sample, so a window's exceedance rate under no drift is not
 * exactly 5% / 1%; a test that assumes it is rejects almost always once windows are large.
 */
import { describe, expect, it } from 'vitest';
import type { OodStats, ReferenceOod } from '@edgefleet/protocol';
import { betaBinomialUpperTail, binomialDraw, driftOptions, measureOod, normalSampler, normalSurvival, type Randomness } from '../../../src/core/drift';
import { buildReferenceProfile } from '../../../src/core/reference-profile';
import { mulberry32 } from '../../../src/core/seeded-random';

const randomness = (seed: number): Randomness => {
  const uniform = mulberry32(seed);
  return { uniform, normal: normalSampler(uniform) };
};

/** An OOD reference (higher is worse) from `rows` standard normal scores. */
function oodReference(rows: number, random: Randomness): ReferenceOod {
  const profile = buildReferenceProfile({ rows, features: [], outputs: [], ood: { score: 'reconstruction-error', values: Array.from({ length: rows }, random.normal) }, bins: 10 });
  if (!profile.ood) throw new Error('OOD reference expected');
  return profile.ood;
}

/** A window of n rows from the reference's own population: counts beyond each threshold are binomial on its true exceedance rate. */
function nullWindow(reference: ReferenceOod, n: number, random: Randomness): OodStats {
  const aboveP95 = binomialDraw(n, normalSurvival(reference.p95), random);
  // Beyond p99 given beyond p95: the conditional rate.
  const aboveP99 = binomialDraw(aboveP95, normalSurvival(reference.p99) / normalSurvival(reference.p95), random);
  const counts = new Array<number>(reference.bins.counts.length).fill(0);
  counts[0] = n;
  return { score: { counts, underflow: 0, overflow: 0, missing: 0, sum: 0, sumSq: 0, min: null, max: null }, aboveP95, aboveP99 };
}

describe('OOD exceedance against a 2,000-row reference', () => {
  it('with no drift and 100,000 rows per window, p < 0.01 in at most 2% of windows (it was 58%)', () => {
    const random = randomness(11);
    const options = driftOptions();
    const trials = 300;
    let rejected = 0;
    for (let t = 0; t < trials; t++) {
      const reference = oodReference(2000, random);
      if (measureOod(reference, nullWindow(reference, 100_000, random), options).pValue < 0.01) rejected++;
    }
    expect(rejected / trials).toBeLessThanOrEqual(0.02);
  });

  it('a doubled exceedance rate is still found at once', () => {
    const random = randomness(12);
    const reference = oodReference(2000, random);
    const n = 100_000;
    const window: OodStats = { ...nullWindow(reference, n, random), aboveP95: 10_000, aboveP99: 2_000 };
    const measurement = measureOod(reference, window, driftOptions());
    expect(measurement.pValue).toBeLessThan(1e-6);
    expect(measurement.statistics.referenceRows).toBe(2000);
  });

  it('the beta-binomial tail matches the summed pmf', () => {
    // Beta-Binomial(10, 2, 5): P(X >= 8) = 0.0244755..., P(X >= 3) = 0.5109890...
    expect(betaBinomialUpperTail(8, 10, 2, 5)).toBeCloseTo(0.024475524475, 10);
    expect(betaBinomialUpperTail(3, 10, 2, 5)).toBeCloseTo(0.510989010987, 10);
    expect(betaBinomialUpperTail(0, 10, 2, 5)).toBe(1);
    expect(betaBinomialUpperTail(11, 10, 2, 5)).toBe(0);
  });
});
