/** The accumulator against counts computed by hand on small references. */
import { describe, expect, it } from 'vitest';
import { LATENCY_EDGES_MS, statsWindowSchema, type ReferenceProfile } from '@edgefleet/protocol';
import { StatsAccumulator } from '../../src/statistics/stats-accumulator';
import { msgIdSource } from '../../src/statistics/msg-id';
import { predictedValues } from '../../src/predictions/prediction-summary';
import { makeRelease } from '../../../test/fixtures/signing';

const T0 = new Date('2026-01-01T00:00:00.000Z');
const T1 = new Date('2026-01-01T00:01:00.000Z');
const bins = (edges: number[], mean = 0, sd = 1) => ({ edges, counts: new Array<number>(edges.length - 1).fill(1), underflow: 0, overflow: 0, missing: 0, mean, sd });

const classifierReference: ReferenceProfile = {
  rows: 100,
  features: [
    { name: 'f0', kind: 'numeric', source: { input: 'x', index: 0 }, bins: bins([0, 1, 2, 3], 1.5, 1) },
    { name: 'city', kind: 'categorical', source: { input: 'c', index: 0 }, categories: ['a', 'b'], counts: [50, 50], unseen: 0, missing: 0 },
    { name: 'f1', kind: 'numeric', source: { input: 'x', index: 1 }, bins: bins([0, 10], 5, 2) },
  ],
  outputs: [{ name: 'label', kind: 'class', classes: ['no', 'yes'], counts: [50, 50] }],
  // max-softmax thresholds are the reference's 5% and 1% quantiles of the top probability
  ood: { score: 'max-softmax', bins: { ...bins([0.5, 0.7, 0.9, 1]), counts: [10, 40, 50] }, p95: 0.6, p99: 0.52 },
};

const accumulator = (reference: ReferenceProfile | null) =>
  new StatsAccumulator(makeRelease({ reference, io: { inputs: [{ name: 'x', type: 'float32', shape: ['', 2] }], outputs: [{ name: 'y', type: 'float32', shape: ['', 1] }] } }), {
    device: 'dev-1',
    now: T0,
    msgId: msgIdSource(),
  });

