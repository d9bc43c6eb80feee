/**
 * Given a reference built by buildReferenceProfile on training rows with a dominant value (a
 * binary flag, a zero-inflated reading), when devices' windows (counted on the reference's own
 * bins with the shared binOf, as window-builder does) move that value's share, then the pure
 * drift evaluation reports drift. Windows hold as many rows as the reference, so every cell of
 * the comparison is well filled whatever the chi-squared test does with sparse cells.
 */
import { describe, expect, it } from 'vitest';
import type { ReferenceProfile } from '@edgefleet/protocol';
import { evaluateDrift, windowOf } from '../../src/core/drift';
import { buildReferenceProfile } from '../../src/core/reference-profile';
import { mulberry32 } from '../../src/core/seeded-random';

const ROWS = 4000;

/** Bernoulli(p) as 0/1, seeded. */
const flag = (n: number, p: number, seed: number): number[] => {
  const uniform = mulberry32(seed);
  return Array.from({ length: n }, () => (uniform() < p ? 1 : 0));
};

/** 0 with probability zeros, else an exponential reading with mean 3, seeded. */
const zeroInflated = (n: number, zeros: number, seed: number): number[] => {
  const uniform = mulberry32(seed);
  return Array.from({ length: n }, () => (uniform() < zeros ? 0 : -3 * Math.log(1 - uniform())));
};

const referenceOf = (name: string, values: number[]): ReferenceProfile =>
  buildReferenceProfile({ rows: values.length, features: [{ name, kind: 'numeric', source: { input: 'numeric', index: 0 }, values }], outputs: [], bins: 10 });

const verdictOf = (reference: ReferenceProfile, values: number[]): string => {
  const report = evaluateDrift(reference, windowOf(reference, { device: 'dev-1', numeric: [values] }));
  return report.features[0]?.verdict ?? 'none';
};

describe('drift of a feature with a dominant value (issue 11, item 2)', () => {
  const flagReference = referenceOf('door_open', flag(ROWS, 0.05, 1));

  it('given a flag with 5% ones, when the same share comes back, then it is ok', () => {
    expect(verdictOf(flagReference, flag(ROWS, 0.05, 2))).toBe('ok');
  });

  it('given a flag with 5% ones, when 95% of rows are ones, then it is drift', () => {
    expect(verdictOf(flagReference, flag(ROWS, 0.95, 3))).toBe('drift');
  });

  it('given a flag with 5% ones, when 20% of rows are ones, then it is drift', () => {
    expect(verdictOf(flagReference, flag(ROWS, 0.2, 4))).toBe('drift');
  });

  it('given a reading that is 0 in 95% of rows, when only 80% are 0, then it is drift, and ok when 95% are', () => {
    const reference = referenceOf('rain_mm', zeroInflated(ROWS, 0.95, 5));
    expect(verdictOf(reference, zeroInflated(ROWS, 0.95, 6))).toBe('ok');
    expect(verdictOf(reference, zeroInflated(ROWS, 0.8, 7))).toBe('drift');
  });
});
