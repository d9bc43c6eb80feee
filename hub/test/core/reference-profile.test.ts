import { describe, expect, it } from 'vitest';
import { binOf, referenceProfileSchema } from '@edgefleet/protocol';
import { HubError } from '../../src/core/errors';
import { buildReferenceProfile, equalMassEdges, numericBins, quantileSorted } from '../../src/core/reference-profile';
import { mulberry32 } from '../../src/core/seeded-random';

const repeat = (value: number, times: number): number[] => new Array<number>(times).fill(value);
/** Edges as made, the top one checked apart: it sits a float32 rounding step above the largest value. */
const expectEdges = (edges: number[], inner: number[], largest: number): void => {
  expect(edges.slice(0, -1)).toEqual(inner);
  expect(edges.at(-1)).toBeGreaterThan(largest);
  expect(edges.at(-1)).toBeCloseTo(largest, 5);
};
/** The count of the bin that `value` falls in, and everything else that bin holds. */
const binHolding = (values: number[], edges: number[], value: number): { slot: ReturnType<typeof binOf>; count: number; others: number[] } => {
  const slot = binOf(edges, value);
  const inSlot = values.filter((v) => binOf(edges, v) === slot);
  return { slot, count: inSlot.length, others: [...new Set(inSlot.filter((v) => v !== value))] };
};

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

  describe('a value holding a large share of the mass gets a bin of its own (issue 11, item 2)', () => {
    it('a reading that is 0 in 95% of rows: the zeros alone in the first bin, the rest after it', () => {
      const positive = Array.from({ length: 50 }, (_, i) => 0.1 + i / 10);
      const values = [...repeat(0, 950), ...positive];
      const edges = equalMassEdges(values, 10);
      expect(edges[0]).toBe(0);
      expect(edges[1]).toBeCloseTo(0.05, 12); // halfway to the smallest other value
      expect(numericBins(values, edges).counts).toEqual([950, 50]);
    });

    it('a binary flag with 5% ones: one bin per value, split halfway', () => {
      const values = [...repeat(0, 950), ...repeat(1, 50)];
      const edges = equalMassEdges(values, 10);
      expectEdges(edges, [0, 0.5], 1);
      expect(numericBins(values, edges).counts).toEqual([950, 50]);
    });

    it('small integer codes: one bin per code', () => {
      const values = [...repeat(0, 300), ...repeat(1, 300), ...repeat(2, 200), ...repeat(3, 120), ...repeat(4, 80)];
      const edges = equalMassEdges(values, 10);
      expectEdges(edges, [0, 0.5, 1.5, 2.5, 3.5], 4);
      expect(numericBins(values, edges).counts).toEqual([300, 300, 200, 120, 80]);
    });

    it('a stuck reading in the middle of a continuous feature: its own bin, equal-mass bins on either side', () => {
      const continuous = Array.from({ length: 1000 }, (_, i) => i / 1000);
      const values = [...continuous, ...repeat(0.5, 1000)];
      const edges = equalMassEdges(values, 10);
      expect(edges.length - 1).toBeLessThanOrEqual(10);
      const stuck = binHolding(values, edges, 0.5);
      expect(stuck).toMatchObject({ count: 1001, others: [] }); // the 1000 stuck rows and the one continuous 0.5
      const rest = numericBins(values, edges).counts.filter((_, i) => i !== stuck.slot);
      expect(rest.length).toBeGreaterThanOrEqual(4);
      for (const count of rest) expect(count).toBeGreaterThanOrEqual(Math.min(...rest));
      // 999 other rows in the 9 bins left, 500 below the stuck value and 499 above: 5 and 4 bins
      expect(Math.max(...rest) / Math.min(...rest)).toBeLessThanOrEqual(1.3);
    });

    it('rare codes join a neighbour, but two distinct values always make at least two bins', () => {
      expect(numericBins([...repeat(0, 999), 1], equalMassEdges([...repeat(0, 999), 1], 10)).counts).toEqual([999, 1]);
      const codes = [...repeat(0, 850), ...repeat(1, 80), ...repeat(2, 60), ...repeat(3, 10)];
      const edges = equalMassEdges(codes, 10);
      // 3 holds under half an equal-mass bin (5%), too few for a verdict at 100 rows on its own
      expectEdges(edges, [0, 0.5, 1.5], 3);
      expect(numericBins(codes, edges).counts).toEqual([850, 80, 70]);
    });

    it('a dominant value at either end lands in its own bin from a float32 device too', () => {
      // Devices see float32 inputs: Math.fround(0.7) is just below 0.7 and must not underflow.
      const low = [...repeat(0.7, 950), ...Array.from({ length: 50 }, (_, i) => 1 + i / 10)];
      const lowEdges = equalMassEdges(low, 10);
      expect(binOf(lowEdges, Math.fround(0.7))).toBe(0);
      expect(binOf(lowEdges, 0.7)).toBe(0);
      const high = [...Array.from({ length: 50 }, (_, i) => i / 100), ...repeat(1.3, 950)];
      const highEdges = equalMassEdges(high, 10);
      expect(binOf(highEdges, Math.fround(1.3))).toBe(highEdges.length - 2);
      expect(numericBins(high, highEdges).counts.at(-1)).toBe(950);
      const constant = equalMassEdges(repeat(0.7, 10));
      expect(binOf(constant, Math.fround(0.7))).toBe(0);
    });

    it('seeded mixes of point masses and continuous parts: strictly increasing edges, at most the cap, never one bin for two values', () => {
      const uniform = mulberry32(42);
      for (let trial = 0; trial < 200; trial++) {
        const points = Array.from({ length: 1 + Math.floor(uniform() * 6) }, () => Math.round(uniform() * 20) - 10);
        const share = uniform();
        const n = 50 + Math.floor(uniform() * 2000);
        const values = Array.from({ length: n }, () => (uniform() < share ? (points[Math.floor(uniform() * points.length)] as number) : uniform() * 30 - 15));
        const bins = 2 + Math.floor(uniform() * 20);
        const edges = equalMassEdges(values, bins);
        expect(edges.length - 1).toBeLessThanOrEqual(bins);
        for (let i = 1; i < edges.length; i++) expect(edges[i]).toBeGreaterThan(edges[i - 1] as number);
        const counted = numericBins(values, edges);
        expect(counted.underflow + counted.overflow).toBe(0);
        if (new Set(values).size >= 2) expect(counted.counts.filter((c) => c > 0).length).toBeGreaterThanOrEqual(2);
        // a value with at least two bins' worth of mass shares its bin with less than one bin's worth
        for (const point of new Set(points)) {
          const count = values.filter((v) => v === point).length;
          if (count < (2 * n) / bins) continue;
          expect(binHolding(values, edges, point).count - count).toBeLessThan(n / bins);
        }
      }
    });

    it('refuses a bin count outside 2..256, naming the field', () => {
      const build = (bins: number) => () =>
        buildReferenceProfile({ rows: 3, features: [{ name: 'x', kind: 'numeric', source: { input: 'numeric', index: 0 }, values: [1, 2, 3] }], outputs: [], bins });
      for (const bins of [1, 0, 2.5, 257, Number.NaN]) {
        expect(build(bins)).toThrow(HubError);
        expect(build(bins)).toThrow(/bins/);
      }
      expect(build(2)).not.toThrow();
    });
  });
});
