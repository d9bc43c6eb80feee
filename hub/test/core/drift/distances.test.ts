import { describe, expect, it } from 'vitest';
import { chiSquaredHomogeneity } from '../../../src/core/drift/chi-squared';
import { binnedKs, binnedWasserstein, hellinger, jensenShannon, lInfinity, psi, smoothedProportions } from '../../../src/core/drift/distances';

// Reference uniform on 4 bins, observed 10/20/30/40%. Expected values from scipy 1.17:
// chi2_contingency(correction=False), spatial.distance.jensenshannon(base=2) ** 2,
// stats.wasserstein_distance on centres 0..3; PSI and Hellinger by hand.
const reference = [250, 250, 250, 250];
const observed = [100, 200, 300, 400];

describe('binned distances', () => {
  it('PSI = sum (o - r) ln(o / r)', () => {
    expect(psi(reference, observed)).toBeCloseTo(0.22821740957339182, 10);
    expect(psi(reference, reference)).toBe(0);
  });

  it('PSI stays finite on an empty bin thanks to the documented epsilon', () => {
    const value = psi([500, 500, 0], [450, 450, 100]);
    expect(Number.isFinite(value)).toBe(true);
    // reference [0.5, 0.5, 1e-4] renormalized; observed [0.45, 0.45, 0.1]
    expect(value).toBeCloseTo(0.7006103380086779, 10);
    expect(smoothedProportions([0, 10]).reduce((a, b) => a + b, 0)).toBeCloseTo(1, 12);
  });

  it('Jensen-Shannon (bits), Hellinger and L-infinity', () => {
    expect(jensenShannon(reference, observed)).toBeCloseTo(0.0402015823461419, 10);
    expect(jensenShannon([1, 0], [0, 1])).toBeCloseTo(1, 12);
    expect(hellinger(reference, observed)).toBeCloseTo(0.16789959640267496, 10);
    expect(hellinger([1, 0], [0, 1])).toBeCloseTo(1, 12);
    expect(lInfinity(reference, observed)).toBeCloseTo(0.15, 12);
  });

  it('binned KS and Wasserstein', () => {
    // CDFs 0.25/0.5/0.75 vs 0.1/0.3/0.6: largest gap 0.2
    expect(binnedKs(reference, observed)).toBeCloseTo(0.2, 12);
    expect(binnedWasserstein(reference, observed, [0, 1, 2, 3])).toBeCloseTo(0.5, 12);
  });

  it('chi-squared homogeneity matches scipy chi2_contingency', () => {
    const result = chiSquaredHomogeneity(reference, observed);
    expect(result.statistic).toBeCloseTo(109.00210900210901, 9);
    expect(result.dof).toBe(3);
    expect(result.pValue / 1.799206980757217e-23).toBeCloseTo(1, 6);
  });

  it('chi-squared drops bins empty on both sides', () => {
    expect(chiSquaredHomogeneity([250, 0, 250, 250, 250], [100, 0, 200, 300, 400])).toMatchObject({ dof: 3 });
    expect(chiSquaredHomogeneity([10, 10], [0, 0])).toEqual({ statistic: 0, dof: 0, pValue: 1 });
  });
});
