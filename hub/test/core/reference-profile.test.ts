import { describe, expect, it } from 'vitest';
import { referenceProfileSchema } from '@edgefleet/protocol';
import { buildReferenceProfile, equalMassEdges, numericBins, quantileSorted } from '../../src/core/reference-profile';

describe('reference profile', () => {
  it('equal-mass edges put about the same count in every bin', () => {
    const values = Array.from({ length: 1000 }, (_, i) => Math.exp(i / 200));
    const edges = equalMassEdges(values, 10);
    expect(edges).toHaveLength(11);
    const bins = numericBins(values, edges);
    for (const count of bins.counts) expect(count).toBeGreaterThanOrEqual(99);
    expect(bins.counts.reduce((a, b) => a + b, 0)).toBe(1000);
    expect(bins.underflow + bins.overflow + bins.missing).toBe(0);
  });

  it('handles constant, empty and missing data', () => {
    const constant = equalMassEdges([3, 3, 3]);
    expect(constant).toHaveLength(2);
    expect(numericBins([3, 3, Number.NaN], constant)).toMatchObject({ counts: [2], missing: 1, mean: 3, sd: 0 });
    expect(equalMassEdges([])).toEqual([0, 1]);
  });

  it('matches numpy quantiles (type 7)', () => {
    expect(quantileSorted([1, 2, 3, 4], 0.5)).toBe(2.5);
    expect(quantileSorted([1, 2, 3, 4], 0.25)).toBe(1.75);
  });

  it('builds a profile that the protocol schema accepts', () => {
    const profile = buildReferenceProfile({
      rows: 6,
      features: [
        { name: 'temp', kind: 'numeric', source: { input: 'numeric', index: 0 }, values: [20, 21, 22, 23, Number.NaN, 25] },
        { name: 'mote', kind: 'categorical', source: { input: 'categorical', index: 0 }, values: ['a', 'b', 'a', null, 'z', 'a'], categories: ['a', 'b'] },
      ],
      outputs: [{ name: 'label', kind: 'class', classes: ['normal', 'anomaly'], predicted: [0, 0, 1, 0, 0, 1] }],
      ood: { score: 'max-softmax', values: [0.9, 0.8, 0.99, 0.7, 0.95, 0.6] },
      bins: 4,
    });
    expect(referenceProfileSchema.parse(profile)).toEqual(profile);
    expect(profile.features[1]).toMatchObject({ counts: [3, 1], unseen: 1, missing: 1 });
    expect(profile.outputs[0]).toMatchObject({ counts: [4, 2] });
    // max-softmax: low confidence is out of distribution, so the thresholds are the low quantiles
    expect(profile.ood?.p99).toBeLessThan(profile.ood?.p95 ?? 0);
    expect(profile.ood?.p95).toBeCloseTo(0.625);
  });
});
