import { describe, expect, it } from 'vitest';
import { binomialUpperTail, chiSquaredSurvival, gammaQ, kolmogorovSurvival, logGamma, normalSurvival } from '../../../src/core/drift/special-functions';

// Expected values from scipy 1.17 (stats.chi2.sf, special.gammaincc, stats.kstwobign.sf,
// stats.binom.sf(k - 1, n, p), stats.norm.sf).
describe('special functions', () => {
  it('log-gamma matches factorials', () => {
    expect(logGamma(1)).toBeCloseTo(0, 10);
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 10);
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 10);
  });

  it.each([
    [2.5, 1.3, 0.761365267845014],
    [10, 15, 0.06985366069940986],
    [0.5, 0.01, 0.887537083981715],
    [100, 90, 0.84177901081357],
    [1, 3, Math.exp(-3)],
  ])('regularized upper incomplete gamma Q(%f, %f) = %f', (a, x, expected) => {
    expect(gammaQ(a, x)).toBeCloseTo(expected, 10);
  });

  it.each([
    [3.841458820694124, 1, 0.05],
    [18.307038053275146, 10, 0.05],
    [100, 50, 3.454931382984871e-5],
    [0.5, 3, 0.9188914116546758],
    [300, 200, 5.924540335483916e-6],
    [0, 4, 1],
  ])('chi-squared survival sf(%f, dof %i) = %f', (x, dof, expected) => {
    expect(chiSquaredSurvival(x, dof)).toBeCloseTo(expected, 9);
    if (expected > 0) expect(Math.abs(chiSquaredSurvival(x, dof) / expected - 1)).toBeLessThan(1e-8);
  });

  it.each([
    [1.959963984540054, 0.025],
    [-1, 0.8413447460685429],
    [5, 2.866515718791933e-7],
  ])('normal survival at %f = %f', (z, expected) => {
    expect(Math.abs(normalSurvival(z) / expected - 1)).toBeLessThan(1e-8);
  });

  it.each([
    [1.36, 0.049485876755377876],
    [0.5, 0.9639452436648751],
    [2, 0.0006709252557796953],
  ])('Kolmogorov survival at %f = %f', (lambda, expected) => {
    expect(kolmogorovSurvival(lambda)).toBeCloseTo(expected, 9);
  });

  it.each([
    [10, 100, 0.05, 0.02818829416341614, 1e-8],
    [70, 1000, 0.05, 0.0034743586988460833, 1e-8],
    [16, 1000, 0.01, 0.04787058575794716, 1e-8],
    [5301, 100_000, 0.05, 7.73432536383184e-6, 1e-7],
    [40, 1000, 0.05, 0.9401851209480968, 1e-8],
  ])('binomial P(X >= %i | n %i, p %f) = %f', (k, n, p, expected, tolerance) => {
    expect(Math.abs(binomialUpperTail(k, n, p) / expected - 1)).toBeLessThan(tolerance);
  });
});