describe('StatsAccumulator', () => {
  it('counts numeric, categorical, class and max-softmax OOD per row of a batch', () => {
    const acc = accumulator(classifierReference);
    acc.record(
      {
        x: { dims: [4, 2], data: Float32Array.from([0.5, 5, 1, NaN, 3, -1, NaN, 20]) },
        c: { dims: [4, 1], data: ['a', '', 'z', 'b'] },
      },
      {
        probabilities: { dims: [4, 2], data: [0.3, 0.7, 0.55, 0.45, 0.1, 0.9, 0.5, 0.5] },
        label: { dims: [4], data: [1n, 0n, 1n, 0n] },
      },
      3,
    );
    acc.recordError('E_SCHEMA');
    const window = acc.close(T1);
    expect(statsWindowSchema.parse(window)).toEqual(window);
    expect(window).toMatchObject({ device: 'dev-1', model: 'vad', version: '1', sha256: 'a'.repeat(64), windowStart: T0.toISOString(), windowEnd: T1.toISOString(), n: 4, errors: { E_SCHEMA: 1 } });
    expect(window.features[0]).toEqual({ kind: 'numeric', counts: [1, 1, 1], underflow: 0, overflow: 0, missing: 1, sum: 4.5, sumSq: 10.25, min: 0.5, max: 3 });
    expect(window.features[1]).toEqual({ kind: 'categorical', counts: [1, 1], unseen: 1, missing: 1 });
    expect(window.features[2]).toEqual({ kind: 'numeric', counts: [1], underflow: 1, overflow: 1, missing: 1, sum: 24, sumSq: 426, min: -1, max: 20 });
    const output = window.outputs[0];
    expect(output?.kind).toBe('class');
    if (output?.kind !== 'class') return;
    // argmax 1, 0, 1, 0 (a tie goes to the first class); tops 0.7, 0.55, 0.9, 0.5 on the OOD bins
    expect(output.counts).toEqual([2, 2]);
    expect(output.confidence).toMatchObject({ counts: [2, 1, 1], underflow: 0, overflow: 0, missing: 0, min: 0.5, max: 0.9 });
    expect(output.confidence.sum).toBeCloseTo(2.65, 12);
    // lower confidence is more OOD: 0.55 and 0.5 are below the 5% quantile 0.6, only 0.5 below 0.52
    expect(window.ood).toMatchObject({ score: { counts: [2, 1, 1] }, aboveP95: 2, aboveP99: 1 });
    const latencyBin = LATENCY_EDGES_MS.findIndex((edge, i) => edge <= 3 && 3 < (LATENCY_EDGES_MS[i + 1] ?? Infinity));
    expect(window.latencyMs.counts[latencyBin]).toBe(1);
    expect(window.latencyMs).toMatchObject({ sum: 3, sumSq: 9, min: 3, max: 3 });
  });

  it("counts the top probability on the class output's own confidence bins when the reference has them", () => {
    const acc = accumulator({ ...classifierReference, outputs: [{ name: 'label', kind: 'class', classes: ['no', 'yes'], counts: [50, 50], confidence: { ...bins([0, 0.6, 0.8, 0.95, 1]), counts: [10, 30, 40, 20] } }] });
    acc.record({ x: { dims: [4, 2], data: [0, 0, 0, 0, 0, 0, 0, 0] } }, { probabilities: { dims: [4, 2], data: [0.3, 0.7, 0.55, 0.45, 0.02, 0.98, 0.5, 0.5] } }, 1);
    const output = acc.close(T1).outputs[0];
    if (output?.kind !== 'class') throw new Error('class output expected');
    // tops 0.7, 0.55, 0.98, 0.5 on [0, 0.6, 0.8, 0.95, 1] (not the OOD bins)
    expect(output.confidence).toMatchObject({ counts: [2, 1, 0, 1], underflow: 0, overflow: 0, min: 0.5, max: 0.98 });
  });

  it('adds up batches, then starts empty after close with a new msgId', () => {
    const acc = accumulator(classifierReference);
    const inputs = { x: { dims: [1, 2], data: [0.5, 5] }, c: { dims: [1, 1], data: ['a'] } };
    const outputs = { probabilities: { dims: [1, 2], data: [0.2, 0.8] } };
    acc.record(inputs, outputs, 1);
    acc.record(inputs, outputs, 1);
    const first = acc.close(T1);
    expect(first.n).toBe(2);
    expect(first.features[0]).toMatchObject({ counts: [2, 0, 0], sum: 1 });
    expect(acc.isEmpty()).toBe(true);
    const second = acc.close(new Date(T1.getTime() + 60_000));
    expect(second).toMatchObject({ n: 0, windowStart: T1.toISOString(), errors: {} });
    expect(second.features[0]).toMatchObject({ counts: [0, 0, 0], min: null, max: null, sum: 0 });
    expect(second.msgId).not.toBe(first.msgId);
  });

  it('standardized distance: RMS of the z-scores of the numeric features, above p95/p99', () => {
    const acc = accumulator({
      rows: 10,
      features: [
        { name: 'a', kind: 'numeric', source: { input: 'x', index: 0 }, bins: bins([-1, 0, 1], 0, 1) },
        { name: 'b', kind: 'numeric', source: { input: 'x', index: 1 }, bins: bins([0, 20], 10, 2) },
      ],
      outputs: [{ name: 'y', kind: 'numeric', bins: bins([0, 1]) }],
      ood: { score: 'standardized-distance', bins: bins([0, 1, 2, 4]), p95: 1.5, p99: 3 },
    });
    // rows: z = (1, 1) -> 1; z = (3, 3) -> 3 (not strictly above p99)
    acc.record({ x: { dims: [2, 2], data: [1, 12, 3, 16] } }, { y: { dims: [2, 1], data: [0.5, 2] } }, 0.2);
    const window = acc.close(T1);
    expect(window.ood).toMatchObject({ score: { counts: [0, 1, 1], sum: 4 }, aboveP95: 1, aboveP99: 0 });
    expect(window.outputs[0]).toMatchObject({ kind: 'numeric', counts: [1], overflow: 1 });
  });

  it('reconstruction error reads the score output; a missing tensor counts as missing', () => {
    const acc = accumulator({
      rows: 10,
      features: [{ name: 'a', kind: 'numeric', source: { input: 'x', index: 0 }, bins: bins([0, 1]) }],
      outputs: [],
      ood: { score: 'reconstruction-error', bins: bins([0, 1, 10]), p95: 1, p99: 4 },
    });
    acc.record({ x: { dims: [2, 1], data: [0.5, 0.5] } }, { score: { dims: [2, 1], data: [0.1, 5] } }, 1);
    acc.record({ x: { dims: [1, 1], data: [0.5] } }, {}, 1);
    const window = acc.close(T1);
    expect(window.n).toBe(3);
    expect(window.ood).toMatchObject({ score: { counts: [1, 1], missing: 1 }, aboveP95: 1, aboveP99: 1 });
  });

  it('a release without a reference sends only n, errors and latency', () => {
    const acc = accumulator(null);
    acc.record({ x: { dims: [3, 2], data: [1, 2, 3, 4, 5, 6] } }, {}, 0.05);
    acc.recordError('E_INFERENCE');
    acc.recordError('E_INFERENCE');
    const window = acc.close(T1);
    expect(statsWindowSchema.safeParse(window).success).toBe(true);
    expect(window).toMatchObject({ n: 3, errors: { E_INFERENCE: 2 }, features: [], outputs: [], ood: null });
    expect(window.latencyMs.counts[0]).toBe(1);
  });

  describe('outputs are read by the rule prediction ids use (output-reader.ts)', () => {
    const numericReference: ReferenceProfile = { rows: 10, features: [{ name: 'a', kind: 'numeric', source: { input: 'x', index: 0 }, bins: bins([0, 1]) }], outputs: [{ name: 'y', kind: 'numeric', bins: bins([0, 1, 2, 3]) }], ood: null };
    const threeClasses: ReferenceProfile = { ...numericReference, outputs: [{ name: 'label', kind: 'class', classes: ['a', 'b', 'c'], counts: [1, 1, 1] }] };
    const x3 = { x: { dims: [3, 1], data: [0.5, 0.5, 0.5] } };

    it('a rank-1 [N] numeric output holds one value per row, not only row 0', () => {
      const acc = accumulator(numericReference);
      acc.record(x3, { y: { dims: [3], data: Float32Array.from([0.5, 1.5, 2.5]) } }, 1);
      expect(acc.close(T1).outputs[0]).toMatchObject({ kind: 'numeric', counts: [1, 1, 1], missing: 0, sum: 4.5 });
    });

    it('a rank-1 class-index output whose length equals the class count is N class indices, not one row of scores', () => {
      const acc = accumulator(threeClasses);
      const outputs = { label: { dims: [3], data: [2n, 2n, 0n] } };
      acc.record(x3, outputs, 1);
      const output = acc.close(T1).outputs[0];
      // read as scores it would have counted one row, class 0 (the argmax of [2, 2, 0])
      expect(output).toMatchObject({ kind: 'class', counts: [1, 0, 2], confidence: { counts: new Array(10).fill(0) } });
      const release = makeRelease({ reference: threeClasses, io: { inputs: [{ name: 'x', type: 'float32', shape: ['', 1] }], outputs: [{ name: 'label', type: 'int64', shape: [''] }] } });
      expect(predictedValues(release, { label: { type: 'int64', dims: [3], data: [2, 2, 0] } }, 3)).toEqual(['c', 'c', 'a']);
    });

    it('scores with a class axis still give the argmax and its confidence; an output of another row count is missing', () => {
      const acc = accumulator(threeClasses);
      acc.record(x3, { label: { dims: [3, 3], data: [0.1, 0.2, 0.7, 0.6, 0.3, 0.1, 0.2, 0.5, 0.3] } }, 1);
      acc.record(x3, { label: { dims: [2, 3], data: [0.1, 0.2, 0.7, 0.6, 0.3, 0.1] } }, 1);
      const output = acc.close(T1).outputs[0];
      expect(output).toMatchObject({ kind: 'class', counts: [1, 1, 1], confidence: { min: 0.5, max: 0.7 } });
      const numeric = accumulator(numericReference);
      numeric.record(x3, { y: { dims: [2, 1], data: [0.5, 1.5] } }, 1);
      expect(numeric.close(T1).outputs[0]).toMatchObject({ counts: [0, 0, 0], missing: 3 });
    });

    it('a batch of one owns its whole output, whatever its leading dim', () => {
      const acc = accumulator(numericReference);
      acc.record({ x: { dims: [1, 1], data: [0.5] } }, { y: { dims: [4], data: [2.5, 0, 0, 0] } }, 1);
      expect(acc.close(T1).outputs[0]).toMatchObject({ counts: [0, 0, 1], missing: 0 });
    });
  });
});
